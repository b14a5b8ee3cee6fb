import Foundation
import SoftadastraTestSupport
import Testing

@testable import Softadastra
@_spi(Storage) @testable import SoftadastraWAL

/// Compact entries (snapshot format version 3): varints, differences, prefix-compressed keys, the
/// checks a crafted block meets, and random entries read back the same through both layouts.
@Suite struct CompactEntryTests {
  @Test func varintsAndDifferencesRoundTripAtTheirEdges() {
    for value: UInt64 in [0, 1, 127, 128, 16_383, 16_384, 1 << 35, 1 << 63, .max - 1, .max] {
      var bytes: [UInt8] = []
      CompactEntryCoding.appendVarint(value, to: &bytes)
      #expect(bytes.count == max(1, (64 - value.leadingZeroBitCount + 6) / 7))
      #expect(CompactEntryCoding.unzigzag(CompactEntryCoding.zigzag(value)) == value)
    }
    #expect(CompactEntryCoding.zigzag(0) == 0)
    #expect(CompactEntryCoding.zigzag(UInt64.max) == 1)  // -1
    #expect(CompactEntryCoding.zigzag(1) == 2)
    #expect(CompactEntryCoding.zigzag(0 &- 2) == 3)
  }

  /// One tombstone entry with key `[0x61]` and the given LSN difference bytes.
  static func block(lsn: [UInt8]) -> [UInt8] { [1, 0, 1, 0x61] + lsn + [0, 0] }

  static func expand(_ bytes: [UInt8], limit: Int = 1 << 20) -> (bytes: [UInt8], starts: [UInt32])? {
    bytes.withUnsafeBytes { CompactEntryCoding.expand($0, limit: limit) }
  }

  @Test func onlyTheShortestVarintOfAtMostTenBytesIsRead() {
    #expect(Self.expand(Self.block(lsn: [0x7F])) != nil)
    #expect(Self.expand(Self.block(lsn: [0x80, 0x01])) != nil)
    #expect(Self.expand(Self.block(lsn: [0x80, 0x00])) == nil, "a longer form of 0")
    #expect(Self.expand(Self.block(lsn: [0xFF, 0x80, 0x00])) == nil, "a longer form of 127")
    #expect(Self.expand(Self.block(lsn: Array(repeating: 0xFF, count: 9) + [0x01])) != nil, "2^64 - 1")
    #expect(Self.expand(Self.block(lsn: Array(repeating: 0xFF, count: 9) + [0x02])) == nil, "past 64 bits")
    #expect(Self.expand(Self.block(lsn: Array(repeating: 0xFF, count: 10) + [0x01])) == nil, "eleven bytes")
    #expect(Self.expand(Self.block(lsn: [0x80])) == nil, "cut")
  }

  @Test func keysOutOfOrderSharedBytesTheKeyBeforeLacksAndEmptySuffixesAreRefused() {
    let first: [UInt8] = [1, 0, 2, 0x61, 0x62, 0, 0, 0]  // "ab"
    #expect(Self.expand(first + [1, 2, 1, 0x63, 0, 0, 0]) != nil)  // "abc": extends it
    #expect(Self.expand(first + [1, 1, 1, 0x63, 0, 0, 0]) != nil)  // "ac"
    #expect(Self.expand(first + [1, 1, 1, 0x62, 0, 0, 0]) == nil)  // "ab" again
    #expect(Self.expand(first + [1, 0, 1, 0x61, 0, 0, 0]) == nil)  // "a" comes before "ab"
    #expect(Self.expand(first + [1, 3, 1, 0x63, 0, 0, 0]) == nil)  // shares 3 of 2 bytes
    #expect(Self.expand(first + [1, 2, 0, 0, 0, 0]) == nil)  // nothing after the shared bytes
    #expect(Self.expand([1, 1, 1, 0x61, 0, 0, 0]) == nil)  // the first entry shares with nothing
    #expect(Self.expand([2, 0, 1, 0x61, 0, 0, 0]) == nil)  // kind 2
    #expect(Self.expand([1, 0, 1, 0x61, 0, 0, 2]) == nil)  // origin flag 2
  }

  /// Tombstones of 4,096-byte keys that differ in their last two bytes: 6 to 8 bytes each,
  /// expanding to 4,116 each. A crafted block of this kind asks for 500 times its size.
  static func longKeyTombstones(_ count: Int) -> (bytes: [UInt8], firstKey: [UInt8], lastKey: [UInt8]) {
    let stem = [UInt8](repeating: 0x61, count: 4_094)
    var bytes: [UInt8] = [1, 0]
    CompactEntryCoding.appendVarint(4_096, to: &bytes)
    bytes += stem + [0x62, 0, 0, 0, 0]
    var lastKey = stem + [0x62, 0]
    for index in 1..<count {
      let (high, low) = (UInt8(0x62 + index / 256), UInt8(index % 256))
      bytes += [1]
      if low == 0 {
        CompactEntryCoding.appendVarint(4_094, to: &bytes)
        bytes += [2, high, low]
      } else {
        CompactEntryCoding.appendVarint(4_095, to: &bytes)
        bytes += [1, low]
      }
      bytes += [0, 0, 0]
      lastKey = stem + [high, low]
    }
    return (bytes, stem + [0x62, 0], lastKey)
  }

  @Test func sharedPrefixesCannotExpandABlockPastItsLimit() {
    let bytes = Self.longKeyTombstones(2_000).bytes
    let whole = Self.expand(bytes, limit: .max)
    #expect(whole?.starts.count == 2_000)
    #expect((whole?.bytes.count ?? 0) > 8_000_000)
    #expect(Self.expand(bytes, limit: 1 << 20) == nil)
    #expect(Self.expand(bytes, limit: whole!.bytes.count)?.bytes == whole?.bytes)
    #expect(Self.expand(bytes, limit: whole!.bytes.count - 1) == nil)
  }

  @Test func anOriginWithoutANodeIdOrWithOneThatIsNotUTF8IsRefusedInBothLayouts() {
    let withOrigin: ([UInt8]) -> [UInt8] = { id in [0, 0, 1, 0x61, 0, 0, 0, 1, UInt8(id.count)] + id + [0, 0] }
    #expect(Self.expand(withOrigin([0x6E])) != nil)
    #expect(Self.expand(withOrigin([])) == nil)
    #expect(Self.expand(withOrigin([0xFF])) == nil)
    // The same entries in the fixed-width layout.
    let fixed: ([UInt8]) -> [UInt8] = { id in
      [0, 1, 0, 0x61, 0, 0, 0, 0] + [UInt8](repeating: 0, count: 16) + [1, UInt8(id.count)] + id
        + [UInt8](repeating: 0, count: 16)
    }
    #expect(fixed([0x6E]).withUnsafeBytes { SnapshotEntryCoding.entryStarts(in: $0) } == [0])
    #expect(fixed([]).withUnsafeBytes { SnapshotEntryCoding.entryStarts(in: $0) } == nil)
    #expect(fixed([0xFF]).withUnsafeBytes { SnapshotEntryCoding.entryStarts(in: $0) } == nil)
  }

  @Test func aFixedWidthValueOver16MiBIsRefused() {
    func entry(valueLength: Int) -> [UInt8] {
      var bytes: [UInt8] = [0, 1, 0, 0x61]
      bytes.appendLittleEndian(UInt32(valueLength))
      return bytes + [UInt8](repeating: 0x76, count: valueLength) + [UInt8](repeating: 0, count: 17)
    }
    #expect(
      entry(valueLength: WALFormat.maxValueBytes).withUnsafeBytes { SnapshotEntryCoding.entryStarts(in: $0) } == [0])
    #expect(
      entry(valueLength: WALFormat.maxValueBytes + 1).withUnsafeBytes { SnapshotEntryCoding.entryStarts(in: $0) } == nil
    )
  }

  /// A block to craft: its compact entries, and its index line's entry count and keys.
  typealias CraftedBlock = (compact: [UInt8], count: UInt32, first: [UInt8], last: [UInt8])

  /// A version 5 snapshot at `path` holding `blocks`, every checksum right: a crafted file, not
  /// bit rot.
  static func craftedSnapshot(_ blocks: [CraftedBlock], at path: String) throws -> SnapshotHeader {
    let header = SnapshotHeader(
      nodeID: "n", createdMilliseconds: 1, lsn: 1, lastTimestamp: HybridTimestamp(rawValue: 1), lastRecordChecksum: 0,
      successorChecksum: 0, localOperations: 0, layout: .paged)
    var bytes = header.encoded()
    var index = SnapshotIndexBuilder(paged: true)
    for block in blocks {
      let stored = try block.compact.withUnsafeBytes { try Zlib.compress($0, level: 1) }
      try index.add(
        SnapshotBlock(
          offset: UInt64(bytes.count), storedSize: UInt32(stored.count), rawSize: UInt32(block.compact.count),
          entryCount: block.count, checksum: CRC32C.checksum(stored), firstKey: block.first, lastKey: block.last))
      bytes += stored
    }
    let (lines, table) = try index.finish(at: UInt64(bytes.count))
    let footer = SnapshotFooter(
      indexOffset: UInt64(bytes.count + lines.count), indexSize: UInt32(table!.count), blockCount: UInt32(blocks.count),
      entryCount: blocks.reduce(0) { $0 + UInt64($1.count) }, valueCount: 0,
      rawBytes: blocks.reduce(0) { $0 + UInt64($1.compact.count) }, indexChecksum: CRC32C.checksum(table!))
    bytes += lines + table! + footer.encoded(headerChecksum: header.checksum)
    FileBytes.write(bytes, to: path)
    return header
  }

  /// Crafted blocks, each refused as damage at its offset by every way of reading it (a lookup
  /// from the file and through the cache, a scan, a check), without trapping or allocating past
  /// the block limit.
  @Test func craftedBlocksWithRightChecksumsAreDamageAtTheirOffset() throws {
    let a: [UInt8] = [0x61]
    // A suffix length of 2^64 - 1 after a shared byte: its sum with the shared bytes overflows.
    let overflow: [UInt8] = [1, 0, 1, 0x61, 0, 0, 0, 1, 1] + [UInt8](repeating: 0xFF, count: 9) + [1]
    // 4,200 tombstones of 4,096-byte keys: 35 KB that expand past the largest block a reader takes.
    let huge = Self.longKeyTombstones(4_200)
    #expect(Self.expand(huge.bytes, limit: .max)?.bytes.count ?? 0 > SnapshotFormat.maxBlockRawBytes)
    // A sound block of one entry whose index line claims two (a page table claiming more entries
    // than bytes is refused at open, in craftedPageTablesWithMatchingChecksumsAreRefused).
    let one: [UInt8] = [1, 0, 1, 0x61, 0, 0, 0]
    // Sound blocks of tombstones "a" and "c", then "b": the first runs past the second's first key.
    func tombstone(_ key: UInt8) -> [UInt8] { [1, 0, 1, key, 0, 0, 0] }
    let (b, c): ([UInt8], [UInt8]) = ([0x62], [0x63])
    // Each case, and whether a point read from the file (which decodes the block up to the key,
    // without checking the rest) finds the damage.
    let cases: [(name: String, blocks: [CraftedBlock], pointReadFindsIt: Bool)] = [
      ("overflowing suffix length", [(overflow, 2, a, a)], true),
      ("expanding past the limit", [(huge.bytes, 4_200, huge.firstKey, huge.lastKey)], true),
      ("claiming two entries for one", [(one, 2, a, a)], false),
      (
        "running past the next block", [(tombstone(0x61) + tombstone(0x63), 2, a, c), (tombstone(0x62), 1, b, b)], false
      ),
    ]
    let directory = TemporaryDirectory()
    for (name, blocks, pointReadFindsIt) in cases {
      let path = directory.file("\(name).snapshot")
      let header = try Self.craftedSnapshot(blocks, at: path)
      let first = blocks[0].first
      func isDamageOfBlock0(_ error: any Error) -> Bool {
        guard let error = error as? SoftadastraError else { return false }
        return error.kind == .corrupt && error.offset == UInt64(header.size) && error.message.contains("block 0")
      }
      let reader = try SnapshotReader(path: path)
      // A point read from the file decodes the block's entries up to the key, not their count.
      if pointReadFindsIt {
        #expect("\(name): lookup", performing: { try reader.lookup(first) }, throws: isDamageOfBlock0)
      }
      reader.cache.capacity = 64 << 20
      #expect("\(name): cached lookup", performing: { try reader.lookup(first) }, throws: isDamageOfBlock0)
      #expect("\(name): verify", performing: { try reader.verify() }, throws: isDamageOfBlock0)
      #expect("\(name): scan", performing: { try reader.forEachInPlace { _ in true } }, throws: isDamageOfBlock0)
    }
  }

  /// A writer closes a block once its entries expanded reach 64 KiB, however little they take
  /// compact: what a reader takes.
  @Test func longSharedKeysCloseBlocksAtTheirExpandedSize() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("long.snapshot")
    let writer = try SnapshotWriter(
      path: path,
      header: SnapshotHeader(
        nodeID: "n", createdMilliseconds: 1, lsn: 1, lastTimestamp: HybridTimestamp(rawValue: 1), lastRecordChecksum: 0,
        successorChecksum: 0, localOperations: 0))
    let keys = (0..<200).map { [UInt8](repeating: 0x61, count: 2_000) + Array(String(format: "%04d", $0).utf8) }
    for key in keys {
      try writer.add(key: key, entry: LocalStore.Entry(value: [], lsn: 1, timestamp: .init(rawValue: 1)))
    }
    try writer.finish()
    let reader = try SnapshotReader(path: path)
    try reader.verify()
    // 2,028 bytes each expanded: a block closes at its 33rd (64 KiB), 2,330 bytes compact.
    #expect(reader.blockCount == 7)
    #expect(try reader.lookup(keys[150])?.lsn == 1)
  }

  /// Random keys (sharing prefixes, up to 4,096 bytes), values, tombstones, origins, and LSNs and
  /// timestamps anywhere in 64 bits.
  static func randomEntries(seed: UInt64, count: Int) -> [(key: [UInt8], entry: LocalStore.Entry)] {
    var random = SplitMix64(seed: seed)
    var keys = Set<[UInt8]>()
    while keys.count < count {
      let stem = Array("k/\(random.next() % 50)/".utf8)
      let length = random.next() % 20 == 0 ? Int(random.next() % 4_000) : Int(random.next() % 6)
      keys.insert(stem + (0..<length).map { _ in UInt8(random.next() % 4) })
    }
    func anyNumber() -> UInt64 {
      switch random.next() % 4 {
      case 0: random.next()
      case 1: .max - random.next() % 3
      default: random.next() % 1_000
      }
    }
    return keys.sorted { keyPrecedes($0, $1) }.map { key in
      let isTombstone = random.next() % 5 == 0
      let origin =
        random.next() % 3 == 0
        ? Origin(
          nodeID: "peer-\(random.next() % 3)", lsn: anyNumber(), timestamp: HybridTimestamp(rawValue: anyNumber()))
        : nil
      let value = isTombstone ? [] : (0..<Int(random.next() % 300)).map { _ in UInt8(random.next() % 256) }
      return (
        key,
        LocalStore.Entry(
          value: value, lsn: anyNumber(), timestamp: HybridTimestamp(rawValue: anyNumber()), origin: origin,
          isTombstone: isTombstone)
      )
    }
  }

  /// A node upgraded from a softadastra that wrote version 1: its snapshot reads, backs up (the
  /// archive's snapshot part written anew in version 7) and restores, and its next checkpoints
  /// write version 8 over it, then version 7.
  @Test func aNodeWhoseSnapshotIsVersion1ReadsBacksUpAndCheckpointsIntoTheCurrentVersions() throws {
    let directory = TemporaryDirectory()
    let wal = directory.file("node-a.wal")
    let client = try BackupRestoreTests.client(wal)
    try client.commit((0..<20_000).map { .put(key: Array("key/\($0)".utf8), value: Array("value \($0)".utf8)) })
    try client.checkpoint()
    try client.commit([
      .put(key: Array("after".utf8), value: Array("the snapshot".utf8)), .delete(key: Array("key/7".utf8)),
    ])
    let expected = try client.textEntries()
    try client.close()

    // The snapshot written again as version 1, entry for entry, under the same header otherwise.
    let path = NodeFiles(walPath: wal).snapshots()[0].path
    let current = try SnapshotReader(path: path)
    let header = current.header
    let oldHeader = SnapshotHeader(
      nodeID: header.nodeID, createdMilliseconds: header.createdMilliseconds, lsn: header.lsn,
      lastTimestamp: header.lastTimestamp, lastRecordChecksum: header.lastRecordChecksum,
      successorChecksum: header.successorChecksum, localOperations: header.localOperations,
      syncTable: header.syncTable, layout: .fixedWidth)
    let old = try SnapshotWriter(path: directory.file("old.snapshot"), header: oldHeader)
    try current.forEach(includingTombstones: true) { (key, entry) throws(SoftadastraError) -> Bool in
      try old.add(key: key, entry: entry)
      return true
    }
    try old.finish()
    try FileManager.default.removeItem(atPath: path)
    try FileManager.default.moveItem(atPath: directory.file("old.snapshot"), toPath: path)
    #expect(try SnapshotReader(path: path).header.version == 1)

    #expect(try BackupRestoreTests.export(wal) == expected)
    let archive = directory.file("node.sdbackup")
    _ = try BackupRestoreTests.backup(wal, to: archive)
    let restoredWAL = directory.file("restored/node-a.wal")
    try FileManager.default.createDirectory(atPath: directory.file("restored"), withIntermediateDirectories: true)
    _ = try Restore.run(archive: try BackupArchive(path: archive), walPath: restoredWAL, nodeID: "node-a")
    #expect(try SnapshotReader(path: NodeFiles(walPath: restoredWAL).snapshots()[0].path).header.version == 7)
    #expect(try BackupRestoreTests.export(restoredWAL) == expected)

    // A few changes later, a delta (version 8) over the version 1 snapshot; a full checkpoint
    // merges both into version 7.
    let reopened = try BackupRestoreTests.client(wal)
    try reopened.put("later", "a delta")
    try reopened.checkpoint()
    #expect(try SnapshotReader(path: NodeFiles(walPath: wal).snapshots()[0].path).header.version == 8)
    try reopened.put("last", "a full one")
    try reopened.checkpoint(full: true)
    try reopened.close()
    #expect(try SnapshotReader(path: NodeFiles(walPath: wal).snapshots()[0].path).header.version == 7)
    #expect(try BackupRestoreTests.export(wal) == expected.merging(["later": "a delta", "last": "a full one"]) { $1 })
  }

  @Test(arguments: [1 as UInt64, 2, 3])
  func randomEntriesReadTheSameInEveryLayout(seed: UInt64) throws {
    let entries = Self.randomEntries(seed: seed, count: 3_000)
    let directory = TemporaryDirectory()
    var readers: [SnapshotReader] = []
    for layout in [SnapshotHeader.Layout.deflated, .paged, .compact, .fixedWidth] {
      let path = directory.file("\(layout).snapshot")
      let writer = try SnapshotWriter(
        path: path,
        header: SnapshotHeader(
          nodeID: "n", createdMilliseconds: 1, lsn: 9, lastTimestamp: HybridTimestamp(rawValue: 9),
          lastRecordChecksum: 1, successorChecksum: 2, localOperations: 0, layout: layout))
      for (key, entry) in entries { try writer.add(key: key, entry: entry) }
      try writer.finish()
      let reader = try SnapshotReader(path: path)
      try reader.verify()
      #expect(reader.header.layout == layout)
      var listed: [(key: [UInt8], entry: LocalStore.Entry)] = []
      try reader.forEach(includingTombstones: true) { key, entry in
        listed.append((key, entry))
        return true
      }
      #expect(listed.count == entries.count)
      let firstDifference = zip(listed, entries).enumerated().first { _, pair in
        pair.0.key != pair.1.key || pair.0.entry != pair.1.entry
      }?.offset
      #expect(firstDifference == nil, "entry \(firstDifference ?? 0) reads otherwise than written")
      // The same entries where they lie in their blocks.
      var inPlace: [(key: [UInt8], value: [UInt8], isTombstone: Bool)] = []
      try reader.forEachInPlace { stored in
        inPlace.append((Array(stored.key), Array(stored.value), stored.isTombstone))
        return true
      }
      #expect(inPlace.map(\.key) == entries.map(\.key))
      #expect(inPlace.map(\.value) == entries.map(\.entry.value))
      #expect(inPlace.map(\.isTombstone) == entries.map(\.entry.isTombstone))
      readers.append(reader)
    }
    #expect(readers[0].fileSize < readers[1].fileSize && readers[1].fileSize < readers[2].fileSize)
    // Point reads, from the file and through a cache, find every key and nothing between them.
    readers[0].cache.capacity = 1 << 20
    var random = SplitMix64(seed: seed)
    for _ in 0..<500 {
      let (key, entry) = entries[Int(random.next() % UInt64(entries.count))]
      for reader in readers {
        #expect(try reader.lookup(key, includingTombstones: true) == entry)
        #expect(
          try reader.lookup(key + [0xFF], includingTombstones: true) == entries.first { $0.key == key + [0xFF] }?.entry)
      }
    }
    // Which keys have a value, in one pass over the blocks: what point reads say, for every key
    // and for keys between them.
    let probes = Set(entries.map(\.key) + entries.map { $0.key + [0] } + [[0x61], [0x7A]]).sorted {
      keyPrecedes($0, $1)
    }
    for reader in readers {
      var expected: [Bool] = []
      for probe in probes { expected.append(try reader.lookup(probe) != nil) }
      #expect(try reader.containsValues(probes) == expected, "version \(reader.header.version)")
    }
    // Listings from a prefix, in place and by cursor, list exactly the keys with it.
    let prefixes = ["", "k/", "k/1", "k/17/", "k/3/\u{1}", "k/3/\u{3}\u{3}", "l", "a"].map { Array($0.utf8) }
    for prefix in prefixes + [entries[1_234].key, entries.last!.key + [0]] {
      let expected = entries.filter { $0.key.starts(with: prefix) }.map(\.key)
      for reader in readers {
        var listed: [[UInt8]] = []
        try reader.forEachInPlace(prefix: prefix) { stored in
          listed.append(Array(stored.key))
          return true
        }
        var cursor = reader.cursor(prefix: prefix)
        var fromCursor: [[UInt8]] = []
        while let next = try cursor.next() { fromCursor.append(next.key) }
        #expect(listed == expected && fromCursor == expected, "prefix \(prefix), version \(reader.header.version)")
      }
    }
  }
}
