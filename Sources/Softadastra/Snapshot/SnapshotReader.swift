@_spi(Storage) import SoftadastraWAL

/// Reads a snapshot: its header, footer and index at open, then single blocks on demand.
///
/// Opening checks the header, footer and index (their CRCs and layout) but not the blocks; each
/// block is checked (CRC, size, entry layout, key order) when it is read, and `verify()` reads
/// them all. Every problem is a `corrupt` error naming the snapshot and the offset.
package final class SnapshotReader {
  package let path: String
  package let header: SnapshotHeader
  package let fileSize: UInt64
  let footer: SnapshotFooter
  /// The block index, read in place: a lookup's binary search compares bytes where they are.
  let index: SnapshotIndex
  private let file: SystemFile
  /// Blocks kept for point reads (none until a client gives it a capacity), its own or shared
  /// with other files (`share(_:)`), under the keys from `cacheKeys` on.
  package private(set) var cache = BlockCache(capacity: 0)
  private var cacheKeys = 0
  /// The next range of cache keys a file sharing a cache takes: block numbers are below 2^32.
  private static let nextCacheKeys = Locked(1 << 32)

  /// Opens the snapshot at `path`; whatever fails carries a `SnapshotFailure`.
  package convenience init(path: String) throws(SoftadastraError) {
    do throws(SoftadastraError) { try self.init(opening: path) } catch { throw error.asFailure(ofSnapshot: path) }
  }

  private init(opening path: String) throws(SoftadastraError) {
    let file = try SystemFile.openForReading(path)
    let fileSize = try file.size()
    let header = try SnapshotHeader.read(from: file, path: path)
    guard fileSize >= UInt64(header.size + SnapshotFormat.footerSize) else {
      throw Self.damage(path, .at(fileSize, "the file ends before its footer (truncated)"))
    }
    let footerOffset = fileSize - UInt64(SnapshotFormat.footerSize)
    let footerBytes = try file.read(count: SnapshotFormat.footerSize, at: footerOffset)
    guard let footer = footerBytes.withUnsafeBytes({ SnapshotFooter.decode($0, headerChecksum: header.checksum) })
    else {
      throw Self.damage(path, .at(footerOffset, "its footer is damaged or missing (truncated or overwritten)"))
    }
    guard footer.indexOffset >= UInt64(header.size), footer.indexOffset + UInt64(footer.indexSize) == footerOffset
    else {
      throw Self.damage(path, .at(footerOffset, "its footer places the index outside the file"))
    }
    let indexBytes = try file.read(count: Int(footer.indexSize), at: footer.indexOffset)
    guard CRC32C.checksum(indexBytes) == footer.indexChecksum else {
      throw Self.damage(path, .at(footer.indexOffset, "its block index checksum does not match"))
    }
    guard let index = SnapshotIndex(indexBytes), index.count == Int(footer.blockCount),
      index.isLaidOut(from: UInt64(header.size), to: footer)
    else {
      throw Self.damage(path, .at(footer.indexOffset, "its block index does not describe the file"))
    }
    self.path = path
    self.header = header
    self.fileSize = fileSize
    self.footer = footer
    self.index = index
    self.file = file
  }

  /// The number of entries (keys with a value, and tombstones).
  package var entryCount: UInt64 { footer.entryCount }
  /// The number of keys with a value.
  package var valueCount: UInt64 { footer.valueCount }
  /// The uncompressed size of the entries.
  package var rawBytes: UInt64 { footer.rawBytes }
  package var blockCount: Int { index.count }

  /// The entry for `key`, reading at most one block; nil when the snapshot has no value for it
  /// (or, with `includingTombstones`, neither a value nor a tombstone).
  package func lookup(_ key: [UInt8], includingTombstones: Bool = false) throws(SoftadastraError) -> LocalStore.Entry? {
    guard let block = index.block(for: key), let entry = try find(key, inBlock: block) else { return nil }
    return entry.isTombstone && !includingTombstones ? nil : entry
  }

  /// Calls `body` with every key starting with `prefix` that has a value (and each tombstone,
  /// when `includingTombstones`), in key order, reading one block at a time; stops early when
  /// `body` returns false.
  package func forEach(
    prefix: [UInt8] = [], includingTombstones: Bool = false,
    _ body: ([UInt8], LocalStore.Entry) throws(SoftadastraError) -> Bool
  ) throws(SoftadastraError) {
    try forEachInPlace(prefix: prefix) { (stored) throws(SoftadastraError) -> Bool in
      if stored.isTombstone && !includingTombstones { return true }
      let (key, entry) = try stored.owned()
      return try body(key, entry)
    }
  }

  /// Calls `body` with every entry (values and tombstones) whose key starts with `prefix`, in key
  /// order, where it lies in its block: nothing is copied out unless `body` copies it. Stops
  /// early when `body` returns false.
  package func forEachInPlace(
    prefix: [UInt8] = [], _ body: (StoredEntry) throws(SoftadastraError) -> Bool
  ) throws(SoftadastraError) {
    for block in index.indices {
      if !prefix.isEmpty {
        if index.block(block, endsBefore: prefix) { continue }
        let first = index.firstKey(block)
        if !first.starts(with: prefix) && prefix.lexicographicallyPrecedes(first) { return }
      }
      let checked = try checkedBlock(block)
      let stopped = checked.bytes.withUnsafeBytes { bytes in
        Result { () throws(SoftadastraError) -> Bool in
          for start in checked.starts {
            let stored = StoredEntry(block: bytes, start: Int(start), snapshot: self, index: block)
            guard prefix.isEmpty || stored.key.starts(with: prefix) else { continue }
            guard try body(stored) else { return true }
          }
          return false
        }
      }
      if try stopped.get() { return }
    }
  }

  /// Entries (values and tombstones) whose key starts with `prefix`, in key order, copied out a
  /// block at a time: a source to merge with others.
  package struct Cursor {
    private let reader: SnapshotReader
    private let prefix: [UInt8]
    private var block = 0
    private var entries: [(key: [UInt8], entry: LocalStore.Entry)] = []
    private var position = 0

    fileprivate init(_ reader: SnapshotReader, prefix: [UInt8]) {
      self.reader = reader
      self.prefix = prefix
    }

    /// The next entry; nil after the last.
    package mutating func next() throws(SoftadastraError) -> (key: [UInt8], entry: LocalStore.Entry)? {
      while true {
        while position < entries.count {
          defer { position += 1 }
          if prefix.isEmpty || entries[position].key.starts(with: prefix) { return entries[position] }
        }
        let index = reader.index
        while block < index.count, !prefix.isEmpty, index.block(block, endsBefore: prefix) { block += 1 }
        guard block < index.count else { return nil }
        let first = index.firstKey(block)
        if !prefix.isEmpty, !first.starts(with: prefix), prefix.lexicographicallyPrecedes(first) { return nil }
        entries = try reader.readBlock(block)
        position = 0
        block += 1
      }
    }
  }

  /// A cursor over the entries whose key starts with `prefix`.
  package func cursor(prefix: [UInt8] = []) -> Cursor { Cursor(self, prefix: prefix) }

  /// An entry where it lies in a checked block (in the fixed-width layout). It points into the
  /// block: it, its key and its value must not escape the call they are passed to (copy what
  /// is kept, as `owned()` does).
  package struct StoredEntry {
    let block: UnsafeRawBufferPointer
    let start: Int
    let snapshot: SnapshotReader
    let index: Int

    /// Only `checkedBlock`'s entries: `key` and `value` trust the lengths it checked.
    fileprivate init(block: UnsafeRawBufferPointer, start: Int, snapshot: SnapshotReader, index: Int) {
      (self.block, self.start, self.snapshot, self.index) = (block, start, snapshot, index)
    }

    package var isTombstone: Bool { block[start] == SnapshotFormat.tombstoneEntry }
    private var keyLength: Int { Int(block.loadUnaligned(fromByteOffset: start + 1, as: UInt16.self).littleEndian) }
    package var key: UnsafeRawBufferPointer {
      UnsafeRawBufferPointer(rebasing: block[start + 3..<start + 3 + keyLength])
    }
    /// The value's bytes (none for a tombstone).
    package var value: UnsafeRawBufferPointer {
      guard !isTombstone else { return UnsafeRawBufferPointer(rebasing: block[start..<start]) }
      let at = start + 3 + keyLength
      let length = Int(block.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian)
      return UnsafeRawBufferPointer(rebasing: block[at + 4..<at + 4 + length])
    }

    /// The key and the whole entry, copied out.
    package func owned() throws(SoftadastraError) -> (key: [UInt8], entry: LocalStore.Entry) {
      var reader = FieldReader(block, from: start, to: block.count)
      guard let entry = SnapshotEntryCoding.read(&reader) else { throw snapshot.mismatch(index) }
      return entry
    }
  }

  /// Reads and checks every block.
  package func verify() throws(SoftadastraError) {
    // Each block is checked whole as it is read (`checkedBlock`); its entries need no copy.
    var values: UInt64 = 0
    try forEachInPlace { stored in
      if !stored.isTombstone { values += 1 }
      return true
    }
    guard values == footer.valueCount else {
      throw Self.damage(
        path,
        .at(
          fileSize - UInt64(SnapshotFormat.footerSize),
          "its footer counts \(footer.valueCount) values, its blocks hold \(values)"))
    }
  }

  /// Checks every block's CRC without decompressing: a cheap check before streaming them all.
  package func checkBlockChecksums() throws(SoftadastraError) {
    for block in index.indices { _ = try storedBlock(block) }
  }

  /// Which of `keys` (in increasing order) have a value, reading each block they fall in once.
  package func containsValues(_ keys: [[UInt8]]) throws(SoftadastraError) -> [Bool] {
    try entries(for: keys).map { $0.map { !$0.isTombstone } ?? false }
  }

  /// The entry or tombstone of each of `keys` (in increasing order), nil where there is none,
  /// reading each block they fall in once and walking it alongside the keys.
  package func entries(for keys: [[UInt8]]) throws(SoftadastraError) -> [LocalStore.Entry?] {
    var result: [LocalStore.Entry?] = []
    result.reserveCapacity(keys.count)
    var loadedBlock = -1
    var loaded: [(key: [UInt8], entry: LocalStore.Entry)] = []
    var next = 0
    for key in keys {
      guard let block = index.block(for: key) else {
        result.append(nil)
        continue
      }
      if block != loadedBlock {
        loaded = try readBlock(block)
        loadedBlock = block
        next = 0
      }
      while next < loaded.count, keyPrecedes(loaded[next].key, key) { next += 1 }
      result.append(next < loaded.count && loaded[next].key == key ? loaded[next].entry : nil)
    }
    return result
  }

  /// Reads block `index` as stored (compressed) and checks its CRC.
  func storedBlock(_ block: Int) throws(SoftadastraError) -> [UInt8] {
    let (offset, size) = (index.offset(block), Int(index.storedSize(block)))
    let stored: [UInt8]
    do throws(SoftadastraError) { stored = try file.read(count: size, at: offset) } catch {
      throw error.asFailure(ofSnapshot: path)
    }
    guard stored.count == size, CRC32C.checksum(stored) == index.checksum(block) else {
      throw Self.damage(path, .at(offset, "block \(block) fails its checksum"))
    }
    return stored
  }

  /// Reads block `index`, checks its CRC, and decompresses it, in the fixed-width layout of
  /// versions 1 and 2.
  private func rawBlock(_ block: Int) throws(SoftadastraError) -> [UInt8] { try decodedBlock(block).bytes }

  /// Reads block `index`, checks its CRC, and decompresses it; compact entries (version 3) are
  /// expanded to the fixed-width layout, which gives where each entry starts.
  private func decodedBlock(_ block: Int) throws(SoftadastraError) -> (bytes: [UInt8], starts: [UInt32]?) {
    let stored = try storedBlock(block)
    let size = Int(index.rawSize(block))
    let raw = try stored.withUnsafeBytes { buffer in
      Result { () throws(SoftadastraError) in try Zlib.decompress(buffer, size: size, checksummed: true) }
    }.get()
    guard let raw else {
      throw Self.damage(path, .at(index.offset(block), "block \(block) does not decompress to its recorded size"))
    }
    guard header.compactEntries else { return (raw, nil) }
    guard let expanded = raw.withUnsafeBytes({ CompactEntryCoding.expand($0, limit: SnapshotFormat.maxBlockRawBytes) })
    else { throw mismatch(block) }
    return expanded
  }

  /// `key`'s entry in block `index`, decoding only that entry: by binary search in a kept block
  /// (reading and keeping it first when the cache has room for blocks), else stepping over the
  /// others.
  private func find(_ key: [UInt8], inBlock index: Int) throws(SoftadastraError) -> LocalStore.Entry? {
    let found: LocalStore.Entry??
    if cache.capacity > 0 {
      let block = try keptBlock(index)
      found = block.bytes.withUnsafeBytes { SnapshotEntryCoding.find(key, in: $0, starts: block.starts) }
    } else {
      found = try rawBlock(index).withUnsafeBytes { SnapshotEntryCoding.find(key, in: $0) }
    }
    guard let found else { throw mismatch(index) }
    return found
  }

  /// Block `index` from the cache, or read, checked and kept there.
  private func keptBlock(_ index: Int) throws(SoftadastraError) -> BlockCache.Block {
    if let block = cache.block(cacheKeys + index) { return block }
    let block = try checkedBlock(index)
    cache.keep(block, as: cacheKeys + index)
    return block
  }

  /// Keeps this file's blocks in `cache` from now on, beside another file's, under keys no other
  /// file of this process uses (blocks a file kept there before stay another file's). Before the
  /// first read.
  package func share(_ cache: BlockCache) {
    self.cache = cache
    cacheKeys = Self.nextCacheKeys.withLock { next in
      defer { next += 1 << 32 }
      return next
    }
  }

  /// Block `index` read, checked (its CRC, then every entry as `read` would) and decompressed,
  /// with where each entry starts; its entries as the index describes them: their count, its
  /// first key and its last.
  private func checkedBlock(_ index: Int) throws(SoftadastraError) -> BlockCache.Block {
    let (raw, knownStarts) = try decodedBlock(index)
    // Its entries as the index describes them: their count, its first key and its last.
    func key(at start: UInt32) -> ArraySlice<UInt8> {
      let length = Int(raw[Int(start) + 1]) | Int(raw[Int(start) + 2]) << 8
      return raw[Int(start) + 3..<Int(start) + 3 + length]
    }
    guard let starts = knownStarts ?? raw.withUnsafeBytes({ SnapshotEntryCoding.entryStarts(in: $0) }),
      starts.count == Int(self.index.entryCount(index)), let first = starts.first, let last = starts.last,
      key(at: first).elementsEqual(self.index.firstKey(index)), key(at: last).elementsEqual(self.index.lastKey(index))
    else { throw mismatch(index) }
    return BlockCache.Block(bytes: raw, starts: starts)
  }

  fileprivate func mismatch(_ index: Int) -> SoftadastraError {
    Self.damage(path, .at(self.index.offset(index), "block \(index) holds entries that do not match the index"))
  }

  /// Reads, checks and decodes block `index`.
  func readBlock(_ block: Int) throws(SoftadastraError) -> [(key: [UInt8], entry: LocalStore.Entry)] {
    let checked = try checkedBlock(block)
    return try checked.bytes.withUnsafeBytes { bytes in
      Result { () throws(SoftadastraError) in
        try checked.starts.map { (start) throws(SoftadastraError) in
          try StoredEntry(block: bytes, start: Int(start), snapshot: self, index: block).owned()
        }
      }
    }.get()
  }

  static func damage(_ path: String, _ problem: SnapshotProblem) -> SoftadastraError {
    SoftadastraError(
      .corrupt, "snapshot \(path) is damaged \(problem)", path: path, offset: problem.offset,
      detail: SnapshotFailure(path: path, offset: problem.offset))
  }
}
