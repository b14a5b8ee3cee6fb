@_spi(Storage) import SoftadastraWAL

/// Reads a snapshot: its header, footer and index (or page table) at open, then pages of the
/// index and single blocks on demand.
///
/// Opening checks the header, footer and index or page table (their CRCs and layout) but not the
/// blocks; each page is checked (CRC, layout, key order) when it is first read, each block (CRC,
/// size, entry layout, key order) when it is read, and `verify()` reads them all. Every problem
/// is a `corrupt` error naming the snapshot and the offset.
package final class SnapshotReader {
  package let path: String
  package let header: SnapshotHeader
  package let fileSize: UInt64
  let footer: SnapshotFooter
  /// The preset dictionary the blocks are compressed against (versions 7 and 8; else empty).
  package let dictionary: [UInt8]
  /// The block index, read in place: a lookup's binary search compares bytes where they are.
  let index: Index
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
    let dictionary =
      header.deflatedLayout
      ? try SnapshotDictionary.read(from: file, at: UInt64(header.size), headerChecksum: header.checksum, path: path)
      : []
    let blocksStart = UInt64(header.size + (header.deflatedLayout ? SnapshotDictionary.sectionSize(of: dictionary) : 0))
    let footerOffset = fileSize - UInt64(SnapshotFormat.footerSize)
    guard blocksStart <= footerOffset else {
      throw Self.damage(path, .at(fileSize, "the file ends before its footer (truncated)"))
    }
    let footerBytes = try file.read(count: SnapshotFormat.footerSize, at: footerOffset)
    guard let footer = footerBytes.withUnsafeBytes({ SnapshotFooter.decode($0, headerChecksum: header.checksum) })
    else {
      throw Self.damage(path, .at(footerOffset, "its footer is damaged or missing (truncated or overwritten)"))
    }
    guard footer.indexOffset >= blocksStart, footer.indexOffset <= footerOffset,
      UInt64(footer.indexSize) == footerOffset - footer.indexOffset
    else {
      throw Self.damage(path, .at(footerOffset, "its footer places the index outside the file"))
    }
    let indexBytes = try file.read(count: Int(footer.indexSize), at: footer.indexOffset)
    guard CRC32C.checksum(indexBytes) == footer.indexChecksum else {
      throw Self.damage(path, .at(footer.indexOffset, "its block index checksum does not match"))
    }
    guard let index = Index(indexBytes, header: header, footer: footer, blocksStart: blocksStart) else {
      throw Self.damage(path, .at(footer.indexOffset, "its block index does not describe the file"))
    }
    self.path = path
    self.header = header
    self.fileSize = fileSize
    self.footer = footer
    self.dictionary = dictionary
    self.index = index
    self.file = file
  }

  /// The number of entries (keys with a value, and tombstones).
  package var entryCount: UInt64 { footer.entryCount }
  /// The number of keys with a value.
  package var valueCount: UInt64 { footer.valueCount }
  /// The uncompressed size of the entries.
  package var rawBytes: UInt64 { footer.rawBytes }
  package var blockCount: Int { Int(footer.blockCount) }

  /// The entry for `key`, reading at most one block; nil when the snapshot has no value for it
  /// (or, with `includingTombstones`, neither a value nor a tombstone).
  package func lookup(_ key: [UInt8], includingTombstones: Bool = false) throws(SoftadastraError) -> LocalStore.Entry? {
    guard let block = try block(for: key), let entry = try find(key, in: block) else { return nil }
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
    var number = try firstBlock(notBefore: prefix)
    while number < blockCount {
      let block = try indexedBlock(number)
      number += 1
      if block.startsPast(prefix) { return }
      let checked = try checkedBlock(block)
      let stopped = checked.bytes.withUnsafeBytes { bytes in
        Result { () throws(SoftadastraError) -> Bool in
          for start in checked.starts {
            let stored = StoredEntry(block: bytes, start: Int(start), snapshot: self, number: block.number)
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
    /// The next block to read; nil before the first.
    private var block: Int?
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
        let number: Int
        if let block { number = block } else { number = try reader.firstBlock(notBefore: prefix) }
        guard number < reader.blockCount else { return nil }
        let indexed = try reader.indexedBlock(number)
        if indexed.startsPast(prefix) { return nil }
        entries = try reader.readBlock(indexed)
        position = 0
        block = number + 1
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
    /// The block's number in the snapshot.
    let number: Int

    /// Only `checkedBlock`'s entries: `key` and `value` trust the lengths it checked.
    fileprivate init(block: UnsafeRawBufferPointer, start: Int, snapshot: SnapshotReader, number: Int) {
      (self.block, self.start, self.snapshot, self.number) = (block, start, snapshot, number)
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
      guard let entry = SnapshotEntryCoding.read(&reader) else { throw snapshot.mismatch(number) }
      return entry
    }
  }

  /// Reads and checks every page and block.
  package func verify() throws(SoftadastraError) {
    // Each block is checked whole as it is read (`checkedBlock`) against its line (its entry
    // count, raw size and keys); its entries need no copy.
    var (values, entries, rawBytes): (UInt64, UInt64, UInt64) = (0, 0, 0)
    try forEachInPlace { stored in
      if !stored.isTombstone { values += 1 }
      entries += 1
      return true
    }
    for number in 0..<blockCount { rawBytes += UInt64(try indexedBlock(number).rawSize) }
    let footerOffset = fileSize - UInt64(SnapshotFormat.footerSize)
    guard entries == footer.entryCount, rawBytes == footer.rawBytes else {
      throw Self.damage(
        path,
        .at(
          footerOffset,
          "its footer counts \(footer.entryCount) entries of \(footer.rawBytes) bytes, its blocks hold \(entries) of \(rawBytes)"
        ))
    }
    guard values == footer.valueCount else {
      throw Self.damage(
        path, .at(footerOffset, "its footer counts \(footer.valueCount) values, its blocks hold \(values)"))
    }
  }

  /// Checks every block's CRC without decompressing: a cheap check before streaming them all.
  package func checkBlockChecksums() throws(SoftadastraError) {
    for number in 0..<blockCount { _ = try storedBlock(indexedBlock(number)) }
  }

  /// Which of `keys` (in increasing order) have a value, reading each block they fall in once and
  /// walking its entries alongside the keys where they lie (nothing is copied out).
  package func containsValues(_ keys: [[UInt8]]) throws(SoftadastraError) -> [Bool] {
    var result: [Bool] = []
    result.reserveCapacity(keys.count)
    var loaded: (number: Int, block: BlockCache.Block)?
    var next = 0
    for (index, key) in keys.enumerated() {
      guard let block = try block(for: key) else {
        result.append(false)
        continue
      }
      // Keys out of order start the walk again.
      if index > 0, !keyPrecedes(keys[index - 1], key) { next = 0 }
      if loaded?.number != block.number {
        loaded = (block.number, try checkedBlock(block))
        next = 0
      }
      let checked = loaded!.block
      let hasValue = checked.bytes.withUnsafeBytes { bytes in
        key.withUnsafeBytes { wanted -> Bool in
          // A checked entry in the fixed-width layout: kind, key length (UInt16), key.
          func order(_ index: Int) -> Int32 {
            let start = Int(checked.starts[index])
            let length = Int(bytes[start + 1]) | Int(bytes[start + 2]) << 8
            return SnapshotEntryCoding.compare(
              bytes, at: start + 3, length: length, with: wanted, at: 0, length: wanted.count)
          }
          while next < checked.starts.count, order(next) < 0 { next += 1 }
          return next < checked.starts.count && order(next) == 0
            && bytes[Int(checked.starts[next])] != SnapshotFormat.tombstoneEntry
        }
      }
      result.append(hasValue)
    }
    return result
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
      guard let block = try block(for: key) else {
        result.append(nil)
        continue
      }
      if block.number != loadedBlock {
        loaded = try readBlock(block)
        loadedBlock = block.number
        next = 0
      }
      while next < loaded.count, keyPrecedes(loaded[next].key, key) { next += 1 }
      result.append(next < loaded.count && loaded[next].key == key ? loaded[next].entry : nil)
    }
    return result
  }

  /// Reads `count` bytes at `offset` (fewer at the end of the file).
  func read(_ count: Int, at offset: UInt64) throws(SoftadastraError) -> [UInt8] {
    do throws(SoftadastraError) { return try file.read(count: count, at: offset) } catch {
      throw error.asFailure(ofSnapshot: path)
    }
  }

  /// Reads `block` as stored (compressed) and checks its CRC.
  func storedBlock(_ block: IndexedBlock) throws(SoftadastraError) -> [UInt8] {
    let (offset, size) = (block.offset, Int(block.storedSize))
    let stored = try read(size, at: offset)
    guard stored.count == size, CRC32C.checksum(stored) == block.checksum else {
      throw Self.damage(path, .at(offset, "block \(block.number) fails its checksum"))
    }
    return stored
  }

  /// Reads `block`, checks its CRC, and decompresses it, in the fixed-width layout of versions
  /// 1 and 2.
  private func rawBlock(_ block: IndexedBlock) throws(SoftadastraError) -> [UInt8] { try decodedBlock(block).bytes }

  /// Reads `block`, checks its CRC, and decompresses it; compact entries (versions 3 to 8) are
  /// expanded to the fixed-width layout, which gives where each entry starts.
  private func decodedBlock(_ block: IndexedBlock) throws(SoftadastraError) -> (bytes: [UInt8], starts: [UInt32]?) {
    let stored = try storedBlock(block)
    let size = Int(block.rawSize)
    let raw = try stored.withUnsafeBytes { buffer in
      Result { () throws(SoftadastraError) in
        header.deflatedLayout
          ? try Zlib.decompressRaw(buffer, size: size, dictionary: dictionary)
          : try Zlib.decompress(buffer, size: size, checksummed: true)
      }
    }.get()
    guard let raw else {
      throw Self.damage(path, .at(block.offset, "block \(block.number) does not decompress to its recorded size"))
    }
    guard header.compactEntries else { return (raw, nil) }
    guard let expanded = raw.withUnsafeBytes({ CompactEntryCoding.expand($0, limit: SnapshotFormat.maxBlockRawBytes) })
    else { throw mismatch(block.number) }
    return expanded
  }

  /// `key`'s entry in `block`, decoding only that entry: by binary search in a kept block
  /// (reading and keeping it first when the cache has room for blocks), else stepping over the
  /// others.
  private func find(_ key: [UInt8], in block: IndexedBlock) throws(SoftadastraError) -> LocalStore.Entry? {
    let found: LocalStore.Entry??
    if cache.capacity > 0 {
      let kept = try keptBlock(block)
      found = kept.bytes.withUnsafeBytes { SnapshotEntryCoding.find(key, in: $0, starts: kept.starts) }
    } else {
      found = try rawBlock(block).withUnsafeBytes { SnapshotEntryCoding.find(key, in: $0) }
    }
    guard let found else { throw mismatch(block.number) }
    return found
  }

  /// `block` from the cache, or read, checked and kept there.
  private func keptBlock(_ block: IndexedBlock) throws(SoftadastraError) -> BlockCache.Block {
    if let kept = cache.block(cacheKeys + block.number) { return kept }
    let checked = try checkedBlock(block)
    cache.keep(checked, as: cacheKeys + block.number)
    return checked
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

  /// `block` read, checked (its CRC, then every entry as `read` would) and decompressed, with
  /// where each entry starts; its entries as the index describes them: their count, its first
  /// key, and its last (or one before the next block's first).
  private func checkedBlock(_ block: IndexedBlock) throws(SoftadastraError) -> BlockCache.Block {
    let (raw, knownStarts) = try decodedBlock(block)
    func key(at start: UInt32) -> ArraySlice<UInt8> {
      let length = Int(raw[Int(start) + 1]) | Int(raw[Int(start) + 2]) << 8
      return raw[Int(start) + 3..<Int(start) + 3 + length]
    }
    guard let starts = knownStarts ?? raw.withUnsafeBytes({ SnapshotEntryCoding.entryStarts(in: $0) }),
      starts.count == Int(block.entryCount), let first = starts.first, let last = starts.last,
      block.holds(first: key(at: first), last: key(at: last))
    else { throw mismatch(block.number) }
    return BlockCache.Block(bytes: raw, starts: starts)
  }

  fileprivate func mismatch(_ number: Int) -> SoftadastraError {
    // The block was read: its line is at hand.
    let offset = (try? indexedBlock(number))?.offset ?? 0
    return Self.damage(path, .at(offset, "block \(number) holds entries that do not match the index"))
  }

  /// Reads, checks and decodes `block`.
  func readBlock(_ block: IndexedBlock) throws(SoftadastraError) -> [(key: [UInt8], entry: LocalStore.Entry)] {
    let checked = try checkedBlock(block)
    return try checked.bytes.withUnsafeBytes { bytes in
      Result { () throws(SoftadastraError) in
        try checked.starts.map { (start) throws(SoftadastraError) in
          try StoredEntry(block: bytes, start: Int(start), snapshot: self, number: block.number).owned()
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
