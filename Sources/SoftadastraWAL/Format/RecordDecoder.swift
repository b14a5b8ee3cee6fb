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

  /// Whether the bytes passed their CRC, so the damage is not a torn write but a wrong record.
  public var framingIsValid: Bool {
    switch self {
    case .badSize, .incomplete, .sizeMismatch, .checksumMismatch, .unfinishedBatch: false
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
    }
  }
}

/// The framing facts of a valid record, known without copying its key or value.
public struct RecordFrame: Sendable, Hashable {
  public var type: UInt8
  public var lsn: UInt64
  public var timestamp: HybridTimestamp
  public var batch: WALRecord.BatchPosition
  /// The record's size in bytes.
  public var size: Int
  /// The record's CRC, which seeds the next record's.
  public var checksum: UInt32
  /// The LSN the next record must carry.
  public var nextLSN: UInt64

  /// The record this frame belongs to, its payload not read.
  var unreadRecord: WALRecord { WALRecord(lsn: lsn, timestamp: timestamp, batch: batch, body: .unread(type: type)) }
}

/// Decodes records of the native WAL format from bytes in memory.
public enum RecordDecoder {
  /// What the bytes at an offset turned out to be.
  public enum Outcome {
    /// A decoded record (boxed, so that the outcome of a check stays small to copy).
    indirect case record(WALRecord, RecordFrame)
    /// A valid record whose payload was checked but not copied (`materialize: false`).
    case valid(RecordFrame)
    /// More bytes are needed: at least `size` from the record's start.
    case needMoreData(size: Int)
    case invalid(RecordProblem)

    /// The frame of a valid record, decoded or not.
    public var frame: RecordFrame? {
      switch self {
      case .record(_, let frame), .valid(let frame): frame
      case .needMoreData, .invalid: nil
      }
    }
  }

  /// Decodes the record at the start of `bytes`.
  ///
  /// - Parameters:
  ///   - bytes: from the record's first byte to the end of what is in memory.
  ///   - seed: the 4 bytes before the record in the file (the previous CRC), as an integer.
  ///   - materialize: false to check the payload without copying keys and values.
  /// - Returns: the record, a request for more bytes, or the problem. Not an error: callers
  ///   decide whether a problem is a torn tail or corruption.
  public static func decode(
    _ bytes: UnsafeRawBufferPointer, seed: UInt32, materialize: Bool = true
  ) -> Outcome {
    guard bytes.count >= 4 else { return .needMoreData(size: WALFormat.recordOverhead) }
    let size32: UInt32 = bytes.loadLittleEndian(at: 0)
    guard size32 >= UInt32(WALFormat.recordOverhead), size32 <= UInt32(WALFormat.maxRecordSize) else {
      return .invalid(.badSize(size32))
    }
    let size = Int(size32)
    guard bytes.count >= size else { return .needMoreData(size: size) }
    let trailing: UInt32 = bytes.loadLittleEndian(at: size - 8)
    guard trailing == size32 else { return .invalid(.sizeMismatch(leading: size32, trailing: trailing)) }
    let stored: UInt32 = bytes.loadLittleEndian(at: size - 4)
    let computed = CRC32C.extend(seed, UnsafeRawBufferPointer(rebasing: bytes[0..<size - 4]))
    guard stored == computed else { return .invalid(.checksumMismatch(stored: stored, computed: computed)) }

    let type = bytes[4]
    let flags = bytes[5]
    let lsn: UInt64 = bytes.loadLittleEndian(at: 6)
    guard type != RecordType.invalid else { return .invalid(.invalidType) }
    guard flags & ~RecordFlags.known == 0 else { return .invalid(.unknownFlags(flags)) }
    guard lsn >= 1, lsn <= WALFormat.maxLSN else { return .invalid(.lsnOutOfRange(lsn)) }
    var frame = RecordFrame(
      type: type, lsn: lsn, timestamp: HybridTimestamp(rawValue: bytes.loadLittleEndian(at: 14)),
      batch: WALRecord.BatchPosition(flags: flags), size: size, checksum: stored, nextLSN: lsn &+ 1)
    var payload = FieldReader(bytes, from: WALFormat.recordPrefixSize, to: size - 8)
    let body: WALRecord.Body?
    switch type {
    case RecordType.put, RecordType.delete:
      var origin: Origin?
      var key = 0..<0
      var value = 0..<0
      if let problem = parseOperation(&payload, type: type, flags: flags, origin: &origin, key: &key, value: &value) {
        return .invalid(problem)
      }
      guard materialize else { return .valid(frame) }
      let keyBytes = Array(UnsafeRawBufferPointer(rebasing: bytes[key]))
      body = .operation(
        type == RecordType.put
          ? .put(key: keyBytes, value: Array(UnsafeRawBufferPointer(rebasing: bytes[value]))) : .delete(key: keyBytes),
        origin: origin)
    case RecordType.tailRepairNote, RecordType.lostRange:
      guard flags & RecordFlags.remoteOrigin == 0 else { return .invalid(.unknownFlags(flags)) }
      if type == RecordType.tailRepairNote {
        guard let offset = payload.read(UInt64.self), let count = payload.read(UInt64.self), payload.remaining == 0
        else { return .invalid(.badPayload("a tail-repair note is 16 bytes")) }
        body = .tailRepairNote(offset: offset, bytes: count)
      } else {
        guard let count = payload.read(UInt64.self), let offset = payload.read(UInt64.self),
          let bytes = payload.read(UInt64.self), payload.remaining == 0, count > 0
        else { return .invalid(.badPayload("a lost-range record is 24 bytes and loses at least one LSN")) }
        guard count <= WALFormat.maxLSN - lsn else { return .invalid(.lsnOutOfRange(lsn &+ count &- 1)) }
        body = .lostRange(count: count, offset: offset, bytes: bytes)
        frame.nextLSN = lsn + count
      }
    default:
      guard type >= RecordType.firstSkippable else { return .invalid(.unknownType(type)) }
      guard flags & RecordFlags.remoteOrigin == 0 else { return .invalid(.unknownFlags(flags)) }
      guard materialize else { return .valid(frame) }
      let bytes = payload.readBytes(payload.remaining) ?? []
      body = type == RecordType.syncTable ? .syncTable(payload: bytes) : .skipped(type: type, payload: bytes)
    }
    // Notes and lost ranges are small and always decoded: a reader needs their fields (a lost
    // range's count gives the next LSN) even when it copies no keys and values.
    guard let body else { return .valid(frame) }
    return .record(WALRecord(lsn: lsn, timestamp: frame.timestamp, batch: frame.batch, body: body), frame)
  }

  /// The frame of a record already checked in full (by a batch check): reads the fixed fields
  /// only. `bytes` must start with the record and hold all of it.
  static func checkedFrame(_ bytes: UnsafeRawBufferPointer) -> RecordFrame {
    let size = Int(bytes.loadLittleEndian(at: 0, as: UInt32.self))
    let type = bytes[4]
    let lsn: UInt64 = bytes.loadLittleEndian(at: 6)
    let lost: UInt64 = type == RecordType.lostRange ? bytes.loadLittleEndian(at: WALFormat.recordPrefixSize) : 1
    return RecordFrame(
      type: type, lsn: lsn, timestamp: HybridTimestamp(rawValue: bytes.loadLittleEndian(at: 14)),
      batch: WALRecord.BatchPosition(flags: bytes[5]), size: size, checksum: bytes.loadLittleEndian(at: size - 4),
      nextLSN: lsn &+ lost)
  }

  /// Checks a put or delete payload and finds its parts; the problem, or nil when it is valid.
  private static func parseOperation(
    _ payload: inout FieldReader, type: UInt8, flags: UInt8, origin: inout Origin?, key: inout Range<Int>,
    value: inout Range<Int>
  ) -> RecordProblem? {
    if flags & RecordFlags.remoteOrigin != 0 {
      guard let idLength = payload.read(UInt8.self), idLength > 0 else {
        return .badPayload("origin node id is missing")
      }
      guard let id = payload.readBytes(Int(idLength)), let nodeID = String(validating: id, as: UTF8.self),
        let lsn = payload.read(UInt64.self), let clock = payload.read(UInt64.self)
      else { return .badPayload("origin is cut short or its node id is not UTF-8") }
      guard lsn <= WALFormat.maxLSN else { return .lsnOutOfRange(lsn) }
      origin = Origin(nodeID: nodeID, lsn: lsn, timestamp: HybridTimestamp(rawValue: clock))
    }
    guard let keyLength = payload.read(UInt16.self), keyLength > 0, Int(keyLength) <= WALFormat.maxKeyBytes else {
      return .badPayload("key length is 0 or above \(WALFormat.maxKeyBytes)")
    }
    key = payload.position..<payload.position + Int(keyLength)
    guard payload.skip(Int(keyLength)) else { return .badPayload("key is cut short") }
    if type == RecordType.put {
      guard let valueLength = payload.read(UInt32.self), Int(valueLength) <= WALFormat.maxValueBytes else {
        return .badPayload("value length is missing or above \(WALFormat.maxValueBytes)")
      }
      value = payload.position..<payload.position + Int(valueLength)
      guard payload.skip(Int(valueLength)) else { return .badPayload("value is cut short") }
    }
    guard payload.remaining == 0 else { return .badPayload("\(payload.remaining) stray bytes after the operation") }
    return nil
  }
}
