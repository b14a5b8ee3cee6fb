/// Reads the log written by the C++ Softadastra runtime ("binary format version 1", described in
/// `docs/cpp-wal-v1.md`): records back to back, no file header, an FNV-1a checksum over each
/// payload. Records come out as `ScannedRecord`s whose LSN is the C++ sequence number, so the
/// same dump, verify and replay code serves both formats.
public struct CppLogScanner: LogReader {
  /// Record magic 0x57414C31, little-endian: "1LAW" on disk.
  public static let magic: [UInt8] = [0x31, 0x4C, 0x41, 0x57]
  static let headerSize = 30
  static let maxPayload = 64 << 20
  static let maxKey = 1 << 20

  public let path: String
  private var bytes: [UInt8]
  /// Where the next record starts.
  private var offset = 0
  public private(set) var ending: WALEnding?
  /// With a reporter, damage does not end the scan: it is reported and reading goes on at the
  /// next valid record (what a salvage and a full verification need).
  private let onDamage: DamageReporter?
  private var lastSequence: UInt64 = 0

  public init(path: String, onDamage: DamageReporter? = nil) throws(SoftadastraError) {
    let file = try SystemFile.openForReading(path)
    self.init(bytes: try file.read(count: Int(file.size()), at: 0), path: path, onDamage: onDamage)
  }

  /// Reads a log already in memory (`path` names it in reports).
  package init(bytes: [UInt8], path: String, onDamage: DamageReporter? = nil) {
    self.path = path
    self.bytes = bytes
    self.onDamage = onDamage
  }

  public var format: LogFormat { .cppV1 }
  /// The runtime's log has no file header.
  public var nativeHeader: WALHeader? { nil }
  public var fileSize: UInt64 { UInt64(bytes.count) }
  public var position: UInt64 { UInt64(offset) }
  /// The runtime appends to its log and never replaces it.
  public var replacements: Int { 0 }

  public mutating func next() throws(SoftadastraError) -> ScannedRecord? {
    while ending == nil {
      let position = offset
      if position == bytes.count {
        ending = .clean
        return nil
      }
      switch Self.decode(bytes, at: position) {
      case .success(let scanned):
        offset += scanned.size
        lastSequence = scanned.record.lsn
        return scanned
      case .failure(let problem):
        let next = nextValidRecord(after: position)
        if let onDamage {
          onDamage(
            DamagedRegion(
              offset: UInt64(position), bytes: UInt64((next ?? bytes.count) - position), expectedLSN: lastSequence &+ 1,
              problem: problem, isTail: next == nil))
          offset = next ?? bytes.count
          continue
        }
        if next != nil || !looksLikeAnUnfinishedAppend(problem, at: position) {
          ending = .corrupt(
            Corruption(
              offset: UInt64(position), expectedLSN: lastSequence &+ 1, problem: problem,
              nextValidOffset: next.map(UInt64.init),
              nextValidLSN: next.flatMap { try? Self.decode(bytes, at: $0).get().record.lsn }))
        } else {
          ending = .tornTail(
            TornTail(
              offset: UInt64(position), bytes: UInt64(bytes.count - position), lastGoodLSN: lastSequence,
              problem: problem))
        }
      }
    }
    return nil
  }

  /// (The C++ runtime neither seals nor replaces its log: `logs` has nothing to tell.)
  public mutating func refresh(sealed logs: SealedLogs? = nil) throws(SoftadastraError) {
    let file = try SystemFile.openForReading(path)
    let size = try file.size()
    guard size > UInt64(bytes.count) else { return }
    bytes += try file.read(count: Int(size) - bytes.count, at: UInt64(bytes.count))
    if case .corrupt = ending { return }
    ending = nil
  }

  /// The offset of the next record after `offset` that decodes (the C++ reader never looks).
  ///
  /// When the damaged record's header is readable and its extent lies in the file (damage in its
  /// payload: a checksum mismatch), the search starts at its end, so that a record held inside
  /// its payload (a value that is itself an encoded record) is never taken for a real one.
  private func nextValidRecord(after offset: Int) -> Int? {
    var candidate = offset + 1
    if let end = Self.claimedEnd(bytes, at: offset), end <= bytes.count {
      if case .success = Self.decode(bytes, at: end) { return end }
      candidate = end
    }
    while candidate + Self.headerSize + 4 <= bytes.count {
      if bytes[candidate] == Self.magic[0], bytes[candidate + 1] == Self.magic[1],
        bytes[candidate + 2] == Self.magic[2],
        bytes[candidate + 3] == Self.magic[3], case .success = Self.decode(bytes, at: candidate)
      {
        return candidate
      }
      candidate += 1
    }
    return nil
  }

  /// Where the record at `offset` ends by its header, when the header's fields are valid.
  static func claimedEnd(_ bytes: [UInt8], at offset: Int) -> Int? {
    guard bytes.count - offset >= headerSize, bytes[offset..<offset + 4].elementsEqual(magic) else { return nil }
    return bytes.withUnsafeBytes { raw -> Int? in
      let record = UnsafeRawBufferPointer(rebasing: raw[offset...])
      let size = Int(record.loadLittleEndian(at: 26, as: UInt32.self))
      guard record.loadLittleEndian(at: 4, as: UInt32.self) == 1, record.loadLittleEndian(at: 8, as: UInt64.self) > 0,
        (1...5).contains(record[16]), record[17] <= 3, size <= maxPayload
      else { return nil }
      return offset + headerSize + size + 4
    }
  }

  /// A record cut short by the end of the file, or zeros to the end: an append never finished.
  /// A record that ends exactly at the end of the file but fails its checksum is damage.
  private func looksLikeAnUnfinishedAppend(_ problem: RecordProblem, at offset: Int) -> Bool {
    if case .incomplete = problem { return true }
    return bytes[offset...].allSatisfy { $0 == 0 }
  }

  /// Decodes the record at `offset`.
  static func decode(_ bytes: [UInt8], at offset: Int) -> Result<ScannedRecord, RecordProblem> {
    let available = bytes.count - offset
    guard available >= headerSize else { return .failure(.incomplete(size: headerSize, available: available)) }
    return bytes.withUnsafeBytes { raw in
      let record = UnsafeRawBufferPointer(rebasing: raw[offset...])
      guard record.prefix(4).elementsEqual(magic) else { return .failure(.badPayload("no record magic (1LAW)")) }
      let version: UInt32 = record.loadLittleEndian(at: 4)
      guard version == 1 else { return .failure(.badPayload("record version \(version), not 1")) }
      let sequence: UInt64 = record.loadLittleEndian(at: 8)
      let type = record[16]
      let status = record[17]
      let timestamp: Int64 = record.loadLittleEndian(at: 18)
      let payloadSize = Int(record.loadLittleEndian(at: 26, as: UInt32.self))
      // The runtime's reader stops at a status it does not know (above 3, failed): so does this.
      guard sequence > 0, (1...5).contains(type), status <= 3, timestamp > 0, payloadSize <= maxPayload else {
        return .failure(
          .badPayload(
            "header fields out of range (sequence \(sequence), type \(type), status \(status), size \(payloadSize))"))
      }
      let size = headerSize + payloadSize + 4
      guard available >= size else { return .failure(.incomplete(size: size, available: available)) }
      let payload = UnsafeRawBufferPointer(rebasing: record[headerSize..<headerSize + payloadSize])
      let stored: UInt32 = record.loadLittleEndian(at: headerSize + payloadSize)
      let computed = fnv1a(payload)
      guard stored == computed else { return .failure(.checksumMismatch(stored: stored, computed: computed)) }
      // As the runtime's engine does: a record of any type whose payload is a store operation
      // is applied (a noop or checkpoint record can carry one); any other payload (the wal
      // module's file events, under types 1 to 3 too) is skipped.
      let body: WALRecord.Body =
        if let operation = storeOperation(payload) { .operation(operation, origin: nil) } else {
          .skipped(type: type, payload: Array(payload))
        }
      let scanned = ScannedRecord(
        offset: UInt64(offset), size: size, checksum: stored,
        record: WALRecord(lsn: sequence, timestamp: HybridTimestamp(milliseconds: UInt64(timestamp)), body: body))
      return .success(scanned)
    }
  }

  /// The store operation in a record payload: version 1, op (1 put, 2 delete), key, value, op time.
  static func storeOperation(_ payload: UnsafeRawBufferPointer) -> StoreOperation? {
    var reader = FieldReader(payload, from: 0, to: payload.count)
    guard reader.read(UInt8.self) == 1, let op = reader.read(UInt8.self), let keyLength = reader.read(UInt32.self),
      keyLength > 0, Int(keyLength) <= maxKey, let key = reader.readBytes(Int(keyLength)),
      let valueLength = reader.read(UInt32.self), Int(valueLength) <= maxPayload,
      let value = reader.readBytes(Int(valueLength)),
      reader.read(Int64.self) != nil, reader.remaining == 0
    else { return nil }
    switch op {
    case 1: return .put(key: key, value: value)
    case 2: return .delete(key: key)
    default: return nil
    }
  }

  /// Appends one record in the runtime's format: record type put (the runtime writes deletes as
  /// puts too; the payload's operation byte tells them apart), status persisted.
  public static func appendRecord(
    sequence: UInt64, milliseconds: UInt64, operation: StoreOperation, operationMilliseconds: UInt64,
    to bytes: inout [UInt8]
  ) {
    var payload: [UInt8] = [1]
    switch operation {
    case .put(let key, let value):
      payload.append(1)
      payload.appendLittleEndian(UInt32(key.count))
      payload += key
      payload.appendLittleEndian(UInt32(value.count))
      payload += value
    case .delete(let key):
      payload.append(2)
      payload.appendLittleEndian(UInt32(key.count))
      payload += key
      payload.appendLittleEndian(UInt32(0))
    }
    payload.appendLittleEndian(Int64(operationMilliseconds))
    bytes += magic
    bytes.appendLittleEndian(UInt32(1))
    bytes.appendLittleEndian(sequence)
    bytes += [1, 1]
    bytes.appendLittleEndian(Int64(milliseconds))
    bytes.appendLittleEndian(UInt32(payload.count))
    bytes += payload
    bytes.appendLittleEndian(payload.withUnsafeBytes { fnv1a($0) })
  }

  /// The fields of a record that only this format has: its record type (1 put, 2 update,
  /// 3 delete, 4 checkpoint, 5 noop), its status (0 pending, 1 persisted, 2 applied, 3 failed)
  /// and, for store operations, the operation's own timestamp in milliseconds.
  public func runtimeFields(of scanned: ScannedRecord) -> (type: UInt8, status: UInt8, operationMilliseconds: Int64?) {
    let offset = Int(scanned.offset)
    let type = bytes[offset + 16]
    let timestampOffset = offset + scanned.size - 4 - 8
    let operationMilliseconds: Int64? =
      if case .operation = scanned.record.body {
        bytes.withUnsafeBytes { $0.loadLittleEndian(at: timestampOffset, as: Int64.self) }
      } else { nil }
    return (type, bytes[offset + 17], operationMilliseconds)
  }

  /// The bytes of the records at `ranges` of the file, in order (records are self-contained).
  func bytes(of records: [ScannedRecord]) -> [UInt8] {
    records.reduce(into: []) { $0 += bytes[Int($1.offset)..<Int($1.offset) + $1.size] }
  }

  /// The file's bytes up to `offset`.
  func prefix(_ offset: UInt64) -> [UInt8] { Array(bytes.prefix(Int(offset))) }

  /// FNV-1a, 32 bits (basis 2166136261, prime 16777619), the C++ runtime's payload checksum.
  static func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var hash: UInt32 = 2_166_136_261
    for byte in bytes { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
    return hash
  }
}
