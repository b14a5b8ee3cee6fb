/// Where an operation was first written, for operations that arrived from another node.
public struct Origin: Sendable, Hashable {
  public var nodeID: String
  public var lsn: UInt64
  public var timestamp: HybridTimestamp

  public init(nodeID: String, lsn: UInt64, timestamp: HybridTimestamp) {
    self.nodeID = nodeID
    self.lsn = lsn
    self.timestamp = timestamp
  }
}
