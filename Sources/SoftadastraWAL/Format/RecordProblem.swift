/// Why bytes at some offset are not a valid record.
public enum RecordProblem: Error, Sendable, Equatable, CustomStringConvertible {
  /// The size field is below the minimum or above `WALFormat.maxRecordSize`.
  case badSize(UInt32)
  /// The record claims `size` bytes but the file ends after `available`.
  case incomplete(size: Int, available: Int)
  /// The size repeated at the end of the record differs from the one at its start.
  case sizeMismatch(leading: UInt32, trailing: UInt32)
  /// The stored CRC does not match the bytes.
  case checksumMismatch(stored: UInt32, computed: UInt32)
  /// Type 0, which is never written.
  case invalidType
  /// A type below 128 that this version does not know.
  case unknownType(UInt8)
  /// Flag bits that this version does not know.
  case unknownFlags(UInt8)
  /// The payload does not decode as its type says.
  case badPayload(String)
  /// The file ends inside an atomic batch: its last record was never written.
  case unfinishedBatch
  /// The LSN does not follow the previous record's.
  case lsnOutOfSequence(expected: UInt64, found: UInt64)
  /// An LSN (or the end of a lost range) outside 1 to `WALFormat.maxLSN`.
  case lsnOutOfRange(UInt64)
  /// Batch flags that contradict their neighbours (a continuation with no batch started, or a
  /// record that does not continue the batch in progress).
  case batchFraming(String)
  /// The file was cut or written over in place (it is `size` bytes now): the records already
  /// read from it are no longer there.
  case changedInPlace(size: UInt64)

  /// Whether the bytes passed their CRC, so the damage is not a torn write but a wrong record.
  public var framingIsValid: Bool {
    switch self {
    case .badSize, .incomplete, .sizeMismatch, .checksumMismatch, .unfinishedBatch, .changedInPlace: false
    case .invalidType, .unknownType, .unknownFlags, .badPayload, .lsnOutOfSequence, .lsnOutOfRange, .batchFraming: true
    }
  }

  public var description: String {
    switch self {
    case .badSize(let size): "impossible record size \(size)"
    case .incomplete(let size, let available): "record of \(size) bytes cut short after \(available) bytes"
    case .sizeMismatch(let leading, let trailing): "size fields disagree (\(leading) at start, \(trailing) at end)"
    case .checksumMismatch(let stored, let computed):
      "checksum mismatch (stored \(hex(stored)), computed \(hex(computed)))"
    case .invalidType: "record type 0 (zero-filled or overwritten space)"
    case .unknownType(let type): "record type \(type) is unknown to this version (written by a newer softadastra?)"
    case .unknownFlags(let flags): "unknown flag bits \(hex(UInt32(flags)))"
    case .badPayload(let reason): "payload does not decode: \(reason)"
    case .unfinishedBatch: "the file ends inside a batch whose last record was never written"
    case .lsnOutOfSequence(let expected, let found): "LSN \(found) where \(expected) was expected"
    case .lsnOutOfRange(let lsn): "LSN \(lsn) is outside 1 to \(WALFormat.maxLSN)"
    case .batchFraming(let reason): "batch framing: \(reason)"
    case .changedInPlace(let size):
      "the file was cut or written over in place (\(size) bytes now): records already read from it are gone"
    }
  }
}
