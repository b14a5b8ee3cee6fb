/// A record read from a log, with where it sits in the file.
public struct ScannedRecord: Sendable, Hashable {
  public var offset: UInt64
  public var size: Int
  public var checksum: UInt32
  public var record: WALRecord
}

/// A torn tail: bytes after the last complete record (or batch) that are not data.
public struct TornTail: Sendable, Equatable {
  /// Where the torn bytes start: the end of the last complete record or batch.
  public var offset: UInt64
  /// How many bytes follow up to the end of the file.
  public var bytes: UInt64
  /// The LSN of the last complete record before it (header's first LSN minus one for none).
  public var lastGoodLSN: UInt64
  /// What was wrong with the first torn record.
  public var problem: RecordProblem
}

/// Damage with valid records after it: data that must not be skipped or truncated silently.
public struct Corruption: Sendable, Equatable {
  /// The first damaged byte offset (the start of the first bad record or batch).
  public var offset: UInt64
  /// The LSN that should have been at `offset`.
  public var expectedLSN: UInt64
  public var problem: RecordProblem
  /// The offset and LSN of the first valid record found after the damage; nil when the damage
  /// is a record that passed its checksum but is wrong (an LSN out of sequence, an unknown type).
  public var nextValidOffset: UInt64?
  public var nextValidLSN: UInt64?
}

/// How a log ends after its last complete record.
public enum WALEnding: Sendable, Equatable {
  case clean
  case tornTail(TornTail)
  case corrupt(Corruption)
}

/// Reads a native WAL from start to end, yielding only complete records and complete batches,
/// and says at the end whether the log was clean, torn at its tail, or corrupt in the middle.
///
/// The scanner takes no lock and never writes: it can run while a writer appends.
public final class WALScanner {
  public let path: String
  public let header: WALHeader
  /// The size of the file when the scanner opened it; later appends are not read.
  public let fileSize: UInt64
  /// Set once `next()` has returned nil.
  public private(set) var ending: WALEnding?
  /// The offset after the last record returned.
  public private(set) var position: UInt64
  /// The LSN of the last record returned (the header's first LSN minus one before any).
  public private(set) var lastLSN: UInt64
  /// The CRC of the last record returned, which seeds the next record's (the header's at first).
  public private(set) var lastChecksum: UInt32

  private var cursor: RecordCursor
  private let materialize: Bool
  /// The end of the batch being returned, which was checked complete before its first record.
  private var validatedBatchEnd: UInt64 = 0

  /// Opens `path` for reading.
  ///
  /// - Parameter materialize: false to check records without copying keys and values (for
  ///   verification); `next()` then returns records whose bodies are empty skips.
  /// - Throws: `notFound` when the file is missing, `corrupt` when its header is damaged.
  public convenience init(path: String, materialize: Bool = true) throws(SoftadastraError) {
    try self.init(file: SystemFile.openForReading(path), materialize: materialize)
  }

  /// Reads the log in an open file, from its start to its size now.
  public init(file: SystemFile, materialize: Bool = true) throws(SoftadastraError) {
    self.path = file.path
    self.fileSize = try file.size()
    self.materialize = materialize
    let headerBytes = try file.read(count: WALHeader.maxSize, at: 0)
    switch headerBytes.withUnsafeBytes({ WALHeader.decode($0) }) {
    case .success(let header): self.header = header
    case .failure(let problem):
      throw SoftadastraError(.corrupt, "\(file.path) is not a readable Softadastra WAL: \(problem)", path: file.path, offset: 0)
    }
    cursor = RecordCursor(file: file, fileSize: fileSize)
    position = UInt64(header.size)
    lastLSN = header.firstLSN &- 1
    lastChecksum = header.checksum
  }

  /// The next complete record, or nil at the end of the log or at the first damage (see `ending`).
  public func next() throws(SoftadastraError) -> ScannedRecord? {
    guard ending == nil else { return nil }
    if position == fileSize {
      ending = .clean
      return nil
    }
    let outcome = try cursor.decode(at: position, seed: lastChecksum, materialize: materialize)
    guard let scanned = try accept(outcome, at: position, expectedLSN: lastLSN &+ 1) else { return nil }
    if scanned.record.batchContinues, position >= validatedBatchEnd {
      guard try validateBatch(startingWith: scanned) else { return nil }
    }
    position += UInt64(scanned.size)
    lastLSN = scanned.record.lsn
    lastChecksum = scanned.checksum
    return scanned
  }

  /// Turns a decoding outcome into a record, or records the ending and returns nil.
  private func accept(_ outcome: RecordDecoder.Outcome, at offset: UInt64, expectedLSN: UInt64)
    throws(SoftadastraError) -> ScannedRecord?
  {
    switch outcome {
    case .record(let record, let size, let checksum):
      guard record.lsn == expectedLSN else {
        try end(at: offset, damageAt: offset, expectedLSN: expectedLSN, .lsnOutOfSequence(expected: expectedLSN, found: record.lsn))
        return nil
      }
      return ScannedRecord(offset: offset, size: size, checksum: checksum, record: record)
    case .valid(let type, let flags, let lsn, let size, let checksum):
      guard lsn == expectedLSN else {
        try end(at: offset, damageAt: offset, expectedLSN: expectedLSN, .lsnOutOfSequence(expected: expectedLSN, found: lsn))
        return nil
      }
      let record = WALRecord(
        lsn: lsn, timestamp: HybridTimestamp(rawValue: 0), batchContinues: flags & RecordFlags.batchContinues != 0,
        body: .skipped(type: type, payload: []))
      return ScannedRecord(offset: offset, size: size, checksum: checksum, record: record)
    case .invalid(let problem):
      try end(at: offset, damageAt: offset, expectedLSN: expectedLSN, problem)
      return nil
    case .needMoreData:
      preconditionFailure("RecordCursor resolves needMoreData")
    }
  }

  /// Checks that the batch starting with `first` is complete before any of it is returned.
  private func validateBatch(startingWith first: ScannedRecord) throws(SoftadastraError) -> Bool {
    var probe = RecordCursor(file: cursor.file, fileSize: fileSize)
    var offset = first.offset + UInt64(first.size)
    var seed = first.checksum
    var lsn = first.record.lsn
    while true {
      if offset == fileSize {
        try end(at: first.offset, damageAt: offset, expectedLSN: lsn &+ 1, .unfinishedBatch)
        return false
      }
      switch try probe.decode(at: offset, seed: seed, materialize: false) {
      case .valid(_, let flags, let found, let size, let checksum) where found == lsn &+ 1:
        offset += UInt64(size)
        seed = checksum
        lsn = found
        if flags & RecordFlags.batchContinues == 0 {
          validatedBatchEnd = offset
          return true
        }
      case .valid(_, _, let found, _, _):
        try end(at: first.offset, damageAt: offset, expectedLSN: lsn &+ 1, .lsnOutOfSequence(expected: lsn &+ 1, found: found))
        return false
      case .invalid(let problem):
        try end(at: first.offset, damageAt: offset, expectedLSN: lsn &+ 1, problem)
        return false
      case .record, .needMoreData:
        preconditionFailure("materialize is false and RecordCursor resolves needMoreData")
      }
    }
  }

  /// Classifies the damage at `damageAt`, in the record or batch that starts at `unitStart`.
  private func end(at unitStart: UInt64, damageAt: UInt64, expectedLSN: UInt64, _ problem: RecordProblem)
    throws(SoftadastraError)
  {
    var probe = RecordCursor(file: cursor.file, fileSize: fileSize, capacity: 1 << 16)
    var alternateSeed: (offset: UInt64, seed: UInt32)?
    if case .checksumMismatch(_, let computed) = problem {
      let size = try probe.withBytes(at: damageAt, count: 4) { $0.loadLittleEndian(at: 0, as: UInt32.self) }
      alternateSeed = (damageAt + UInt64(size), computed)
    }
    let next = try probe.firstValidRecord(
      from: damageAt + 1, minimumLSN: lastLSN, headerSize: header.size, alternateSeed: alternateSeed)
    if problem.framingIsValid || next != nil {
      ending = .corrupt(
        Corruption(
          offset: damageAt, expectedLSN: expectedLSN, problem: problem, nextValidOffset: next?.offset,
          nextValidLSN: next?.lsn))
    } else {
      ending = .tornTail(TornTail(offset: unitStart, bytes: fileSize - unitStart, lastGoodLSN: lastLSN, problem: problem))
    }
  }
}

extension SoftadastraError {
  /// The error for a log that is damaged before its tail: where, why, and what to run next.
  public static func damaged(path: String, _ corruption: Corruption) -> SoftadastraError {
    let after = corruption.nextValidOffset.map { " valid records follow at offset \($0)." } ?? ""
    return SoftadastraError(
      .corrupt,
      "WAL \(path) is damaged at offset \(corruption.offset) (LSN \(corruption.expectedLSN)): \(corruption.problem);\(after) Nothing was changed; inspect it with softadastra wal-verify \(path)",
      path: path, offset: corruption.offset, lsn: corruption.expectedLSN)
  }
}
