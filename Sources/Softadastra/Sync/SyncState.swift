/// Where this node stands with its peers: the original SDK's counters, derived from the durable
/// sync table and the count of operations this node wrote, so they survive restarts.
///
/// The counts are of operations this node wrote itself, against the peer furthest behind:
/// `outboxSize` = `queuedCount` + `inFlightCount`, and the node's own operations =
/// `outboxSize` + `acknowledgedCount`. With no known peer, every operation is queued.
public struct SyncState: Sendable, Equatable {
  /// Operations of this node that some known peer has not acknowledged.
  public var outboxSize: Int
  /// Of those, operations not yet sent to every known peer.
  public var queuedCount: Int
  /// Of those, operations sent but not yet acknowledged.
  public var inFlightCount: Int
  /// Operations of this node every known peer has acknowledged.
  public var acknowledgedCount: Int
  /// Exchanges that failed after they started, over all peers.
  public var failedCount: Int
  /// The LSN of this node's log that the furthest-reaching bundle covered (0: none sent).
  public var lastSubmittedVersion: UInt64
  /// The LSN of this node's log at which the last operation received from a peer was applied.
  public var lastAppliedRemoteVersion: UInt64
  /// Operations sent again to a peer that had not acknowledged them.
  public var totalRetries: Int
  /// One row per known peer, by node id.
  public var peers: [PeerSyncState]

  public init(
    outboxSize: Int, queuedCount: Int = 0, inFlightCount: Int = 0, acknowledgedCount: Int = 0, failedCount: Int = 0,
    lastSubmittedVersion: UInt64 = 0, lastAppliedRemoteVersion: UInt64 = 0, totalRetries: Int = 0,
    peers: [PeerSyncState] = []
  ) {
    self.outboxSize = outboxSize
    self.queuedCount = queuedCount
    self.inFlightCount = inFlightCount
    self.acknowledgedCount = acknowledgedCount
    self.failedCount = failedCount
    self.lastSubmittedVersion = lastSubmittedVersion
    self.lastAppliedRemoteVersion = lastAppliedRemoteVersion
    self.totalRetries = totalRetries
    self.peers = peers
  }

  /// The state of a node that wrote `localOperations` operations and has `table`.
  init(localOperations: UInt64, table: SyncTable) {
    let local = Int(localOperations)
    let peers = table.peers.keys.sorted().map {
      PeerSyncState(nodeID: $0, record: table.peers[$0]!, localOperations: localOperations)
    }
    let acknowledged = min(local, Int(table.peers.values.map(\.acknowledged.localOperations).min() ?? 0))
    let sent = min(local, Int(table.peers.values.map(\.sent.localOperations).min() ?? 0))
    self.init(
      outboxSize: local - acknowledged, queuedCount: local - max(sent, acknowledged),
      inFlightCount: max(sent, acknowledged) - acknowledged,
      acknowledgedCount: acknowledged, failedCount: Int(table.peers.values.reduce(0) { $0 + $1.failures }),
      lastSubmittedVersion: table.peers.values.map(\.sent.lsn).max() ?? 0,
      lastAppliedRemoteVersion: table.lastAppliedRemoteLSN,
      totalRetries: Int(table.peers.values.reduce(0) { $0 + $1.retries }), peers: peers)
  }
}

/// What this node knows of one peer.
public struct PeerSyncState: Sendable, Equatable {
  public var nodeID: String
  /// How far into this node's log the peer confirmed it holds everything.
  public var acknowledgedLSN: UInt64
  /// How far into this node's log the last bundle for the peer reached.
  public var sentLSN: UInt64
  /// How far into the peer's log this node has applied everything.
  public var receivedLSN: UInt64
  /// Operations of this node the peer has not acknowledged.
  public var pendingOperations: Int
  /// The last export for or import from the peer (milliseconds since the Unix epoch).
  public var lastExchangeMilliseconds: Int64
  public var retries: Int
  public var failures: Int

  init(nodeID: String, record: PeerRecord, localOperations: UInt64) {
    self.nodeID = nodeID
    acknowledgedLSN = record.acknowledged.lsn
    sentLSN = record.sent.lsn
    receivedLSN = record.received.lsn
    pendingOperations = Int(localOperations - min(localOperations, record.acknowledged.localOperations))
    lastExchangeMilliseconds = record.lastExchangeMilliseconds
    retries = Int(record.retries)
    failures = Int(record.failures)
  }
}
