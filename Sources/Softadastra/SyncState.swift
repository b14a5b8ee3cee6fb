/// What this node has recorded for propagation to peers.
public struct SyncState: Sendable, Equatable {
  /// Local operations that no peer has acknowledged yet.
  public var outboxSize: Int
}
