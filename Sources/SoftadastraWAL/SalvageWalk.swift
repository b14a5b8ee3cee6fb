/// A stretch of bytes that holds no valid record.
public struct DamagedRegion: Sendable, Equatable {
  public var offset: UInt64
  public var bytes: UInt64
  /// The LSN expected at `offset`.
  public var expectedLSN: UInt64
  public var problem: RecordProblem
  /// No valid record follows: the region runs to the end of the file.
  public var isTail: Bool

  public init(offset: UInt64, bytes: UInt64, expectedLSN: UInt64, problem: RecordProblem, isTail: Bool) {
    self.offset = offset
    self.bytes = bytes
    self.expectedLSN = expectedLSN
    self.problem = problem
    self.isTail = isTail
  }
}

/// Walks a whole log the way a salvage does: past each damaged region to the next valid record,
/// so that every intact record is seen, however much damage lies before it.
public enum SalvageWalk {
  /// What the walk meets, in file order.
  public enum Event: Sendable, Equatable {
    case record(ScannedRecord)
    case damage(DamagedRegion)
  }

  /// Calls `visit` for each valid record and each damaged region of the log at `path`.
  ///
  /// After damage, the next valid record is any whose frame and chained CRC check out with an
  /// LSN above the last one seen; records with an LSN at or below it (duplicates, stale copies)
  /// count as damage.
  /// - Returns: the header.
  @discardableResult
  public static func walk(
    path: String, materialize: Bool, _ visit: (Event) throws(SoftadastraError) -> Void
  ) throws(SoftadastraError) -> WALHeader {
    let file = try SystemFile.openForReading(path)
    let header = try WALScanner(file: file).header
    let fileSize = try file.size()
    var cursor = RecordCursor(file: file, fileSize: fileSize)
    var probe = RecordCursor(file: file, fileSize: fileSize, capacity: 1 << 16)
    var position = UInt64(header.size)
    var seed = header.checksum
    var expectedLSN = header.firstLSN
    var lastLSN = header.firstLSN &- 1
    var afterDamage = false
    while position < fileSize {
      let outcome = try cursor.decode(at: position, seed: seed, materialize: materialize)
      let problem: RecordProblem
      if let frame = outcome.frame {
        if frame.lsn == expectedLSN || (afterDamage && frame.lsn > lastLSN) {
          let record: WALRecord
          if case .record(let decoded, _) = outcome {
            record = decoded
          } else {
            record = WALRecord(lsn: frame.lsn, timestamp: frame.timestamp, batch: frame.batch, body: .skipped(type: frame.type, payload: []))
          }
          try visit(.record(ScannedRecord(offset: position, size: frame.size, checksum: frame.checksum, record: record)))
          position += UInt64(frame.size)
          seed = frame.checksum
          expectedLSN = frame.nextLSN
          lastLSN = frame.lsn
          afterDamage = false
          continue
        }
        problem = .lsnOutOfSequence(expected: expectedLSN, found: frame.lsn)
      } else if case .invalid(let invalid) = outcome {
        problem = invalid
      } else {
        preconditionFailure("RecordCursor resolves needMoreData")
      }
      let next = try probe.firstValidRecord(
        from: position + 1, minimumLSN: lastLSN, headerSize: header.size,
        alternateSeed: try WALScanner.alternateSeed(for: problem, at: position, in: &probe))
      let end = next?.offset ?? fileSize
      try visit(
        .damage(
          DamagedRegion(offset: position, bytes: end - position, expectedLSN: expectedLSN, problem: problem, isTail: next == nil)))
      guard let next else { break }
      position = next.offset
      seed = next.seed
      afterDamage = true
    }
    return header
  }

  /// The records a salvage keeps: every valid record except those of batches that lost their
  /// start or their end, in order, with what was dropped.
  public struct Plan: Sendable {
    public var header: WALHeader
    public var kept: [ScannedRecord]
    /// Damaged regions, and valid records dropped with a broken batch, in file order.
    public var dropped: [DamagedRegion]
    /// Valid records dropped because their batch was not whole.
    public var droppedBatchRecords: Int
    /// The highest LSN the log used or may have used (valid records, kept or dropped, and the
    /// LSN expected at each damaged region): a rebuilt log must never hand one out again.
    public var highestLSN: UInt64?
  }

  /// Walks the log at `path` and decides what a salvage keeps.
  public static func plan(path: String) throws(SoftadastraError) -> Plan {
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
    let header = try walk(path: path, materialize: true) { event in
      switch event {
      case .damage(let region):
        saw(region.expectedLSN)
        dropPendingBatch("a batch lost its end to the damage after it")
        dropped.append(region)
      case .record(let scanned):
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
    }
    dropPendingBatch("a batch lost its end")
    dropped.sort { $0.offset < $1.offset }
    return Plan(
      header: header, kept: kept, dropped: dropped, droppedBatchRecords: droppedBatchRecords, highestLSN: highestLSN)
  }
}
