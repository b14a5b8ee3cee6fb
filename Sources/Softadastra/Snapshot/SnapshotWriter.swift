import SoftadastraWAL

#if canImport(Glibc)
  import Glibc
#endif

/// Writes a snapshot file from entries given in strictly increasing key order.
///
/// The file is written as `path` + ".tmp", synced, and renamed into place by `finish()` (which
/// also syncs the directory): a crash leaves no file at `path` or the complete one.
public final class SnapshotWriter {
  public let path: String
  public let header: SnapshotHeader
  private let level: Int
  private let file: SystemFile
  private let temporaryPath: String
  private var offset: UInt64
  private var block: [UInt8] = []
  private var blockCount: UInt32 = 0
  private var blockFirstKey: [UInt8] = []
  private var lastKey: [UInt8]?
  private var index: [UInt8] = []
  private var blocks: UInt32 = 0
  private var entries: UInt64 = 0
  private var values: UInt64 = 0
  private var rawBytes: UInt64 = 0
  private var finished = false

  /// Starts a snapshot at `path`, which must not exist.
  public init(path: String, header: SnapshotHeader, level: Int = Zlib.defaultLevel) throws(SoftadastraError) {
    guard !FileSystem.exists(path) else {
      throw SoftadastraError(.cannotCreate, "snapshot \(path) already exists", path: path)
    }
    self.path = path
    self.header = header
    self.level = level
    temporaryPath = path + ".tmp"
    FileSystem.removeFile(temporaryPath)
    file = try SystemFile.createExclusive(temporaryPath)
    let bytes = header.encoded()
    try file.write(bytes, at: 0)
    offset = UInt64(bytes.count)
    block.reserveCapacity(SnapshotFormat.blockTargetBytes + 4096)
  }

  deinit {
    if !finished {
      file.close()
      FileSystem.removeFile(temporaryPath)
    }
  }

  /// The number of entries added so far.
  public var entryCount: UInt64 { entries }

  /// Adds `key` with its entry; keys must come in strictly increasing byte order.
  public func add(key: [UInt8], entry: LocalStore.Entry) throws(SoftadastraError) {
    if let lastKey, !keyPrecedes(lastKey, key) {
      throw SoftadastraError(.invalidArgument, "snapshot keys must be added in increasing order")
    }
    if blockCount == 0 { blockFirstKey = key }
    SnapshotEntryCoding.append(key: key, entry: entry, to: &block)
    blockCount += 1
    entries += 1
    if !entry.isTombstone { values += 1 }
    lastKey = key
    if block.count >= SnapshotFormat.blockTargetBytes { try closeBlock() }
  }

  /// Writes the index and footer, syncs, and renames the file into place.
  ///
  /// - Returns: the size of the finished file.
  @discardableResult
  public func finish() throws(SoftadastraError) -> UInt64 {
    try closeBlock()
    let indexOffset = offset
    let indexChecksum = CRC32C.checksum(index)
    try file.write(index, at: offset)
    offset += UInt64(index.count)
    let footer = SnapshotFooter(
      indexOffset: indexOffset, indexSize: UInt32(index.count), blockCount: blocks, entryCount: entries,
      valueCount: values, rawBytes: rawBytes, indexChecksum: indexChecksum)
    try file.write(footer.encoded(headerChecksum: header.checksum), at: offset)
    offset += UInt64(SnapshotFormat.footerSize)
    try file.sync()
    file.close()
    try FileSystem.renameDurably(temporaryPath, to: path)
    finished = true
    return offset
  }

  /// Writes `source`'s entries under another header without decompressing them: each block's
  /// stored bytes are copied (after checking their CRC) and the index and footer rebuilt.
  ///
  /// - Returns: the size of the finished file.
  public static func rewrap(_ source: SnapshotReader, as header: SnapshotHeader, to path: String, progress: ((UInt64) -> Void)? = nil)
    throws(SoftadastraError) -> UInt64
  {
    let writer = try SnapshotWriter(path: path, header: header)
    for index in source.blocks.indices {
      var block = source.blocks[index]
      let stored = try source.storedBlock(index)
      try writer.file.write(stored, at: writer.offset)
      block.offset = writer.offset
      block.append(to: &writer.index)
      writer.offset += UInt64(stored.count)
      writer.rawBytes += UInt64(block.rawSize)
      writer.entries += UInt64(block.entryCount)
      writer.blocks += 1
      progress?(UInt64(block.rawSize))
    }
    writer.values = source.valueCount
    return try writer.finish()
  }

  private func closeBlock() throws(SoftadastraError) {
    guard blockCount > 0 else { return }
    let stored = try block.withUnsafeBytes { buffer in
      Result { () throws(SoftadastraError) in try Zlib.compress(buffer, level: level) }
    }.get()
    try file.write(stored, at: offset)
    SnapshotBlock(
      offset: offset, storedSize: UInt32(stored.count), rawSize: UInt32(block.count), entryCount: blockCount,
      checksum: CRC32C.checksum(stored), firstKey: blockFirstKey, lastKey: lastKey!
    ).append(to: &index)
    offset += UInt64(stored.count)
    rawBytes += UInt64(block.count)
    blocks += 1
    blockCount = 0
    block.removeAll(keepingCapacity: true)
  }
}

/// The bytes of one entry inside a block.
enum SnapshotEntryCoding {
  static func append(key: [UInt8], entry: LocalStore.Entry, to bytes: inout [UInt8]) {
    bytes.append(entry.isTombstone ? SnapshotFormat.tombstoneEntry : SnapshotFormat.valueEntry)
    bytes.appendLittleEndian(UInt16(key.count))
    bytes.append(contentsOf: key)
    if !entry.isTombstone {
      bytes.appendLittleEndian(UInt32(entry.value.count))
      bytes.append(contentsOf: entry.value)
    }
    bytes.appendLittleEndian(entry.lsn)
    bytes.appendLittleEndian(entry.timestamp.rawValue)
    if let origin = entry.origin {
      bytes.append(1)
      bytes.append(UInt8(origin.nodeID.utf8.count))
      bytes.append(contentsOf: origin.nodeID.utf8)
      bytes.appendLittleEndian(origin.lsn)
      bytes.appendLittleEndian(origin.timestamp.rawValue)
    } else {
      bytes.append(0)
    }
  }

  /// Finds `key` among the entries of a block (in increasing key order), stepping over the
  /// others without copying them.
  ///
  /// - Returns: `.some(entry)` (a tombstone included; nil for an absent key), or nil when the
  ///   bytes are not valid entries.
  static func find(_ key: [UInt8], in bytes: UnsafeRawBufferPointer) -> LocalStore.Entry?? {
    var reader = FieldReader(bytes, from: 0, to: bytes.count)
    while reader.remaining > 0 {
      let start = reader.position
      guard let kind = reader.read(UInt8.self), kind <= SnapshotFormat.tombstoneEntry,
        let keyLength = reader.read(UInt16.self), keyLength > 0, reader.remaining >= Int(keyLength)
      else { return nil }
      let order = key.withUnsafeBytes { wanted -> Int32 in
        let common = min(wanted.count, Int(keyLength))
        let compared = memcmp(wanted.baseAddress!, bytes.baseAddress! + reader.position, common)
        return compared != 0 ? compared : Int32(wanted.count) - Int32(keyLength)
      }
      if order == 0 {
        var entryReader = FieldReader(bytes, from: start, to: bytes.count)
        guard let entry = read(&entryReader) else { return nil }
        return .some(entry.entry)
      }
      if order < 0 { return .some(nil) }
      guard reader.skip(Int(keyLength)) else { return nil }
      if kind == SnapshotFormat.valueEntry {
        guard let valueLength = reader.read(UInt32.self), reader.skip(Int(valueLength)) else { return nil }
      }
      guard reader.skip(16), let hasOrigin = reader.read(UInt8.self), hasOrigin <= 1 else { return nil }
      if hasOrigin == 1 {
        guard let length = reader.read(UInt8.self), reader.skip(Int(length) + 16) else { return nil }
      }
    }
    return .some(nil)
  }

  /// Reads the entry at the reader's position (a value or a tombstone); nil when the bytes are
  /// not a valid entry.
  static func read(_ reader: inout FieldReader) -> (key: [UInt8], entry: LocalStore.Entry)? {
    guard let kind = reader.read(UInt8.self), kind <= SnapshotFormat.tombstoneEntry,
      let keyLength = reader.read(UInt16.self), keyLength > 0, Int(keyLength) <= WALFormat.maxKeyBytes,
      let key = reader.readBytes(Int(keyLength))
    else { return nil }
    var value: [UInt8] = []
    if kind == SnapshotFormat.valueEntry {
      guard let valueLength = reader.read(UInt32.self), Int(valueLength) <= WALFormat.maxValueBytes,
        let bytes = reader.readBytes(Int(valueLength))
      else { return nil }
      value = bytes
    }
    guard let lsn = reader.read(UInt64.self), let time = reader.read(UInt64.self), let hasOrigin = reader.read(UInt8.self)
    else { return nil }
    var origin: Origin?
    switch hasOrigin {
    case 0: break
    case 1:
      guard let length = reader.read(UInt8.self), length > 0, let id = reader.readBytes(Int(length)),
        let nodeID = String(validating: id, as: UTF8.self),
        let originLSN = reader.read(UInt64.self), let originTime = reader.read(UInt64.self)
      else { return nil }
      origin = Origin(nodeID: nodeID, lsn: originLSN, timestamp: HybridTimestamp(rawValue: originTime))
    default: return nil
    }
    return (
      key,
      LocalStore.Entry(
        value: value, lsn: lsn, timestamp: HybridTimestamp(rawValue: time), origin: origin,
        isTombstone: kind == SnapshotFormat.tombstoneEntry)
    )
  }
}
