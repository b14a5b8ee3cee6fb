@_spi(Storage) import SoftadastraWAL

/// The version of a write for the conflict rule between nodes: the later hybrid timestamp wins,
/// and of two writes with the same timestamp, the one from the greater node id (in byte order).
/// Puts and deletes compare alike, so every node that has seen the same writes picks the same
/// winner for each key, whatever order they arrived in.
public struct WriteVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var timestamp: HybridTimestamp
  public var nodeID: String

  public init(timestamp: HybridTimestamp, nodeID: String) {
    self.timestamp = timestamp
    self.nodeID = nodeID
  }

  public static func < (lhs: Self, rhs: Self) -> Bool {
    if lhs.timestamp != rhs.timestamp { return lhs.timestamp < rhs.timestamp }
    return keyPrecedes(Array(lhs.nodeID.utf8), Array(rhs.nodeID.utf8))
  }

  public var description: String { "\(timestamp)@\(nodeID)" }
}
