/// Reading a log of any format: one protocol, so that dump, verify, replay, repair and convert
/// never branch on the format to read it, and the results every reader shares.

/// Called with each damaged region a reader steps over, in file order, before the records after it.
public typealias DamageReporter = (DamagedRegion) -> Void

/// A reader of one log, of whichever format.
///
/// Without a damage reporter, `next()` stops at the first damage and `ending` says whether it
/// was a torn tail (an append that never finished) or corruption; with one, each damaged
/// region is reported and reading goes on at the next valid record (a salvage).
public protocol LogReader {
  var path: String { get }
  var format: LogFormat { get }
  /// The file header of a native log; nil for a format without one.
  var nativeHeader: WALHeader? { get }
  /// The size of the file as read.
  var fileSize: UInt64 { get }
  /// The offset after the last record returned.
  var position: UInt64 { get }
  /// How the log ended; set once `next()` has returned nil.
  var ending: WALEnding? { get }
  /// The next record, or nil at the end or at damage (see `ending`).
  mutating func next() throws(SoftadastraError) -> ScannedRecord?
  /// Looks again at the file, to read records appended since (and, for a native log, the log
  /// that replaced it: see `WALScanner.refresh(sealed:)`, which tells a checkpoint's next log
  /// from a restored one by what checkpoints keep of the logs they seal).
  mutating func refresh(sealed logs: SealedLogs?) throws(SoftadastraError)
  /// How many times `refresh()` went on in a log that does not continue the one before.
  var replacements: Int { get }
  /// Passes the operation of `scanned`, the record `next()` returned last, to `body`, read in
  /// place when the reader did not copy it (`materialize: false`); nil for a record that holds
  /// no operation.
  mutating func withOperation<T>(of scanned: ScannedRecord, _ body: (OperationInPlace) -> T) throws(SoftadastraError)
    -> T?
}

extension LogFormat {
  /// Opens the log at `path` with the reader of its format (`format`, or recognised by its
  /// first bytes).
  ///
  /// - Parameters:
  ///   - materialize: false to check records without copying keys and values.
  ///   - onDamage: read past damage, reporting each region (a salvage); nil to stop at it.
  public static func openReader(
    path: String, format: LogFormat? = nil, materialize: Bool = true, onDamage: DamageReporter? = nil
  ) throws(SoftadastraError) -> any LogReader {
    try openReader(file: SystemFile.openForReading(path), format: format, materialize: materialize, onDamage: onDamage)
  }

  /// Opens the log open as `file` from its start, as `openReader(path:)` does: a reader that must
  /// read the very file another read (of the same file) read, whatever was put at its path since.
  package static func openReader(
    file: SystemFile, format: LogFormat? = nil, materialize: Bool = true, onDamage: DamageReporter? = nil
  ) throws(SoftadastraError) -> any LogReader {
    let resolved: LogFormat
    if let format { resolved = format } else { resolved = try detect(file: file) }
    switch resolved {
    case .native: return try WALScanner(file: file, materialize: materialize, onDamage: onDamage)
    case .cppV1:
      return CppLogScanner(bytes: try file.read(count: Int(file.size()), at: 0), path: file.path, onDamage: onDamage)
    }
  }
}

/// A record read from a log, with where it sits in the file.
public struct ScannedRecord: Sendable, Hashable {
  public var offset: UInt64
  public var size: Int
  public var checksum: UInt32
  /// The record; when the reader does not materialize, an operation's body is `.unread` (its
  /// key and value were checked, not copied).
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
  /// The first damaged byte offset (the start of the first bad record).
  public var offset: UInt64
  /// The LSN that should have been at `offset`.
  public var expectedLSN: UInt64
  public var problem: RecordProblem
  /// The offset and LSN of the first valid record found after the damage; nil when the damage
  /// is a record that passed its checksum but is wrong (an LSN out of sequence, an unknown type),
  /// or a complete last record that fails its checks.
  public var nextValidOffset: UInt64?
  public var nextValidLSN: UInt64?
}

/// How a log ends after its last complete record.
public enum WALEnding: Sendable, Equatable {
  case clean
  case tornTail(TornTail)
  case corrupt(Corruption)
}

extension WALEnding {
  /// Damage with valid records after it (not a clean end or a torn tail).
  public var isCorrupt: Bool {
    if case .corrupt = self { return true }
    return false
  }
}

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
