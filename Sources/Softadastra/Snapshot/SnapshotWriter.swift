@_spi(Storage) import SoftadastraWAL

#if canImport(Glibc)
  import Glibc
#endif

/// Writes a snapshot from entries given in strictly increasing key order: as a file of its own,
/// or as a part of another file (a backup archive).
///
/// A file of its own is written as `path` + ".tmp", synced, and renamed into place by `finish()`
/// (which also syncs the directory): a crash leaves no file at `path` or the complete one.
package final class SnapshotWriter {
  /// Where the snapshot's bytes go.
  private enum Destination {
    /// A new file, renamed from `temporaryPath` to `path` when finished.
    case ownFile(temporaryPath: String)
    /// A new file left at `temporaryPath` when finished (synced), for the caller to rename.
    case staged(temporaryPath: String)
    /// Bytes of a file the caller owns, from an offset on; the caller syncs it.
    case part(base: UInt64)
  }

  package let path: String
  package private(set) var header: SnapshotHeader
  private let level: Int
  /// The preset dictionary every block is compressed against (versions 7 and 8; empty for none).
  package let dictionary: [UInt8]
  /// Compresses blocks into raw deflate against `dictionary` (versions 7 and 8).
  private let blockDeflater: Zlib.RawDeflater?
  private let file: SystemFile
  private let destination: Destination
  /// Bytes written so far, from the snapshot's first byte.
  private var offset: UInt64 = 0
  /// The CRC-32C of the bytes written so far.
  package private(set) var checksum: UInt32 = 0
  /// Whether `entriesChecksum` is kept: only a writer whose header `finish(completing:)`
  /// completes needs it.
  package let checksumsEntries: Bool
  /// The CRC-32C of the blocks' entries, decompressed, in order, when `checksumsEntries`: what a
  /// node seeded from a full state names its history by (`FullStateSeed`).
  package private(set) var entriesChecksum: UInt32 = 0
  private var block: [UInt8] = []
  /// The size of the block's entries in the fixed-width layout a reader expands compact ones to.
  private var blockExpandedBytes = 0
  /// The entry before the next one in the block, which a compact entry is coded against.
  private var previous = CompactEntryCoding.Previous()
  private var blockCount: UInt32 = 0
  private var blockFirstKey: [UInt8] = []
  private var lastKey: [UInt8]?
  private var index: SnapshotIndexBuilder
  private var blocks: UInt32 = 0
  private var entries: UInt64 = 0
  private var values: UInt64 = 0
  private var rawBytes: UInt64 = 0
  private var finished = false

  /// Starts a snapshot at `path`, which must not exist. With `staging`, `finish()` leaves it
  /// synced at `temporaryPath(for: path)`, for the caller to rename into place when it may.
  /// `dictionary` (versions 7 and 8 only) is what its blocks are compressed against: bytes like
  /// its entries (`SnapshotDictionary.sample`), or none. With `checksumsEntries`, it keeps
  /// `entriesChecksum`, which `finish(completing:)` needs.
  package convenience init(
    path: String, header: SnapshotHeader, level: Int = Zlib.defaultLevel, staging: Bool = false,
    dictionary: [UInt8] = [], checksumsEntries: Bool = false
  ) throws(SoftadastraError) {
    guard !FileSystem.exists(path) else {
      throw SoftadastraError(.cannotCreate, "snapshot \(path) already exists", path: path)
    }
    try Zlib.checkLevel(level)
    let temporaryPath = Self.temporaryPath(for: path)
    FileSystem.removeFile(temporaryPath)
    try self.init(
      file: try SystemFile.createExclusive(temporaryPath),
      destination: staging ? .staged(temporaryPath: temporaryPath) : .ownFile(temporaryPath: temporaryPath),
      path: path, header: header, level: level, dictionary: dictionary, checksumsEntries: checksumsEntries)
  }

  /// Where a snapshot for `path` is written before it is renamed into place.
  package static func temporaryPath(for path: String) -> String { path + ".tmp" }

  /// Starts a snapshot written into `file` from byte `base` on (as a part of an archive). The
  /// caller syncs `file`; `finish()` returns the snapshot's size and `checksum` covers its bytes.
  package convenience init(
    partOf file: SystemFile, at base: UInt64, header: SnapshotHeader, level: Int, dictionary: [UInt8] = []
  ) throws(SoftadastraError) {
    try Zlib.checkLevel(level)
    try self.init(
      file: file, destination: .part(base: base), path: file.path, header: header, level: level,
      dictionary: dictionary, checksumsEntries: false)
  }

  private init(
    file: SystemFile, destination: Destination, path: String, header: SnapshotHeader, level: Int,
    dictionary: [UInt8], checksumsEntries: Bool
  ) throws(SoftadastraError) {
    guard dictionary.count <= SnapshotFormat.maxDictionaryBytes, dictionary.isEmpty || header.deflatedLayout else {
      throw SoftadastraError(
        .invalidArgument,
        "a snapshot dictionary needs format version 7 or 8 and at most \(SnapshotFormat.maxDictionaryBytes) bytes")
    }
    self.file = file
    self.destination = destination
    self.path = path
    self.header = header
    self.level = level
    self.dictionary = dictionary
    self.checksumsEntries = checksumsEntries
    if header.deflatedLayout {
      blockDeflater = try Zlib.RawDeflater(level: level, dictionary: dictionary)
      index = SnapshotIndexBuilder(paged: true, pageDeflater: try Zlib.RawDeflater(level: level, dictionary: []))
    } else {
      blockDeflater = nil
      index = SnapshotIndexBuilder(paged: header.pagedIndex)
    }
    block.reserveCapacity(SnapshotFormat.blockTargetBytes + 4096)
    try append(header.encoded())
    if header.deflatedLayout {
      try append(SnapshotDictionary.encoded(dictionary, headerChecksum: header.checksum))
    }
  }

  deinit {
    guard !finished else { return }
    switch destination {
    case .ownFile(let temporaryPath), .staged(let temporaryPath):
      file.close()
      FileSystem.removeFile(temporaryPath)
    case .part: break
    }
  }

  /// Writes `bytes` after those written so far.
  private func append(_ bytes: [UInt8]) throws(SoftadastraError) {
    switch destination {
    case .ownFile, .staged: try file.write(bytes, at: offset)
    case .part(let base): try file.write(bytes, at: base + offset)
    }
    offset += UInt64(bytes.count)
    checksum = CRC32C.extend(checksum, bytes)
  }

  /// The number of entries added so far.
  package var entryCount: UInt64 { entries }

  /// Adds `key` with its entry; keys must come in strictly increasing byte order.
  package func add(key: [UInt8], entry: LocalStore.Entry) throws(SoftadastraError) {
    if let lastKey, !keyPrecedes(lastKey, key) {
      throw SoftadastraError(.invalidArgument, "snapshot keys must be added in increasing order")
    }
    if blockCount == 0 { blockFirstKey = key }
    if header.compactEntries {
      CompactEntryCoding.append(key: key, entry: entry, after: &previous, to: &block)
      blockExpandedBytes += CompactEntryCoding.expandedSize(key: key, entry: entry)
    } else {
      SnapshotEntryCoding.append(key: key, entry: entry, to: &block)
      blockExpandedBytes = block.count
    }
    blockCount += 1
    entries += 1
    if !entry.isTombstone { values += 1 }
    lastKey = key
    // A reader expands a block to at most the largest target plus one entry.
    if block.count >= SnapshotFormat.blockTargetBytes || blockExpandedBytes >= SnapshotFormat.largestBlockTargetBytes {
      try closeBlock()
    }
  }

  /// Writes the index and footer; a file of its own is then synced and renamed into place.
  ///
  /// - Parameter complete: for a file of its own, makes the header to write in place of the one
  ///   it was started with, when fields of that one were not known until every entry was in
  ///   (the time and checksum of its last record), from `entriesChecksum` over all of them: the
  ///   same size, layout and base.
  /// - Returns: the size of the finished snapshot.
  @discardableResult
  package func finish(completing complete: ((_ entriesChecksum: UInt32) -> SnapshotHeader)? = nil)
    throws(SoftadastraError) -> UInt64
  {
    try closeBlock()
    if let complete {
      guard checksumsEntries else {
        throw SoftadastraError(.invalidArgument, "a snapshot's header is completed from its entries' checksum: keep it")
      }
      let completed = complete(entriesChecksum)
      guard completed.size == header.size, completed.layout == header.layout, completed.base == header.base else {
        throw SoftadastraError(.invalidArgument, "a snapshot's header can only be completed with one of the same shape")
      }
      switch destination {
      case .ownFile, .staged:
        try file.write(completed.encoded(), at: 0)
        // The dictionary's CRC is seeded with the header's.
        if completed.deflatedLayout {
          try file.write(
            SnapshotDictionary.encoded(dictionary, headerChecksum: completed.checksum), at: UInt64(completed.size))
        }
      case .part: throw SoftadastraError(.invalidArgument, "a snapshot in an archive cannot have its header completed")
      }
      header = completed
    }
    let linesOffset = offset
    let (lines, table) = try index.finish(at: linesOffset)
    try append(lines)
    let tableOffset = offset
    if let table { try append(table) }
    // The footer describes the page table of a paged index, else the one index.
    let (describedOffset, described) = table.map { (tableOffset, $0) } ?? (linesOffset, lines)
    let footer = SnapshotFooter(
      indexOffset: describedOffset, indexSize: UInt32(described.count), blockCount: blocks, entryCount: entries,
      valueCount: values, rawBytes: rawBytes, indexChecksum: CRC32C.checksum(described))
    try append(footer.encoded(headerChecksum: header.checksum))
    switch destination {
    case .ownFile(let temporaryPath):
      try file.sync()
      file.close()
      try FileSystem.renameDurably(temporaryPath, to: path)
    case .staged:
      try file.sync()
      file.close()
    case .part: break
    }
    finished = true
    return offset
  }

  /// Adds every entry of `source` without decompressing them: each block's stored bytes are
  /// copied (after checking their CRC) and indexed anew. Only into a writer with no entries yet
  /// whose header says the same entry layout (`compactEntries`) and block compression (raw
  /// deflate against the same dictionary, or zlib), and a paged index when the source has one
  /// (its lines have no last key); `finish()` then completes the snapshot under this writer's
  /// header.
  package func addBlocks(of source: SnapshotReader, progress: ((UInt64) -> Void)? = nil) throws(SoftadastraError) {
    guard entries == 0, source.header.compactEntries == header.compactEntries,
      header.pagedIndex || !source.header.pagedIndex, source.header.deflatedLayout == header.deflatedLayout,
      source.dictionary == dictionary
    else {
      throw SoftadastraError(
        .invalidArgument, "a snapshot's blocks can only be copied into an empty snapshot of the same layout")
    }
    for number in 0..<source.blockCount {
      let indexed = try source.indexedBlock(number)
      let stored = try source.storedBlock(indexed)
      var block = indexed.snapshotBlock
      block.offset = offset
      try index.add(block)
      try append(stored)
      rawBytes += UInt64(block.rawSize)
      entries += UInt64(block.entryCount)
      blocks += 1
      progress?(UInt64(block.rawSize))
    }
    values += source.valueCount
    // Entries added after these must come after the last block's last key.
    if source.blockCount > 0 { lastKey = try source.readBlock(source.indexedBlock(source.blockCount - 1)).last?.key }
  }

  private func closeBlock() throws(SoftadastraError) {
    guard blockCount > 0 else { return }
    let stored: [UInt8]
    if let blockDeflater {
      stored = try blockDeflater.compress(block)
    } else {
      stored = try block.withUnsafeBytes { buffer in
        Result { () throws(SoftadastraError) in try Zlib.compress(buffer, level: level) }
      }.get()
    }
    try index.add(
      SnapshotBlock(
        offset: offset, storedSize: UInt32(stored.count), rawSize: UInt32(block.count), entryCount: blockCount,
        checksum: CRC32C.checksum(stored), firstKey: blockFirstKey, lastKey: lastKey!))
    try append(stored)
    rawBytes += UInt64(block.count)
    if checksumsEntries { entriesChecksum = block.withUnsafeBytes { CRC32C.extend(entriesChecksum, $0) } }
    blocks += 1
    blockCount = 0
    blockExpandedBytes = 0
    previous = CompactEntryCoding.Previous()
    block.removeAll(keepingCapacity: true)
  }
}
