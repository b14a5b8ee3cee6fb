import Foundation
import SoftadastraTestSupport
@_spi(Storage) import SoftadastraWAL
import Testing

@testable import Softadastra

/// The snapshot file: writer, reader, lookups, streaming, the committed test vector, and every
/// kind of damage (each byte of a snapshot is covered by a checksum, so every flip is caught).
@Suite struct SnapshotFileTests {
  static func entry(_ value: String, lsn: UInt64, origin: Origin? = nil) -> LocalStore.Entry {
    LocalStore.Entry(
      value: Array(value.utf8), lsn: lsn,
      timestamp: HybridTimestamp(milliseconds: 1_795_594_148_650, counter: UInt16(lsn)),
      origin: origin)
  }

  static func vectorHeader(layout: SnapshotHeader.Layout = .paged) -> SnapshotHeader {
    SnapshotHeader(
      nodeID: "node-a", createdMilliseconds: 1_795_594_148_700, lsn: 7,
      lastTimestamp: HybridTimestamp(milliseconds: 1_795_594_148_650, counter: 7), lastRecordChecksum: 0x1234_5678,
      successorChecksum: 0x9ABC_DEF0, localOperations: 6, layout: layout)
  }
  static let vectorHeader = vectorHeader()

  /// The header of node "n" at LSN 1, for snapshots whose header does not matter.
  static func header(_ layout: SnapshotHeader.Layout) -> SnapshotHeader {
    SnapshotHeader(
      nodeID: "n", createdMilliseconds: 1, lsn: 1, lastTimestamp: HybridTimestamp(rawValue: 1), lastRecordChecksum: 0,
      successorChecksum: 0, localOperations: 0, layout: layout)
  }

  /// The dictionary of the version 7 and 8 vectors: bytes like their entries.
  static let vectorDictionary = Array("app/doc/settings/".utf8)

  /// The vectors in docs/snapshot-format.md: level 0 (stored blocks), so zlib's version cannot
  /// change them; version 7 (deflated, with a dictionary), 5 (a paged index), 3 (compact entries,
  /// one index) or 1 (fixed-width).
  static func writeVector(to path: String, layout: SnapshotHeader.Layout = .paged) throws {
    let compactEntries = layout != .fixedWidth
    let writer = try SnapshotWriter(
      path: path, header: vectorHeader(layout: layout), level: 0,
      dictionary: layout == .deflated ? vectorDictionary : [])
    try writer.add(key: Array("app/name".utf8), entry: entry("Softadastra", lsn: 2))
    try writer.add(
      key: Array("doc/1".utf8),
      entry: entry(
        "remote", lsn: 6,
        origin: Origin(
          nodeID: "node-b", lsn: 9, timestamp: HybridTimestamp(milliseconds: 1_795_594_148_600, counter: 1))))
    if compactEntries {
      // A key sharing a prefix with the one before, a tombstone, and an LSN below the one before.
      var deleted = entry("", lsn: 5)
      deleted.isTombstone = true
      try writer.add(key: Array("doc/2".utf8), entry: deleted)
    }
    try writer.add(key: Array("settings/theme".utf8), entry: entry("dark", lsn: 7))
    try writer.finish()
  }

  static func vectorURL(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/\(name)")
  }
  /// The whole vectors: version 7 (deflated, what writers write), and versions 5, 3 and 1 (zlib
  /// blocks in a paged index, compact and fixed-width entries with one index, written until
  /// 2026-12, which must keep reading).
  static let vectors: [(URL, SnapshotHeader.Layout)] = [
    (vectorURL("small-v7.snapshot"), .deflated), (vectorURL("small-v5.snapshot"), .paged),
    (vectorURL("small-v3.snapshot"), .compact), (vectorURL("small.snapshot"), .fixedWidth),
  ]
  /// The delta vectors: version 8 over the version 7 vector, 6 over 5, 4 over 3.
  static let deltaVectors: [(URL, SnapshotHeader.Layout)] = [
    (vectorURL("small-delta-v8.snapshot"), .deflated), (vectorURL("small-delta-v6.snapshot"), .paged),
    (vectorURL("small-delta.snapshot"), .compact),
  ]
  static let versions: [SnapshotHeader.Layout: (whole: UInt16, delta: UInt16?)] = [
    .deflated: (7, 8), .paged: (5, 6), .compact: (3, 4), .fixedWidth: (1, nil),
  ]
  static let everyVector = (vectors + deltaVectors).map(\.0)

  static func deltaVectorHeader(layout: SnapshotHeader.Layout = .paged) -> SnapshotHeader {
    SnapshotHeader(
      nodeID: "node-a", createdMilliseconds: 1_795_594_148_900, lsn: 9,
      lastTimestamp: HybridTimestamp(milliseconds: 1_795_594_148_660, counter: 9), lastRecordChecksum: 0x0BAD_F00D,
      successorChecksum: 0x600D_CAFE, localOperations: 8, layout: layout,
      base: SnapshotHeader.Base(lsn: 7, headerChecksum: vectorHeader(layout: layout).checksum))
  }
  static let deltaVectorHeader = deltaVectorHeader()

  /// After the whole vector of the same layout, "app/name" set again at LSN 8 and
  /// "settings/theme" deleted at 9.
  static func writeDeltaVector(to path: String, layout: SnapshotHeader.Layout = .paged) throws {
    let writer = try SnapshotWriter(
      path: path, header: deltaVectorHeader(layout: layout), level: 0,
      dictionary: layout == .deflated ? vectorDictionary : [])
    try writer.add(key: Array("app/name".utf8), entry: entry("Softadastra 2", lsn: 8))
    var deleted = entry("", lsn: 9)
    deleted.isTombstone = true
    try writer.add(key: Array("settings/theme".utf8), entry: deleted)
    try writer.finish()
  }

  @Test(arguments: zip(deltaVectors, vectors))
  func theDeltaVectorsAreReproducedAndReadOverTheirBases(
    delta vector: (URL, SnapshotHeader.Layout), over base: (URL, SnapshotHeader.Layout)
  ) throws {
    let (url, layout) = vector
    #expect(base.1 == layout)
    let directory = TemporaryDirectory()
    let files = NodeFiles(walPath: directory.file("node-a.wal"))
    try Self.writeDeltaVector(to: directory.file("delta.snapshot"), layout: layout)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: directory.file("delta.snapshot")))
    if ProcessInfo.processInfo.environment["SOFTADASTRA_UPDATE_VECTORS"] == "1" {
      try bytes.write(to: url)
    }
    #expect(bytes == (try Data(contentsOf: url)))
    let delta = try SnapshotReader(path: url.path)
    #expect(delta.header == Self.deltaVectorHeader(layout: layout))
    #expect(delta.header.version == Self.versions[layout]?.delta)
    let baseChecksum: UInt32? = [.deflated: 0x2EB6_423A, .paged: 0x5CE6_3736, .compact: 0xCA16_A822][layout]
    #expect(delta.header.base == SnapshotHeader.Base(lsn: 7, headerChecksum: baseChecksum!))
    #expect(delta.valueCount == 1 && delta.entryCount == 2)
    try delta.verify()

    try FileManager.default.copyItem(atPath: base.0.path, toPath: files.snapshotPath(lsn: 7))
    try FileManager.default.copyItem(atPath: url.path, toPath: files.snapshotPath(lsn: 9))
    let stack = try SnapshotStack.open(files.snapshotPath(lsn: 9))
    #expect(SnapshotStack.basePath(of: files.snapshotPath(lsn: 9), lsn: 7) == files.snapshotPath(lsn: 7))
    #expect(SnapshotStack.basePath(of: directory.file("renamed.snapshot"), lsn: 7) == nil)
    #expect(try stack.lookup(Array("app/name".utf8))?.value == Array("Softadastra 2".utf8))
    #expect(try stack.lookup(Array("doc/1".utf8))?.origin?.nodeID == "node-b", "from the base")
    #expect(try stack.lookup(Array("settings/theme".utf8))?.isTombstone == true, "deleted over the base")
    #expect(try stack.valueCount() == 2)
    let listed = try NodeState(snapshot: stack).sorted().map { String(decoding: $0.key, as: UTF8.self) }
    #expect(listed == ["app/name", "doc/1"])
  }

  /// Headers with right checksums but impossible fields: a delta whose base is not before it,
  /// and a version past 8.
  @Test func aDeltaHeaderWhoseBaseIsNotBeforeItAndAnUnknownVersionAreRefused() throws {
    var header = Self.deltaVectorHeader
    header.base = SnapshotHeader.Base(lsn: 9, headerChecksum: 1)
    let sameLSN = SnapshotHeader(
      nodeID: header.nodeID, createdMilliseconds: header.createdMilliseconds, lsn: header.lsn,
      lastTimestamp: header.lastTimestamp, lastRecordChecksum: header.lastRecordChecksum,
      successorChecksum: header.successorChecksum, localOperations: header.localOperations, base: header.base)
    guard case .failure(let notBefore) = sameLSN.encoded().withUnsafeBytes({ SnapshotHeader.decode($0) }) else {
      Issue.record("a delta at its base's LSN read")
      return
    }
    #expect(notBefore.reason.contains("its base's LSN 9 is not before its own (9)"))
    var future = Self.deltaVectorHeader.encoded()
    future[8] = 9
    future.replaceSubrange(
      future.count - 4..<future.count,
      with: withUnsafeBytes(of: CRC32C.checksum(future.dropLast(4)).littleEndian, Array.init))
    guard case .failure(let problem) = future.withUnsafeBytes({ SnapshotHeader.decode($0) }) else {
      Issue.record("version 9 read")
      return
    }
    #expect("\(problem)".contains("reads versions 1 to 8"))
  }

  @Test(arguments: vectors)
  func theWriterReproducesTheCommittedVectors(url: URL, layout: SnapshotHeader.Layout) throws {
    let compactEntries = layout != .fixedWidth
    let directory = TemporaryDirectory()
    let path = directory.file("small.snapshot")
    try Self.writeVector(to: path, layout: layout)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    if ProcessInfo.processInfo.environment["SOFTADASTRA_UPDATE_VECTORS"] == "1" {
      try bytes.write(to: url)
    }
    #expect(bytes == (try Data(contentsOf: url)))
    let reader = try SnapshotReader(path: url.path)
    #expect(reader.header == Self.vectorHeader(layout: layout))
    #expect(reader.header.version == Self.versions[layout]?.whole)
    #expect(reader.dictionary == (layout == .deflated ? Self.vectorDictionary : []))
    #expect(reader.valueCount == 3)
    try reader.verify()
    #expect(try reader.lookup(Array("app/name".utf8))?.value == Array("Softadastra".utf8))
    #expect(try reader.lookup(Array("doc/1".utf8))?.origin?.nodeID == "node-b")
    #expect(try reader.lookup(Array("doc/1".utf8))?.origin?.lsn == 9)
    #expect(try reader.lookup(Array("settings/theme".utf8))?.value == Array("dark".utf8))
    #expect(try reader.lookup(Array("settings/theme".utf8))?.lsn == 7)
    #expect(try reader.lookup(Array("doc/0".utf8)) == nil)
    #expect(try reader.lookup(Array("doc/2".utf8)) == nil)
    #expect(try reader.lookup(Array("doc/2".utf8), includingTombstones: true)?.lsn == (compactEntries ? 5 : nil))
    #expect(reader.entryCount == (compactEntries ? 4 : 3))
  }

  @Test func lookupsAndPrefixScansAcrossManyBlocks() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("big.snapshot")
    let header = SnapshotHeader(
      nodeID: "n", createdMilliseconds: 1, lsn: 30_000, lastTimestamp: HybridTimestamp(rawValue: 9),
      lastRecordChecksum: 1,
      successorChecksum: 2, localOperations: 30_000)
    let writer = try SnapshotWriter(path: path, header: header)
    let keys = (0..<30_000).map { String(format: "key/%06d", $0 * 2) }
    for (index, key) in keys.enumerated() {
      try writer.add(
        key: Array(key.utf8), entry: Self.entry(String(repeating: "v\(index)", count: 8), lsn: UInt64(index + 1)))
    }
    #expect(throws: SoftadastraError.self) {
      try writer.add(key: Array("key/000000".utf8), entry: Self.entry("x", lsn: 1))
    }
    try writer.finish()
    let reader = try SnapshotReader(path: path)
    try reader.verify()
    #expect(reader.blockCount > 10)
    #expect(reader.valueCount == 30_000)
    for index in stride(from: 0, to: 30_000, by: 997) {
      #expect(try reader.lookup(Array(keys[index].utf8))?.value == Array(String(repeating: "v\(index)", count: 8).utf8))
      #expect(try reader.lookup(Array(String(format: "key/%06d", index * 2 + 1).utf8)) == nil)
    }
    #expect(try reader.lookup(Array("a".utf8)) == nil)
    #expect(try reader.lookup(Array("zzz".utf8)) == nil)
    var seen: [String] = []
    try reader.forEach(prefix: Array("key/0123".utf8)) { key, _ in
      seen.append(String(decoding: key, as: UTF8.self))
      return true
    }
    #expect(seen == keys.filter { $0.hasPrefix("key/0123") })
    #expect(
      try reader.containsValues([Array("key/000002".utf8), Array("key/000003".utf8), Array(keys.last!.utf8)]) == [
        true, false, true,
      ])

    // Through a cache smaller than the snapshot: every key, present or not, reads the same as
    // without it, twice (blocks read from the file, then kept ones), and the cache stays in bounds.
    let uncached = try SnapshotReader(path: path)
    reader.cache.capacity = 64 << 10
    for _ in 0..<2 {
      for index in 0..<30_000 {
        for key in [keys[index], String(format: "key/%06d", index * 2 + 1)] {
          #expect(try reader.lookup(Array(key.utf8)) == uncached.lookup(Array(key.utf8)))
        }
      }
      #expect(reader.cache.bytes > 0 && reader.cache.bytes <= 64 << 10)
    }
    reader.cache.capacity = 0
    #expect(reader.cache.bytes == 0)
  }

  /// A snapshot of many pages: point reads and listings across page boundaries, and each page's
  /// damage (bit rot, or a crafted page whose checksums match) found when that page is read, at
  /// its offset, while reads in the other pages go on.
  /// A version 5 snapshot at `path` of `count` keys, the even numbers as "key/%07d", each with a
  /// 60-byte value: 120,000 of them make 16 pages. Returns its header and keys.
  /// The pages' layout is shared by versions 5 to 8; version 5's are not deflated, so tests can
  /// craft them (`layout: .deflated` writes version 7, with a dictionary).
  static func writeManyPages(
    to path: String, count: Int, layout: SnapshotHeader.Layout = .paged
  ) throws -> (SnapshotHeader, [[UInt8]]) {
    let header = Self.header(layout)
    let writer = try SnapshotWriter(
      path: path, header: header, dictionary: layout == .deflated ? Array("key/0000v1v1v1v1".utf8) : [])
    let keys = (0..<count).map { Array(String(format: "key/%07d", $0 * 2).utf8) }
    for (index, key) in keys.enumerated() {
      try writer.add(key: key, entry: entry(String(repeating: "v\(index % 10)", count: 30), lsn: 1))
    }
    try writer.finish()
    return (header, keys)
  }

  @Test func aPagedIndexOfManyPagesReadsAcrossThemAndFindsEachPagesDamage() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("paged.snapshot")
    let (header, keys) = try Self.writeManyPages(to: path, count: 120_000)
    let reader = try SnapshotReader(path: path)
    guard case .paged(let table, _) = reader.index else {
      Issue.record("version \(reader.header.version) has no page table")
      return
    }
    #expect(table.count >= 10 && reader.header.version == 5)
    try reader.verify()
    func key(_ number: Int) -> [UInt8] { Array(String(format: "key/%07d", number).utf8) }
    // Each page's first block's first key, the keys around it, and listings from it.
    for page in 0..<table.count {
      let first = Array(table.firstKey(page))
      let index = keys.firstIndex(of: first)!
      for (offset, present) in [(-2, true), (-1, false), (0, true), (1, false), (2, true)] where index * 2 + offset >= 0
      {
        let found = try reader.lookup(key(index * 2 + offset))
        #expect((found != nil) == present, "key \(index * 2 + offset) beside page \(page)")
      }
      var listed: [[UInt8]] = []
      try reader.forEach(prefix: Array(first.dropLast(2))) { key, _ in
        listed.append(key)
        return true
      }
      #expect(listed == keys.filter { $0.starts(with: first.dropLast(2)) })
    }

    let original = FileBytes.read(path)
    let damaged = directory.file("damaged.snapshot")
    func put<T: FixedWidthInteger>(_ value: T, at offset: Int, in bytes: inout [UInt8]) {
      bytes.replaceSubrange(
        offset..<offset + MemoryLayout<T>.size, with: withUnsafeBytes(of: value.littleEndian, Array.init))
    }
    for page in [0, table.count / 2, table.count - 1] {
      let (offset, size) = (Int(table.offset(page)), Int(table.size(page)))
      let inPage = Array(table.firstKey(page))
      let elsewhere = Array(table.firstKey(page == 0 ? 1 : 0))
      // Bit rot in the page; then a page rewritten with its CRC (and the table's, and the
      // footer's) made to match, its second block one byte longer than stored.
      var rotten = original
      rotten[offset + size / 2] ^= 0x10
      var crafted = original
      let storedSize = Int(crafted[offset + 18 + inPage.count]) | Int(crafted[offset + 19 + inPage.count]) << 8
      put(UInt16(storedSize + 1), at: offset + 18 + inPage.count, in: &crafted)
      let tableOffset = Int(reader.footer.indexOffset)
      let footer = crafted.count - SnapshotFormat.footerSize
      let lineOffset = tableOffset + (0..<page).reduce(0) { $0 + 46 + table.firstKey($1).count }
      put(CRC32C.checksum(crafted[offset..<offset + size]), at: lineOffset + 12, in: &crafted)
      put(CRC32C.checksum(crafted[tableOffset..<footer]), at: footer + 40, in: &crafted)
      put(CRC32C.extend(header.checksum, crafted[footer..<footer + 52]), at: footer + 52, in: &crafted)
      for (bytes, problem) in [(rotten, "fails its checksum"), (crafted, "does not describe the file")] {
        FileBytes.write(bytes, to: damaged)
        let opened = try SnapshotReader(path: damaged)
        #expect(try opened.lookup(elsewhere) != nil, "page \(page): a read in another page")
        #expect {
          try opened.lookup(inPage)
        } throws: { error in
          let error = error as! SoftadastraError
          return error.kind == .corrupt && error.offset == UInt64(offset)
            && error.message.contains("page \(page) of its block index \(problem)")
        }
        #expect(throws: SoftadastraError.self) { try SnapshotReader(path: damaged).verify() }
      }
    }
    // A page table whose first block is not right after the header, its checksums made to match,
    // is refused at open.
    var shifted = original
    let (tableOffset, footer) = (Int(reader.footer.indexOffset), original.count - SnapshotFormat.footerSize)
    put(UInt64(header.size + 1), at: tableOffset + 20, in: &shifted)
    put(CRC32C.checksum(shifted[tableOffset..<footer]), at: footer + 40, in: &shifted)
    put(CRC32C.extend(header.checksum, shifted[footer..<footer + 52]), at: footer + 52, in: &shifted)
    FileBytes.write(shifted, to: damaged)
    #expect {
      try SnapshotReader(path: damaged)
    } throws: { error in
      (error as! SoftadastraError).message.contains("its block index does not describe the file")
    }
  }

  /// Version 7 over many pages: blocks compressed against its dictionary at a level that searches
  /// it, pages deflated, read as written and smaller than version 5 of the same entries. A
  /// damaged dictionary, a dictionary length past deflate's window and a page that inflates to
  /// another size than its line gives are refused at their offsets; blocks are copied only into a
  /// writer with the same dictionary.
  @Test func aDeflatedSnapshotReadsAcrossPagesAndRefusesItsDamage() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("deflated.snapshot")
    let (header, keys) = try Self.writeManyPages(to: path, count: 60_000, layout: .deflated)
    let reader = try SnapshotReader(path: path)
    guard case .paged(let table, _) = reader.index else {
      Issue.record("version \(reader.header.version) has no page table")
      return
    }
    #expect(table.count >= 4 && table.deflatedPages && reader.header.version == 7)
    #expect(reader.dictionary == Array("key/0000v1v1v1v1".utf8))
    try reader.verify()
    for index in stride(from: 0, to: keys.count, by: 997) {
      #expect(try reader.lookup(keys[index])?.value == Array(String(repeating: "v\(index % 10)", count: 30).utf8))
      #expect(try reader.lookup(Array(String(format: "key/%07d", index * 2 + 1).utf8)) == nil)
    }
    let paged = directory.file("v5.snapshot")
    _ = try Self.writeManyPages(to: paged, count: 60_000)
    #expect(FileBytes.read(path).count < FileBytes.read(paged).count * 9 / 10)

    let original = FileBytes.read(path)
    let damaged = directory.file("damaged.snapshot")
    func put<T: FixedWidthInteger>(_ value: T, at offset: Int, in bytes: inout [UInt8]) {
      bytes.replaceSubrange(
        offset..<offset + MemoryLayout<T>.size, with: withUnsafeBytes(of: value.littleEndian, Array.init))
    }
    func refused(_ bytes: [UInt8], at offset: Int, _ problem: String, whenRead key: [UInt8]? = nil) {
      FileBytes.write(bytes, to: damaged)
      #expect {
        let opened = try SnapshotReader(path: damaged)
        if let key { _ = try opened.lookup(key) }
      } throws: { error in
        let error = error as! SoftadastraError
        return error.kind == .corrupt && error.offset == UInt64(offset) && error.message.contains(problem)
      }
    }
    var rotten = original
    rotten[header.size + 6] ^= 0x01
    refused(rotten, at: header.size, "its dictionary fails its checksum")
    var long = original
    put(UInt32(SnapshotFormat.maxDictionaryBytes + 1), at: header.size, in: &long)
    refused(long, at: header.size, "its dictionary's length (32769) is past 32768 bytes")
    // Page 0's lines one byte longer in the table, the table's and the footer's CRCs made to match.
    var crafted = original
    let tableOffset = Int(reader.footer.indexOffset)
    let footer = crafted.count - SnapshotFormat.footerSize
    put(table.linesSize(0) + 1, at: tableOffset + 44, in: &crafted)
    put(CRC32C.checksum(crafted[tableOffset..<footer]), at: footer + 40, in: &crafted)
    put(CRC32C.extend(header.checksum, crafted[footer..<footer + 52]), at: footer + 52, in: &crafted)
    refused(crafted, at: Int(table.offset(0)), "page 0 of its block index does not inflate", whenRead: keys[0])
    // Lines of 4 GiB: refused at open, before any memory is taken for them.
    put(UInt32.max, at: tableOffset + 44, in: &crafted)
    put(CRC32C.checksum(crafted[tableOffset..<footer]), at: footer + 40, in: &crafted)
    put(CRC32C.extend(header.checksum, crafted[footer..<footer + 52]), at: footer + 52, in: &crafted)
    refused(crafted, at: tableOffset, "its block index does not describe the file")

    let other = try SnapshotWriter(path: directory.file("other.snapshot"), header: header, dictionary: [1, 2, 3])
    #expect(throws: SoftadastraError.self) { try other.addBlocks(of: reader) }
    let same = try SnapshotWriter(path: directory.file("same.snapshot"), header: header, dictionary: reader.dictionary)
    try same.addBlocks(of: reader)
    try same.finish()
    try SnapshotReader(path: directory.file("same.snapshot")).verify()
  }

  /// A dictionary only in versions 7 and 8, of at most deflate's window; a header completed from
  /// the entries' checksum only by a writer that kept it.
  @Test func aWriterRefusesWhatItCannotWriteRight() throws {
    let directory = TemporaryDirectory()
    let header = Self.header
    #expect(throws: SoftadastraError.self) {
      try SnapshotWriter(path: directory.file("a.snapshot"), header: header(.paged), dictionary: [1])
    }
    #expect(throws: SoftadastraError.self) {
      try SnapshotWriter(
        path: directory.file("b.snapshot"), header: header(.deflated),
        dictionary: [UInt8](repeating: 1, count: SnapshotFormat.maxDictionaryBytes + 1))
    }
    let unkept = try SnapshotWriter(path: directory.file("c.snapshot"), header: header(.deflated))
    try unkept.add(key: [1], entry: Self.entry("v", lsn: 1))
    #expect(throws: SoftadastraError.self) { try unkept.finish { _ in header(.deflated) } }
    let kept = try SnapshotWriter(path: directory.file("d.snapshot"), header: header(.deflated), checksumsEntries: true)
    try kept.add(key: [1], entry: Self.entry("v", lsn: 1))
    try kept.finish { _ in header(.deflated) }
    #expect(kept.entriesChecksum != 0)
  }

  /// A page table line as written, to craft tables with.
  struct PageTableLine {
    var offset: UInt64, size: UInt32, checksum: UInt32, blocks: UInt32, firstBlockOffset: UInt64
    var entries: UInt64, rawBytes: UInt64, key: [UInt8]
  }

  /// Page tables and footers that contradict the pages or each other, every checksum made to
  /// match: each refused, at open or when the page is read, never read as data.
  @Test func craftedPageTablesWithMatchingChecksumsAreRefused() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("paged.snapshot")
    let (header, _) = try Self.writeManyPages(to: path, count: 30_000)
    let original = FileBytes.read(path)
    let footer = original.count - SnapshotFormat.footerSize
    func load(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> UInt64 {
      (0..<count).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }
    let tableOffset = Int(load(original, footer, 8))
    var lines: [PageTableLine] = []
    var position = tableOffset
    while position < footer {
      let keyLength = Int(load(original, position + 44, 2))
      lines.append(
        PageTableLine(
          offset: load(original, position, 8), size: UInt32(load(original, position + 8, 4)),
          checksum: UInt32(load(original, position + 12, 4)), blocks: UInt32(load(original, position + 16, 4)),
          firstBlockOffset: load(original, position + 20, 8), entries: load(original, position + 28, 8),
          rawBytes: load(original, position + 36, 8),
          key: Array(original[position + 46..<position + 46 + keyLength])))
      position += 46 + keyLength
    }
    #expect(lines.count >= 4)
    // Page 1's first key, and one further into it.
    let firstInPage1 = lines[1].key
    let furtherInPage1 = Array(
      String(format: "key/%07d", Int(String(decoding: lines[1].key.dropFirst(4), as: UTF8.self))! + 20).utf8)
    let damaged = directory.file("crafted.snapshot")

    /// The snapshot with `lines` as its table and `change` made to its footer's fields, its
    /// checksums made to match.
    func crafted(_ lines: [PageTableLine], footer change: (inout [UInt8]) -> Void = { _ in }) -> [UInt8] {
      var bytes = Array(original[..<tableOffset])
      for line in lines {
        bytes.appendLittleEndian(line.offset)
        bytes.appendLittleEndian(line.size)
        bytes.appendLittleEndian(line.checksum)
        bytes.appendLittleEndian(line.blocks)
        bytes.appendLittleEndian(line.firstBlockOffset)
        bytes.appendLittleEndian(line.entries)
        bytes.appendLittleEndian(line.rawBytes)
        bytes.appendLittleEndian(UInt16(line.key.count))
        bytes.append(contentsOf: line.key)
      }
      var fields = Array(original[footer..<footer + 40])
      change(&fields)
      bytes += fields
      bytes.appendLittleEndian(CRC32C.checksum(bytes[tableOffset..<footer]))
      bytes += SnapshotFormat.footerMagic
      bytes.appendLittleEndian(CRC32C.extend(header.checksum, bytes[footer..<footer + 52]))
      return bytes
    }
    func put<T: FixedWidthInteger>(_ value: T, at offset: Int, in bytes: inout [UInt8]) {
      bytes.replaceSubrange(
        offset..<offset + MemoryLayout<T>.size, with: withUnsafeBytes(of: value.littleEndian, Array.init))
    }
    #expect(crafted(lines) == original)

    var refusedAtOpen: [(String, [UInt8])] = []
    refusedAtOpen.append(
      ("a block more in the footer", crafted(lines) { put(UInt32(load($0, 12, 4) + 1), at: 12, in: &$0) }))
    refusedAtOpen.append(("an entry more in the footer", crafted(lines) { put(load($0, 16, 8) + 1, at: 16, in: &$0) }))
    refusedAtOpen.append(("a byte more in the footer", crafted(lines) { put(load($0, 32, 8) + 1, at: 32, in: &$0) }))
    refusedAtOpen.append(("more values than entries", crafted(lines) { put(load($0, 16, 8) + 1, at: 24, in: &$0) }))
    var swappedOffsets = lines
    (swappedOffsets[1].firstBlockOffset, swappedOffsets[2].firstBlockOffset) =
      (lines[2].firstBlockOffset, lines[1].firstBlockOffset)
    refusedAtOpen.append(("first blocks out of order", crafted(swappedOffsets)))
    var swappedKeys = lines
    (swappedKeys[1].key, swappedKeys[2].key) = (lines[2].key, lines[1].key)
    refusedAtOpen.append(("first keys out of order", crafted(swappedKeys)))
    var pageInTable = lines
    pageInTable[lines.count - 1].size += 1
    refusedAtOpen.append(("a page running into the table", crafted(pageInTable)))
    // Counts no page of its size holds, the footer's sums made to match: refused before any
    // caller adds them up.
    for (name, entries, rawBytes) in [
      ("2^62 entries in a page", UInt64(1) << 62, UInt64(1) << 62),
      ("2^62 bytes in a page", lines[0].entries, UInt64(1) << 62),
      ("more entries than bytes", lines[0].rawBytes + 1, lines[0].rawBytes),
      ("fewer entries than blocks", 1, lines[0].rawBytes),
    ] {
      var huge = lines
      (huge[0].entries, huge[0].rawBytes) = (entries, rawBytes)
      let crafted = crafted(huge) { fields in
        put(load(fields, 16, 8) &- lines[0].entries &+ entries, at: 16, in: &fields)
        put(load(fields, 32, 8) &- lines[0].rawBytes &+ rawBytes, at: 32, in: &fields)
      }
      refusedAtOpen.append((name, crafted))
    }
    for (name, bytes) in refusedAtOpen {
      FileBytes.write(bytes, to: damaged)
      #expect(
        "\(name)", performing: { try SnapshotReader(path: damaged) },
        throws: { error in
          (error as! SoftadastraError).message.contains("its block index does not describe the file")
        })
    }

    // Counts moved from one page to the next (their sums still the footer's), and keys that
    // are not the page's: page 1 is refused when a read of a key in it reads it, at its offset,
    // and so is a verify.
    var refusedWithPage1: [(String, [PageTableLine])] = []
    for field in [\PageTableLine.blocks] as [WritableKeyPath<PageTableLine, UInt32>] {
      var moved = lines
      moved[1][keyPath: field] += 1
      moved[2][keyPath: field] -= 1
      refusedWithPage1.append(("a block moved", moved))
    }
    for (name, field) in [("an entry moved", \PageTableLine.entries), ("a byte moved", \PageTableLine.rawBytes)] {
      var moved = lines
      moved[1][keyPath: field] += 1
      moved[2][keyPath: field] -= 1
      refusedWithPage1.append((name, moved))
    }
    var notItsFirstKey = lines
    notItsFirstKey[1].key[notItsFirstKey[1].key.count - 1] += 1
    refusedWithPage1.append(("a first key that is not the page's", notItsFirstKey))
    var nextTooSoon = lines
    nextTooSoon[2].key = lines[1].key
    nextTooSoon[2].key[nextTooSoon[2].key.count - 1] += 1
    refusedWithPage1.append(("a next page starting inside this one", nextTooSoon))
    for (name, table) in refusedWithPage1 {
      FileBytes.write(crafted(table), to: damaged)
      let reader = try SnapshotReader(path: damaged)
      #expect(try reader.lookup(lines[0].key) != nil, "\(name): page 0 reads")
      // The table sends a read of page 1's first key before a first key moved up into it.
      let keyInPage1 = table[1].key == firstInPage1 ? firstInPage1 : furtherInPage1
      #expect(
        "\(name)", performing: { try reader.lookup(keyInPage1) },
        throws: { error in
          let error = error as! SoftadastraError
          return error.offset == lines[1].offset
            && error.message.contains("page 1 of its block index does not describe the file")
        })
      #expect("\(name)", performing: { try SnapshotReader(path: damaged).verify() }, throws: { _ in true })
    }
  }

  /// Blocks copied from a snapshot with one index (version 3) into one with pages (version 5, as
  /// a backup does), then entries added after them: read as written; an entry that does not come
  /// after the copied ones is refused, and so are pages copied into one index (no last keys).
  @Test func blocksCopiedFromOneIndexIntoPagesReadAsWritten() throws {
    let directory = TemporaryDirectory()
    let header = Self.header
    let keys = (0..<30_000).map { Array(String(format: "key/%06d", $0).utf8) }
    let source = try SnapshotWriter(path: directory.file("v3.snapshot"), header: header(.compact))
    for key in keys { try source.add(key: key, entry: Self.entry("value", lsn: 1)) }
    try source.finish()
    let v3 = try SnapshotReader(path: directory.file("v3.snapshot"))
    let copy = try SnapshotWriter(path: directory.file("v5.snapshot"), header: header(.paged))
    try copy.addBlocks(of: v3)
    #expect(throws: SoftadastraError.self) { try copy.add(key: keys.last!, entry: Self.entry("again", lsn: 2)) }
    try copy.add(key: Array("later".utf8), entry: Self.entry("after", lsn: 2))
    try copy.finish()
    let v5 = try SnapshotReader(path: directory.file("v5.snapshot"))
    try v5.verify()
    #expect(v5.header.version == 5 && v5.blockCount == v3.blockCount + 1 && v5.valueCount == 30_001)
    for index in stride(from: 0, to: keys.count, by: 1_009) {
      #expect(try v5.lookup(keys[index])?.value == Array("value".utf8))
    }
    #expect(try v5.lookup(Array("later".utf8))?.value == Array("after".utf8))
    let back = try SnapshotWriter(path: directory.file("back.snapshot"), header: header(.compact))
    #expect(throws: SoftadastraError.self) { try back.addBlocks(of: v5) }
  }

  /// A footer placing its index past the end of the integers, its checksum made to match: damage,
  /// not an overflow.
  @Test(arguments: everyVector)
  func aFooterPlacingTheIndexPastEveryOffsetIsDamage(url: URL) throws {
    var bytes = FileBytes.read(url.path)
    let footer = bytes.count - SnapshotFormat.footerSize
    bytes.replaceSubrange(footer..<footer + 8, with: [UInt8](repeating: 0xFF, count: 8))
    bytes.replaceSubrange(footer + 8..<footer + 12, with: [1, 0, 0, 0])
    let checksum = CRC32C.extend(try SnapshotHeader.read(path: url.path).checksum, bytes[footer..<footer + 52])
    bytes.replaceSubrange(footer + 52..<footer + 56, with: withUnsafeBytes(of: checksum.littleEndian, Array.init))
    let directory = TemporaryDirectory()
    FileBytes.write(bytes, to: directory.file("s.snapshot"))
    #expect {
      try SnapshotReader(path: directory.file("s.snapshot"))
    } throws: { error in
      (error as! SoftadastraError).message.contains("its footer places the index outside the file")
    }
  }

  @Test func theBlockCacheKeepsWhatIsReadAndLetsTheRestGo() {
    func block(_ size: Int) -> BlockCache.Block {
      BlockCache.Block(bytes: [UInt8](repeating: 0, count: size), starts: [])
    }
    let cache = BlockCache(capacity: 3_000)
    for index in 0..<3 { cache.keep(block(1_000), as: index) }
    #expect(cache.bytes == 3_000)
    // Block 0 is read again: the next one to make room for goes instead.
    _ = cache.block(0)
    cache.keep(block(1_000), as: 3)
    #expect(cache.block(0) != nil && cache.block(1) == nil && cache.block(3) != nil)
    // A block larger than the whole cache is not kept; nothing else goes for it.
    cache.keep(block(5_000), as: 4)
    #expect(cache.block(4) == nil && cache.bytes == 3_000)
    // A block just kept is not the next to go: a set of blocks read in turn stays once kept, while
    // blocks read once make room for it.
    let full = BlockCache(capacity: 5_000)
    for index in 0..<5 { full.keep(block(1_000), as: index) }
    let hot = [10, 11]
    for round in 0..<3 {
      for index in hot where full.block(index) == nil {
        #expect(round == 0, "block \(index) went though it was read in every round")
        full.keep(block(1_000), as: index)
      }
    }
    cache.capacity = 1_000
    #expect(cache.bytes <= 1_000)
  }

  @Test(arguments: everyVector)
  func everyBitFlipAndEveryTruncationIsCaught(url: URL) throws {
    let directory = TemporaryDirectory()
    let original = FileBytes.read(url.path)
    let path = directory.file("damaged.snapshot")
    for offset in 0..<original.count {
      for bit in 0..<8 {
        var bytes = original
        bytes[offset] ^= UInt8(1 << bit)
        FileBytes.write(bytes, to: path)
        #expect(throws: SoftadastraError.self, "flip at \(offset) bit \(bit)") {
          let reader = try SnapshotReader(path: path)
          try reader.verify()
        }
      }
    }
    for length in 0..<original.count {
      FileBytes.write(Array(original[0..<length]), to: path)
      #expect(throws: SoftadastraError.self, "truncated to \(length)") { try SnapshotReader(path: path).verify() }
    }
  }

  @Test(arguments: everyVector)
  func anIndexClaimingAHugeBlockIsDamageNotAnAllocation(url: URL) throws {
    // Every checksum made to match: a crafted file, not bit rot.
    var bytes = FileBytes.read(url.path)
    func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
      bytes.replaceSubrange(
        offset..<offset + MemoryLayout<T>.size, with: withUnsafeBytes(of: value.littleEndian, Array.init))
    }
    func load(at offset: Int, count: Int) -> Int {
      (0..<count).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
    }
    let footer = bytes.count - SnapshotFormat.footerSize
    let indexOffset = load(at: footer, count: 8)
    let header = try SnapshotHeader.read(path: url.path)
    if header.pagedIndex {
      // The raw size in the first page's first line, and the page's CRC in the table. A deflated
      // page of the vectors is one stored deflate block: its lines follow 5 bytes of framing.
      let (pageOffset, pageSize) = (load(at: indexOffset, count: 8), load(at: indexOffset + 8, count: 4))
      put(UInt32(0x7FFF_FFFF), at: pageOffset + (header.deflatedLayout ? 5 : 0) + 4)
      put(CRC32C.checksum(bytes[pageOffset..<pageOffset + pageSize]), at: indexOffset + 12)
    } else {
      put(UInt32(0x7FFF_FFFF), at: indexOffset + 12)
    }
    put(UInt64(0x7FFF_FFFF), at: footer + 32)
    put(CRC32C.checksum(bytes[indexOffset..<footer]), at: footer + 40)
    put(CRC32C.extend(try SnapshotHeader.read(path: url.path).checksum, bytes[footer..<footer + 52]), at: footer + 52)
    let directory = TemporaryDirectory()
    let path = directory.file("huge.snapshot")
    FileBytes.write(bytes, to: path)
    // Found when the index is read: at open, or with its page.
    #expect {
      try SnapshotReader(path: path).verify()
    } throws: { error in
      (error as! SoftadastraError).message.contains("block index does not describe the file")
    }
  }

  @Test func aDamagedBlockIsReportedWithItsOffsetAndAnOverlongTemporaryIsNeverLeft() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("s.snapshot")
    try Self.writeVector(to: path)
    #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
    var bytes = FileBytes.read(path)
    let blockOffset = Self.vectorHeader.size + 3
    bytes[blockOffset] ^= 0xFF
    FileBytes.write(bytes, to: path)
    let reader = try SnapshotReader(path: path)
    #expect {
      try reader.lookup(Array("app/name".utf8))
    } throws: { error in
      let error = error as! SoftadastraError
      return error.kind == .corrupt && error.offset == UInt64(Self.vectorHeader.size)
        && error.message.contains("block 0")
    }
  }
}
