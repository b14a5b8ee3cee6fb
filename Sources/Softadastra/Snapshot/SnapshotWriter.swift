import SoftadastraWAL

#if canImport(Glibc)
  import Glibc
#endif

/// Writes a snapshot from entries given in strictly increasing key order: as a file of its own,
/// or as a part of another file (a backup archive).
///
/// A file of its own is written as `path` + ".tmp", synced, and renamed into place by `finish()`
/// (which also syncs the directory): a crash leaves no file at `path` or the complete one.
public final class SnapshotWriter {
  /// Where the snapshot's bytes go.
  private enum Destination {
    /// A new file, renamed from `temporaryPath` to `path` when finished.
    case ownFile(temporaryPath: String)
    /// Bytes of a file the caller owns, from an offset on; the caller syncs it.
    case part(base: UInt64)
  }

  public let path: String
  public let header: SnapshotHeader
  private let level: Int
  private let file: SystemFile
  private let destination: Destination
  /// Bytes written so far, from the snapshot's first byte.
  private var offset: UInt64 = 0
  /// The CRC-32C of the bytes written so far.
  public private(set) var checksum: UInt32 = 0
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
  public convenience init(path: String, header: SnapshotHeader, level: Int = Zlib.defaultLevel) throws(SoftadastraError) {
    guard !FileSystem.exists(path) else {
      throw SoftadastraError(.cannotCreate, "snapshot \(path) already exists", path: path)
    }
    try Zlib.checkLevel(level)
    let temporaryPath = path + ".tmp"
    FileSystem.removeFile(temporaryPath)
    try self.init(
      file: try SystemFile.createExclusive(temporaryPath), destination: .ownFile(temporaryPath: temporaryPath), path: path,
      header: header, level: level)
  }

  /// Starts a snapshot written into `file` from byte `base` on (as a part of an archive). The
  /// caller syncs `file`; `finish()` returns the snapshot's size and `checksum` covers its bytes.
  public convenience init(partOf file: SystemFile, at base: UInt64, header: SnapshotHeader, level: Int)
    throws(SoftadastraError)
  {
    try Zlib.checkLevel(level)
    try self.init(file: file, destination: .part(base: base), path: file.path, header: header, level: level)
  }

  private init(file: SystemFile, destination: Destination, path: String, header: SnapshotHeader, level: Int)
    throws(SoftadastraError)
  {
    self.file = file
    self.destination = destination
    self.path = path
    self.header = header
    self.level = level
    block.reserveCapacity(SnapshotFormat.blockTargetBytes + 4096)
    try append(header.encoded())
  }

  deinit {
    if !finished, case .ownFile(let temporaryPath) = destination {
      file.close()
      FileSystem.removeFile(temporaryPath)
    }
  }

  /// Writes `bytes` after those written so far.
  private func append(_ bytes: [UInt8]) throws(SoftadastraError) {
    switch destination {
    case .ownFile: try file.write(bytes, at: offset)
    case .part(let base): try file.write(bytes, at: base + offset)
    }
    offset += UInt64(bytes.count)
    checksum = CRC32C.extend(checksum, bytes)
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

  /// Writes the index and footer; a file of its own is then synced and renamed into place.
  ///
  /// - Returns: the size of the finished snapshot.
  @discardableResult
  public func finish() throws(SoftadastraError) -> UInt64 {
    try closeBlock()
    let indexOffset = offset
    let indexChecksum = CRC32C.checksum(index)
    try append(index)
    let footer = SnapshotFooter(
      indexOffset: indexOffset, indexSize: UInt32(index.count), blockCount: blocks, entryCount: entries,
      valueCount: values, rawBytes: rawBytes, indexChecksum: indexChecksum)
    try append(footer.encoded(headerChecksum: header.checksum))
    if case .ownFile(let temporaryPath) = destination {
      try file.sync()
      file.close()
      try FileSystem.renameDurably(temporaryPath, to: path)
    }
    finished = true
    return offset
  }

  /// Adds every entry of `source` without decompressing them: each block's stored bytes are
  /// copied (after checking their CRC) and indexed anew. Only into a writer with no entries yet;
  /// `finish()` then completes the snapshot under this writer's header.
  public func addBlocks(of source: SnapshotReader, progress: ((UInt64) -> Void)? = nil) throws(SoftadastraError) {
    guard entries == 0 else {
      throw SoftadastraError(.invalidArgument, "a snapshot's blocks can only be copied into an empty snapshot")
    }
    for index in source.blocks.indices {
      var block = source.blocks[index]
      let stored = try source.storedBlock(index)
      block.offset = offset
      block.append(to: &self.index)
      try append(stored)
      rawBytes += UInt64(block.rawSize)
      entries += UInt64(block.entryCount)
      blocks += 1
      lastKey = block.lastKey
      progress?(UInt64(block.rawSize))
    }
    values += source.valueCount
  }

  private func closeBlock() throws(SoftadastraError) {
    guard blockCount > 0 else { return }
    let stored = try block.withUnsafeBytes { buffer in
      Result { () throws(SoftadastraError) in try Zlib.compress(buffer, level: level) }
    }.get()
    SnapshotBlock(
      offset: offset, storedSize: UInt32(stored.count), rawSize: UInt32(block.count), entryCount: blockCount,
      checksum: CRC32C.checksum(stored), firstKey: blockFirstKey, lastKey: lastKey!
    ).append(to: &index)
    try append(stored)
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
