// libFuzzer target for the snapshot, backup, archive and sync decoders: snapshot header, footer, index
// lines (of one index and of a page), the page table (with and without its pages' inflated sizes), whole snapshot files, block entries (decoded whole, searched in place and through their starts), compact block entries
// (expanded, and coded again), zlib and raw deflate (with a dictionary) decompression to an exact
// size, the backup manifest, whole backup archives and archive segments read from a file, segment
// manifests, the archiving state, archive names, sync bundles and the sync table. Built by scripts/fuzz.sh into one module with Sources/Softadastra
// and Sources/SoftadastraWAL, so internal entry points are reachable. A crash, a hang or a
// sanitizer report is a bug; a decoder saying "invalid" is not.

#if canImport(Glibc)
  import Glibc
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStoreDecoders(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = UnsafeRawBufferPointer(start: data, count: size)
  if case .success(let header) = SnapshotHeader.decode(bytes) {
    precondition(header.size <= size, "snapshot header larger than its input")
  }
  if size >= SnapshotFormat.footerSize {
    _ = SnapshotFooter.decode(UnsafeRawBufferPointer(rebasing: bytes[0..<SnapshotFormat.footerSize]), headerChecksum: 0)
  }
  // The input as a block index, whole or a page: every line's fields and keys read in place, its
  // layout checked, and searched.
  let keysToFind: [[UInt8]] = [[0x00], [0x61], [0xFF, 0xFF]]
  for index in [SnapshotIndex(Array(bytes)), SnapshotIndex(page: Array(bytes), firstOffset: 63)].compactMap({ $0 }) {
    for block in index.indices {
      _ = (index.offset(block), index.storedSize(block), index.rawSize(block), index.entryCount(block))
      _ = (index.checksum(block), index.firstKey(block), index.lastKey(block))
    }
    _ = index.layout(from: 63)
    for key in keysToFind {
      if let found = index.block(for: key) { precondition(index.indices.contains(found), "a block past the index") }
      if let found = index.lastBlock(startingAtOrBefore: key) {
        precondition(index.indices.contains(found), "a block past the index")
      }
    }
  }
  // The input as a page table: its lines read, its layout checked, block numbers mapped to the
  // page holding them, and keys to the page that may.
  for table in [false, true].compactMap({ SnapshotPageTable(Array(bytes), deflatedPages: $0) }) {
    // A footer with the table's own sums, so that the layout's other checks are reached.
    var (entries, raw): (UInt64, UInt64) = (0, 0)
    for page in 0..<table.count { (entries, raw) = (entries &+ table.entryCount(page), raw &+ table.rawBytes(page)) }
    let footer = SnapshotFooter(
      indexOffset: UInt64(size) + 63, indexSize: UInt32(size), blockCount: UInt32(truncatingIfNeeded: table.blockCount),
      entryCount: entries, valueCount: 0, rawBytes: raw, indexChecksum: 0)
    _ = table.isLaidOut(blocksStart: 63, tableOffset: UInt64(size) + 63, footer: footer)
    for page in 0..<table.count {
      _ = (
        table.offset(page), table.size(page), table.checksum(page), table.firstBlockOffset(page), table.firstKey(page),
        table.entryCount(page), table.rawBytes(page), table.linesSize(page)
      )
    }
    for block in stride(from: 0, to: table.blockCount, by: max(1, table.blockCount / 16)) {
      let page = table.page(holdingBlock: block)
      precondition(
        page < table.count && table.firstBlock(page) <= block
          && block < table.firstBlock(page) + table.blockCount(page),
        "a block mapped to a page that does not hold it")
    }
    for key in keysToFind {
      if let page = table.lastPage(startingAtOrBefore: key) {
        precondition(page < table.count, "a page past the table")
      }
    }
  }
  // The input as block entries: decoded in order, and searched in place.
  var entries = FieldReader(bytes, from: 0, to: size)
  var keys: [[UInt8]] = []
  while entries.remaining > 0, let entry = SnapshotEntryCoding.read(&entries) {
    precondition(!entry.key.isEmpty && entry.key.count <= WALFormat.maxKeyBytes, "key out of bounds")
    keys.append(entry.key)
  }
  for key in keys.prefix(4) + [[0x00], [0xFF, 0xFF]] { _ = SnapshotEntryCoding.find(key, in: bytes) }
  // The same search through the entries' starts, as a block kept in the cache is searched: it
  // finds what the linear search finds.
  if let starts = SnapshotEntryCoding.entryStarts(in: bytes) {
    precondition(starts.allSatisfy { Int($0) < size }, "an entry starts past the block")
    for key in keys.prefix(4) + [[0x00], [0xFF, 0xFF]] {
      let linear = SnapshotEntryCoding.find(key, in: bytes)
      let binary = SnapshotEntryCoding.find(key, in: bytes, starts: starts)
      precondition((linear ?? nil)?.value == (binary ?? nil)?.value, "binary and linear searches disagree")
    }
  }
  // The input as compact entries (snapshot version 3), expanded to the fixed-width layout: within
  // the limit, with the starts a fixed-width block would give, and coded again to the same bytes.
  if let (expanded, starts) = CompactEntryCoding.expand(bytes, limit: 1 << 20) {
    precondition(expanded.count <= 1 << 20, "expanded past the limit")
    precondition(
      expanded.withUnsafeBytes { SnapshotEntryCoding.entryStarts(in: $0) } == starts,
      "starts do not describe the entries")
    let decoded = expanded.withUnsafeBytes { buffer in
      var reader = FieldReader(buffer, from: 0, to: buffer.count)
      var entries: [(key: [UInt8], entry: LocalStore.Entry)] = []
      while reader.remaining > 0, let entry = SnapshotEntryCoding.read(&reader) { entries.append(entry) }
      return reader.remaining == 0 ? entries : nil
    }
    if let entries = decoded {
      var coded: [UInt8] = []
      var previous = CompactEntryCoding.Previous()
      for (key, entry) in entries { CompactEntryCoding.append(key: key, entry: entry, after: &previous, to: &coded) }
      // One coding per block: shortest varints, the longest shared prefix.
      precondition(coded.elementsEqual(bytes), "compact entries do not code back to their bytes")
    }
  }
  // zlib with a size taken from the input; more than the input can expand to is refused.
  let claimed = size >= 2 ? Int(bytes.loadUnaligned(as: UInt16.self)) : 0
  if let raw = try? Zlib.decompress(UnsafeRawBufferPointer(rebasing: bytes[min(2, size)...]), size: claimed) {
    precondition(raw.count == claimed, "decompressed to another size than asked")
  }
  // Raw deflate against a dictionary, both from the input (a version 7 block): the same.
  let dictionaryLength = size >= 3 ? min(Int(bytes[2]) * 16, size - 3) : 0
  if size >= 3,
    let raw = try? Zlib.decompressRaw(
      UnsafeRawBufferPointer(rebasing: bytes[(3 + dictionaryLength)...]), size: claimed,
      dictionary: Array(bytes[3..<3 + dictionaryLength]))
  {
    precondition(raw.count == claimed, "decompressed to another size than asked")
  }
  if let manifest = BackupManifest.decode(Array(bytes)) {
    precondition(manifest.lastLSN >= manifest.snapshotLSN, "manifest range reversed")
    precondition(BackupManifest.decode(manifest.encoded()) == manifest, "manifest does not round-trip")
  }
  if let manifest = SegmentManifest.decode(Array(bytes)) {
    precondition(manifest.lastLSN >= manifest.firstLSN && manifest.firstLSN > manifest.baseLSN, "segment range")
    precondition(SegmentManifest.decode(manifest.encoded()) == manifest, "segment manifest does not round-trip")
  }
  if let state = ArchiveState.decode(Array(bytes)) {
    precondition(ArchiveState.decode(state.encoded()) == state, "archiving state does not round-trip")
  }
  // Archive names: whatever parses is safe to hand to a shell command.
  if let name = String(validating: bytes, as: UTF8.self), ArchiveNames.parse(name) != nil {
    precondition(
      name.utf8.allSatisfy {
        $0 == 0x2E || $0 == 0x2D || $0 == 0x5F || (0x30...0x39).contains($0)
          || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0)
      }, "a parsed name holds shell syntax")
  }
  // The input as a whole file: a backup archive and an archive segment, opened and read through.
  let scratch = "/tmp/softadastra-fuzz-\(getpid())"
  if size >= 16, bytes[0] == UInt8(ascii: "S") {
    try? FileSystem.createDirectories(scratch)
    let path = scratch + "/input"
    FileSystem.removeFile(path)
    if let file = try? SystemFile.createExclusive(path), (try? file.write(Array(bytes), at: 0)) != nil {
      file.close()
      if let archive = try? BackupArchive(path: path) { _ = try? archive.checkParts() }
      // A snapshot: opened, checked, and read by key, by prefix and by cursor.
      if let snapshot = try? SnapshotReader(path: path) {
        // What a checked scan lists, a lookup finds, entry for entry.
        if (try? snapshot.verify()) != nil {
          var listed: [(key: [UInt8], entry: LocalStore.Entry)] = []
          try? snapshot.forEach(includingTombstones: true) { key, entry in
            listed.append((key, entry))
            return listed.count < 64
          }
          for (key, entry) in listed {
            precondition(
              (try? snapshot.lookup(key, includingTombstones: true)) == entry, "a lookup disagrees with a scan")
          }
        }
        for key in keysToFind { _ = try? snapshot.lookup(key, includingTombstones: true) }
        _ = try? snapshot.entries(for: keysToFind)
        try? snapshot.forEachInPlace(prefix: [0x61]) { _ in true }
        var cursor = snapshot.cursor(prefix: [0x64])
        while let next = try? cursor.next(), next != nil {}
      }
      if let segment = try? ArchiveSegment(path: path) {
        try? segment.forEachRecord(scratchDirectory: scratch) { _ throws(SoftadastraError) in }
      }
    }
  }
  // A sync bundle (checked whole) and a sync table: what decodes must encode back the same.
  if let bundle = try? SyncBundle.decode(Array(bytes), source: "fuzz") {
    precondition((try? SyncBundle.decode(bundle.encoded(), source: "again")) == bundle, "bundle does not round-trip")
  }
  if let table = try? SyncTable.decode(Array(bytes), source: "fuzz") {
    precondition((try? SyncTable.decode(table.encoded(), source: "again")) == table, "sync table does not round-trip")
  }
  return 0
}
