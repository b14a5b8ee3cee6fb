/// What a salvage of a log keeps: every intact record, however much damage lies before it,
/// except those of batches that lost their start or their end.
package enum Salvage {
  /// The records a salvage keeps: every valid record except those of batches that lost their
  /// start or their end, in order, with what was dropped.
  package struct Plan: Sendable {
    /// The log's header (nil for a format without one).
    package var header: WALHeader?
    package var kept: [ScannedRecord]
    /// Damaged regions, and valid records dropped with a broken batch, in file order.
    package var dropped: [DamagedRegion]
    /// Valid records dropped because their batch was not whole.
    package var droppedBatchRecords: Int
    /// The highest LSN the log used or may have used (valid records, kept or dropped, and the
    /// LSN expected at each damaged region): a rebuilt log must never hand one out again.
    package var highestLSN: UInt64?
  }

  /// Reads the log at `path` past every damaged region and decides what a salvage keeps.
  package static func plan(path: String, format: LogFormat? = nil) throws(SoftadastraError) -> Plan {
    var kept: [ScannedRecord] = []
    var dropped: [DamagedRegion] = []
    var droppedBatchRecords = 0
    var pendingBatch: [ScannedRecord] = []
    var highestLSN: UInt64?
    func saw(_ lsn: UInt64) { highestLSN = max(highestLSN ?? lsn, lsn) }
    func dropPendingBatch(_ reason: String) {
      guard let first = pendingBatch.first, let last = pendingBatch.last else { return }
      dropped.append(
        DamagedRegion(
          offset: first.offset, bytes: last.offset + UInt64(last.size) - first.offset, expectedLSN: first.record.lsn,
          problem: .batchFraming(reason), isTail: false))
      droppedBatchRecords += pendingBatch.count
      pendingBatch = []
    }
    var reader = try LogFormat.openReader(path: path, format: format) { region in
      saw(region.expectedLSN)
      dropPendingBatch("a batch lost its end to the damage after it")
      dropped.append(region)
    }
    while let scanned = try reader.next() {
      saw(scanned.record.nextLSN - 1)
      switch scanned.record.batch {
      case .single:
        dropPendingBatch("a batch was interrupted by a single record")
        kept.append(scanned)
      case .first:
        dropPendingBatch("a batch was interrupted by another batch")
        pendingBatch = [scanned]
      case .middle, .last:
        if pendingBatch.isEmpty || pendingBatch.last!.record.nextLSN != scanned.record.lsn {
          dropPendingBatch("a batch lost records")
          pendingBatch = [scanned]
          dropPendingBatch("a batch lost its start to the damage before it")
        } else if scanned.record.batch == .last {
          kept += pendingBatch + [scanned]
          pendingBatch = []
        } else {
          pendingBatch.append(scanned)
        }
      }
    }
    dropPendingBatch("a batch lost its end")
    dropped.sort { $0.offset < $1.offset }
    return Plan(
      header: reader.nativeHeader, kept: kept, dropped: dropped, droppedBatchRecords: droppedBatchRecords,
      highestLSN: highestLSN)
  }
}
