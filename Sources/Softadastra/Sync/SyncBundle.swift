@_spi(Storage) import SoftadastraWAL

/// An operation as it travels between nodes: what it does and where it was first written.
package struct SyncOperation: Sendable, Hashable {
  package var operation: StoreOperation
  package var origin: Origin

  package init(_ operation: StoreOperation, origin: Origin) {
    self.operation = operation
    self.origin = origin
  }

  /// The write's version for the conflict rule.
  package var version: WriteVersion { WriteVersion(timestamp: origin.timestamp, nodeID: origin.nodeID) }
}

/// What one node sends another: the operations of its log the recipient lacks, where in the
/// sender's log they end, and how far the sender has applied the recipient's log (its
/// acknowledgement). `docs/sync-format.md` specifies the bytes: a checksummed header, one zlib
/// stream of operations, and a trailer whose CRC covers everything before it.
public struct SyncBundle: Sendable, Equatable {
  public var sender: String
  public var recipient: String
  /// The sender's clock when it made the bundle: each bundle a node makes is later than the
  /// one before, so a receiver tells an old or duplicated bundle from a new one.
  public var created: HybridTimestamp
  /// The operations are the sender's whole state (values and tombstones), not a part of its log.
  public var isFullState: Bool
  /// The operations are those of the sender's log after this LSN (0 for a full state).
  public var fromLSN: UInt64
  /// The end of the sender's log the bundle covers.
  public var end: LogPosition
  /// How far the sender has applied the recipient's log.
  public var acknowledgement: LogPosition
  package var operations: [SyncOperation]

  package init(
    sender: String, recipient: String, created: HybridTimestamp, isFullState: Bool, fromLSN: UInt64, end: LogPosition,
    acknowledgement: LogPosition, operations: [SyncOperation]
  ) {
    self.sender = sender
    self.recipient = recipient
    self.created = created
    self.isFullState = isFullState
    self.fromLSN = fromLSN
    self.end = end
    self.acknowledgement = acknowledgement
    self.operations = operations
  }

  /// "SDSYN", CR, LF, 0x1A.
  public static let magic: [UInt8] = [0x53, 0x44, 0x53, 0x59, 0x4E, 0x0D, 0x0A, 0x1A]
  /// "SYNCEND" and a zero byte, before the trailer's CRC.
  public static let endMarker: [UInt8] = [0x53, 0x59, 0x4E, 0x43, 0x45, 0x4E, 0x44, 0x00]
  public static let version: UInt16 = 1
  /// Bytes a reader needs to know a bundle's whole size: magic, version, flags, header size,
  /// stored body size.
  public static let prefixSize = 24
  static let fixedHeaderSize = 96
  static let trailerSize = 12
  static let fullStateFlag: UInt16 = 0x0001
  /// The largest body, stored or decompressed (4 GiB − 1): a bundle is read and inflated whole.
  public static let maxBodyBytes: UInt64 = (1 << 32) - 1

  /// The first message of each side of a live exchange (`softadastra sync with`): who it is,
  /// before it knows who is at the other end. It has no recipient and no operations, and
  /// `Client.applySyncBundle` refuses it.
  public static func greeting(from sender: String) -> SyncBundle {
    SyncBundle(
      sender: sender, recipient: "", created: HybridTimestamp(milliseconds: HybridTimestamp.wallClockMilliseconds()),
      isFullState: false,
      fromLSN: 0, end: .start, acknowledgement: .start, operations: [])
  }

  public var isGreeting: Bool { recipient.isEmpty }

  /// Checks that the bundle is one for node `nodeID` to import.
  ///
  /// - Throws: `malformedInput` for a greeting, a bundle for another node, or one from `nodeID`.
  public func checkAddressed(to nodeID: String) throws(SoftadastraError) {
    guard !isGreeting else {
      throw SoftadastraError(
        .malformedInput,
        "the bundle is the greeting of a live exchange (sync with), not for importing; nothing was imported")
    }
    guard recipient == nodeID else {
      throw SoftadastraError(
        .malformedInput,
        "the bundle is for node '\(recipient)', and this is node '\(nodeID)'; nothing was imported",
        remedy: .addressBundlesTo(nodeID))
    }
    guard sender != nodeID else {
      throw SoftadastraError(
        .malformedInput, "the bundle comes from this node ('\(nodeID)') itself; nothing was imported")
    }
  }

  /// Checks that the bundle follows what the recipient has applied of the sender's log
  /// (`received`): a full state always does; a part of the log must not start after it.
  ///
  /// - Throws: `malformedInput` saying how to close the gap.
  public func checkFollows(received: LogPosition) throws(SoftadastraError) {
    guard !isFullState, fromLSN > received.lsn else { return }
    throw SoftadastraError(
      .malformedInput,
      "the bundle holds the log of node '\(sender)' after LSN \(fromLSN), but this node has applied it only up to LSN \(received.lsn); nothing was imported",
      remedy: .closeTheGap(sender: sender, recipient: recipient))
  }

  /// How far ahead of this node's wall clock an operation's timestamp may be. A node's clock
  /// moves past every timestamp it imports, so one from a badly wrong clock (or a crafted
  /// bundle) would drag it into the future for good; such a bundle is refused instead.
  public static let maxClockAheadMilliseconds: UInt64 = 24 * 60 * 60 * 1000

  /// Checks that no clock value of the bundle that changes what is applied (its creation time,
  /// which later bundles from the sender must pass, and each operation's timestamp) is more
  /// than `maxClockAheadMilliseconds` after `now`.
  ///
  /// - Throws: `malformedInput` naming the first such value.
  public func checkTimestamps(now: UInt64 = HybridTimestamp.wallClockMilliseconds()) throws(SoftadastraError) {
    let limit = now + Self.maxClockAheadMilliseconds
    func date(_ milliseconds: UInt64) -> String {
      milliseconds < 253_402_300_800_000 ? ISO8601.string(milliseconds: milliseconds) : "beyond year 9999"
    }
    if created.milliseconds > limit {
      throw SoftadastraError(
        .malformedInput,
        "the bundle from node '\(sender)' is dated \(date(created.milliseconds)), more than 24 hours ahead of this node's clock; nothing was imported, and later bundles from '\(sender)' are not held back by it (check the clocks of both nodes)"
      )
    }
    guard let late = operations.first(where: { $0.origin.timestamp.milliseconds > limit }) else { return }
    throw SoftadastraError(
      .malformedInput,
      "the bundle holds a write from node '\(late.origin.nodeID)' dated \(date(late.origin.timestamp.milliseconds)), more than 24 hours ahead of this node's clock; nothing was imported (check the clocks of both nodes)"
    )
  }

  // MARK: - Encoding

  /// The zlib level of bundles by default: level 1 compresses operations to within a few
  /// percent of level 6, several times faster.
  public static let defaultLevel = 1

  /// The bundle's bytes, its operations compressed at zlib `level`.
  public func encoded(level: Int = SyncBundle.defaultLevel) throws(SoftadastraError) -> [UInt8] {
    var raw: [UInt8] = []
    for item in operations { Self.append(item, to: &raw) }
    let stored = try raw.withUnsafeBytes { buffer in
      Result { () throws(SoftadastraError) in try Zlib.compress(buffer, level: level) }
    }.get()
    let headerSize = Self.fixedHeaderSize + 2 + sender.utf8.count + recipient.utf8.count + 4
    var bytes = Self.magic
    bytes.reserveCapacity(headerSize + stored.count + Self.trailerSize)
    bytes.appendLittleEndian(Self.version)
    bytes.appendLittleEndian(isFullState ? Self.fullStateFlag : 0)
    bytes.appendLittleEndian(UInt32(headerSize))
    bytes.appendLittleEndian(UInt64(stored.count))
    bytes.appendLittleEndian(UInt64(raw.count))
    bytes.appendLittleEndian(UInt64(operations.count))
    bytes.appendLittleEndian(created.rawValue)
    bytes.appendLittleEndian(fromLSN)
    for position in [end, acknowledgement] { position.append(to: &bytes) }
    for id in [sender, recipient] {
      bytes.append(UInt8(id.utf8.count))
      bytes.append(contentsOf: id.utf8)
    }
    bytes.appendLittleEndian(CRC32C.checksum(bytes))
    bytes.append(contentsOf: stored)
    bytes.append(contentsOf: Self.endMarker)
    bytes.appendLittleEndian(CRC32C.checksum(bytes))
    return bytes
  }

  private static func append(_ item: SyncOperation, to bytes: inout [UInt8]) {
    let key = item.operation.key
    switch item.operation {
    case .put: bytes.append(RecordType.put)
    case .delete: bytes.append(RecordType.delete)
    }
    bytes.append(UInt8(item.origin.nodeID.utf8.count))
    bytes.append(contentsOf: item.origin.nodeID.utf8)
    bytes.appendLittleEndian(item.origin.lsn)
    bytes.appendLittleEndian(item.origin.timestamp.rawValue)
    bytes.appendLittleEndian(UInt16(key.count))
    bytes.append(contentsOf: key)
    if case .put(_, let value) = item.operation {
      bytes.appendLittleEndian(UInt32(value.count))
      bytes.append(contentsOf: value)
    }
  }

  // MARK: - Decoding

  /// The whole size of the bundle whose first `prefixSize` bytes these are.
  ///
  /// - Throws: `malformedInput` when they are not the start of a bundle this version reads.
  public static func totalSize(prefix: [UInt8], source: String) throws(SoftadastraError) -> UInt64 {
    guard prefix.count >= prefixSize else {
      throw problem(source, "it is \(prefix.count) bytes long, too short for a sync bundle")
    }
    guard prefix.starts(with: magic) else {
      throw problem(source, "it does not start with the Softadastra sync bundle magic bytes")
    }
    let (version, headerSize, stored) = prefix.withUnsafeBytes { bytes in
      (
        bytes.loadLittleEndian(at: 8, as: UInt16.self), bytes.loadLittleEndian(at: 12, as: UInt32.self),
        bytes.loadLittleEndian(at: 16, as: UInt64.self)
      )
    }
    guard version == Self.version else {
      throw problem(
        source,
        "it is sync bundle format version \(version); this softadastra reads version \(Self.version) (upgrade softadastra)"
      )
    }
    guard headerSize >= UInt32(fixedHeaderSize + 2 + 1 + 4), headerSize <= UInt32(fixedHeaderSize + 2 + 2 * 255 + 4)
    else {
      throw problem(source, "its header sizes are impossible")
    }
    guard stored <= maxBodyBytes else {
      throw problem(source, "its body of \(stored) bytes is over the limit of \(maxBodyBytes)")
    }
    return UInt64(headerSize) + stored + UInt64(trailerSize)
  }

  /// Decodes and checks a whole bundle: header CRC, trailer CRC, exact decompressed size,
  /// every operation's layout and limits.
  ///
  /// - Throws: `malformedInput` naming `source` and what is wrong; nothing is half-decoded.
  public static func decode(_ bytes: [UInt8], source: String) throws(SoftadastraError) -> SyncBundle {
    let total = try totalSize(prefix: Array(bytes.prefix(prefixSize)), source: source)
    guard UInt64(bytes.count) == total else {
      throw problem(
        source,
        UInt64(bytes.count) < total
          ? "it is cut short: \(bytes.count) of its \(total) bytes are there"
          : "\(UInt64(bytes.count) - total) stray bytes follow it")
    }
    return try bytes.withUnsafeBytes { buffer in decode(buffer, source: source) }.get()
  }

  private static func decode(_ buffer: UnsafeRawBufferPointer, source: String) -> Result<SyncBundle, SoftadastraError> {
    Result { () throws(SoftadastraError) -> SyncBundle in
      let headerSize = Int(buffer.loadLittleEndian(at: 12, as: UInt32.self))
      guard
        CRC32C.extend(0, UnsafeRawBufferPointer(rebasing: buffer[0..<headerSize - 4]))
          == buffer.loadLittleEndian(at: headerSize - 4, as: UInt32.self)
      else { throw problem(source, "its header checksum does not match") }
      let trailer = buffer.count - trailerSize
      guard buffer[trailer..<trailer + 8].elementsEqual(endMarker),
        CRC32C.extend(0, UnsafeRawBufferPointer(rebasing: buffer[0..<buffer.count - 4]))
          == buffer.loadLittleEndian(at: buffer.count - 4, as: UInt32.self)
      else { throw problem(source, "its checksum does not match (damaged or cut short)") }
      let flags: UInt16 = buffer.loadLittleEndian(at: 10)
      let stored = Int(buffer.loadLittleEndian(at: 16, as: UInt64.self))
      let rawSize: UInt64 = buffer.loadLittleEndian(at: 24)
      let count: UInt64 = buffer.loadLittleEndian(at: 32)
      guard flags & ~fullStateFlag == 0 else {
        throw problem(source, "it has flags this version does not know (\(flags))")
      }
      var header = FieldReader(buffer, from: fixedHeaderSize, to: headerSize - 4)
      guard let sender = readNodeID(&header), let recipient = readNodeID(&header, allowingEmpty: true),
        header.remaining == 0,
        !recipient.isEmpty || count == 0
      else { throw problem(source, "its sender or recipient node id is not valid") }
      // zlib expands at most about 1032 times; a larger claim is damage, not an allocation.
      guard rawSize <= UInt64(stored) * 1032 + 64, rawSize <= maxBodyBytes else {
        throw problem(
          source, "its operations' size (\(rawSize) bytes) is impossible or over the limit of \(maxBodyBytes)")
      }
      guard
        let raw = try Zlib.decompress(
          UnsafeRawBufferPointer(rebasing: buffer[headerSize..<headerSize + stored]), size: Int(rawSize))
      else { throw problem(source, "its operations do not decompress to their recorded size") }
      let (operations, complete) = raw.withUnsafeBytes { rawBuffer in
        var reader = FieldReader(rawBuffer, from: 0, to: rawBuffer.count)
        var operations: [SyncOperation] = []
        operations.reserveCapacity(Int(min(count, 1 << 20)))
        var origins = OriginNames()
        while reader.remaining > 0 {
          guard let operation = readOperation(&reader, origins: &origins) else { return (operations, false) }
          operations.append(operation)
        }
        return (operations, true)
      }
      guard complete else { throw problem(source, "operation \(operations.count + 1) does not decode") }
      guard UInt64(operations.count) == count else {
        throw problem(source, "it holds \(operations.count) operations, its header says \(count)")
      }
      // Every LSN a bundle names is one of a log's: 0 to 2^63 - 1.
      let fromLSN: UInt64 = buffer.loadLittleEndian(at: 48)
      let end = position(buffer, at: 56)
      let acknowledgement = position(buffer, at: 76)
      let outOfRange =
        [fromLSN, end.lsn, acknowledgement.lsn].first { $0 > WALFormat.maxLSN }
        ?? operations.first { $0.origin.lsn > WALFormat.maxLSN }?.origin.lsn
      if let outOfRange {
        throw problem(source, "it names LSN \(outOfRange), above the highest a log can hold (\(WALFormat.maxLSN))")
      }
      return SyncBundle(
        sender: sender, recipient: recipient, created: HybridTimestamp(rawValue: buffer.loadLittleEndian(at: 40)),
        isFullState: flags & fullStateFlag != 0, fromLSN: fromLSN, end: end, acknowledgement: acknowledgement,
        operations: operations)
    }
  }

  private static func position(_ buffer: UnsafeRawBufferPointer, at offset: Int) -> LogPosition {
    LogPosition(
      lsn: buffer.loadLittleEndian(at: offset), checksum: buffer.loadLittleEndian(at: offset + 8),
      localOperations: buffer.loadLittleEndian(at: offset + 12))
  }

  private static func readNodeID(_ reader: inout FieldReader, allowingEmpty: Bool = false) -> String? {
    guard let length = reader.read(UInt8.self), let bytes = reader.readBytes(Int(length)),
      let id = String(validating: bytes, as: UTF8.self),
      NodeID.problem(with: id) == nil || (allowingEmpty && id.isEmpty)
    else { return nil }
    return id
  }

  /// Origin node ids met so far: a bundle names a few nodes many times, and each is decoded
  /// and checked once.
  private struct OriginNames {
    var known: [[UInt8]: String] = [:]

    mutating func read(_ reader: inout FieldReader) -> String? {
      guard let length = reader.read(UInt8.self), let bytes = reader.readBytes(Int(length)) else { return nil }
      if let id = known[bytes] { return id }
      guard let id = String(validating: bytes, as: UTF8.self), NodeID.problem(with: id) == nil else { return nil }
      known[bytes] = id
      return id
    }
  }

  private static func readOperation(_ reader: inout FieldReader, origins: inout OriginNames) -> SyncOperation? {
    guard let kind = reader.read(UInt8.self), kind == RecordType.put || kind == RecordType.delete,
      let nodeID = origins.read(&reader), let lsn = reader.read(UInt64.self), let time = reader.read(UInt64.self),
      let keyLength = reader.read(UInt16.self), keyLength > 0, Int(keyLength) <= WALFormat.maxKeyBytes,
      let key = reader.readBytes(Int(keyLength))
    else { return nil }
    let origin = Origin(nodeID: nodeID, lsn: lsn, timestamp: HybridTimestamp(rawValue: time))
    guard kind == RecordType.put else { return SyncOperation(.delete(key: key), origin: origin) }
    guard let valueLength = reader.read(UInt32.self), Int(valueLength) <= WALFormat.maxValueBytes,
      let value = reader.readBytes(Int(valueLength))
    else { return nil }
    return SyncOperation(.put(key: key, value: value), origin: origin)
  }

  private static func problem(_ source: String, _ reason: String) -> SoftadastraError {
    SoftadastraError(
      .malformedInput,
      "\(source) is not a valid sync bundle: \(reason); nothing was imported (ask its sender for a new one)",
      path: source)
  }
}
