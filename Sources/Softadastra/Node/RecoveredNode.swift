import SoftadastraWAL

/// What recovery rebuilt: the state, the live WAL's summary, where history ends, and the snapshots
/// it could not use.
package struct RecoveredNode {
  package var state: NodeState
  package var summary: WALSummary
  /// The last LSN of the node's history (the snapshot's when no record follows it; 0 for none).
  package var lastLSN: UInt64
  /// The node's clock does not go back past this.
  package var lastTimestamp: HybridTimestamp
  /// Snapshots that were damaged or belong to another history; recovery used an older one or the
  /// full WAL instead, and lost nothing.
  package var skippedSnapshots: [SoftadastraError]
  /// The records after the snapshot, in order, when recovery was asked to keep them.
  package var records: [WALRecord]
  /// The CRC of each of `records` (what identifies the history up to it), when kept.
  package var recordChecksums: [UInt32]
  /// Operations this node wrote itself over its whole history (the snapshot's count plus those
  /// in the log after it): what its outbox holds while no peer has acknowledged anything.
  package var localOperations: UInt64
  /// The reader of the live WAL, at its end: a reader of the node goes on from there.
  var liveLog: WALScanner?
  package var snapshot: SnapshotInfo? { state.snapshot.map(SnapshotInfo.init) }
}
