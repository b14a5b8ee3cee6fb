/// Decodes records of the native WAL format from bytes in memory.
package enum RecordDecoder {
  /// What the bytes at an offset turned out to be.
  package enum Outcome {
    /// A decoded record (boxed, so that the outcome of a check stays small to copy).
    indirect case record(WALRecord, RecordFrame)
    /// A valid record whose payload was checked but not copied (`materialize: false`).
    case valid(RecordFrame)
    /// More bytes are needed: at least `size` from the record's start.
    case needMoreData(size: Int)
    case invalid(RecordProblem)

    /// The frame of a valid record, decoded or not.
    package var frame: RecordFrame? {
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
  package static func decode(
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

  /// The operation of a put or delete record already checked in full, read in place: `bytes`
  /// must start with the record and hold all of it. Nil for any other record.
  static func operation(in bytes: UnsafeRawBufferPointer) -> OperationInPlace? {
    guard bytes.count >= WALFormat.recordOverhead, Int(bytes.loadLittleEndian(at: 0, as: UInt32.self)) == bytes.count
    else { return nil }
    let type = bytes[4]
    guard type == RecordType.put || type == RecordType.delete else { return nil }
    let size = bytes.count
    var payload = FieldReader(bytes, from: WALFormat.recordPrefixSize, to: size - 8)
    var origin: Origin?
    var key = 0..<0
    var value = 0..<0
    guard parseOperation(&payload, type: type, flags: bytes[5], origin: &origin, key: &key, value: &value) == nil else {
      return nil
    }
    return OperationInPlace(
      isDelete: type == RecordType.delete, key: UnsafeRawBufferPointer(rebasing: bytes[key]),
      value: UnsafeRawBufferPointer(rebasing: bytes[value]), origin: origin)
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
