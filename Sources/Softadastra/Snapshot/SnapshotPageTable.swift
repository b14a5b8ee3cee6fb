@_spi(Storage) import SoftadastraWAL

/// The page table of a version 5 to 8 snapshot, as read: one line per page of the block index, in
/// key order, so that a point read reads this table and one page (`SnapshotIndex(page:)`), not
/// every block's line.
///
/// A line: the page's offset (UInt64), size and CRC-32C (UInt32 each), its block count (UInt32),
/// where its first block starts (UInt64), its blocks' entries and raw bytes (UInt64 each), in
/// versions 7 and 8 the size of its lines once inflated (UInt32), and its first block's first
/// key: length (UInt16) and bytes.
struct SnapshotPageTable: Sendable {
  private let bytes: [UInt8]
  private let starts: [UInt32]
  /// The number of each page's first block, then the number of blocks.
  private let firstBlocks: [Int]
  /// Whether pages are deflated, their lines' size in each line (versions 7 and 8).
  let deflatedPages: Bool
  /// A line's bytes before its first key's length.
  private let fixedBytes: Int

  /// The table in `bytes`; nil when its lines run past its end, hold an empty key or a page of
  /// no block.
  init?(_ bytes: [UInt8], deflatedPages: Bool) {
    guard bytes.count <= Int(UInt32.max) else { return nil }
    let fixedBytes = deflatedPages ? 48 : 44
    let parsed = bytes.withUnsafeBytes { buffer -> (starts: [UInt32], firstBlocks: [Int])? in
      var starts: [UInt32] = []
      var firstBlocks = [0]
      var position = 0
      while position < buffer.count {
        guard buffer.count - position >= fixedBytes + 2 else { return nil }
        let blocks = Int(buffer.loadLittleEndian(at: position + 16, as: UInt32.self))
        let length = Int(buffer.loadLittleEndian(at: position + fixedBytes, as: UInt16.self))
        guard blocks > 0, length > 0, buffer.count - position - fixedBytes - 2 >= length else { return nil }
        starts.append(UInt32(position))
        firstBlocks.append(firstBlocks.last! + blocks)
        position += fixedBytes + 2 + length
      }
      return (starts, firstBlocks)
    }
    guard let parsed else { return nil }
    self.bytes = bytes
    self.starts = parsed.starts
    self.firstBlocks = parsed.firstBlocks
    self.deflatedPages = deflatedPages
    self.fixedBytes = fixedBytes
  }

  /// The number of pages.
  var count: Int { starts.count }
  /// The number of blocks in all pages.
  var blockCount: Int { firstBlocks.last! }

  private func field<T: FixedWidthInteger>(_ page: Int, at offset: Int, as: T.Type) -> T {
    bytes.withUnsafeBytes { $0.loadLittleEndian(at: Int(starts[page]) + offset, as: T.self) }
  }

  func offset(_ page: Int) -> UInt64 { field(page, at: 0, as: UInt64.self) }
  func size(_ page: Int) -> UInt32 { field(page, at: 8, as: UInt32.self) }
  /// CRC-32C of the page's bytes.
  func checksum(_ page: Int) -> UInt32 { field(page, at: 12, as: UInt32.self) }
  func blockCount(_ page: Int) -> Int { firstBlocks[page + 1] - firstBlocks[page] }
  /// Where the page's first block starts in the file.
  func firstBlockOffset(_ page: Int) -> UInt64 { field(page, at: 20, as: UInt64.self) }
  /// The number of the page's first block.
  func firstBlock(_ page: Int) -> Int { firstBlocks[page] }
  /// The entries of the page's blocks, and their uncompressed bytes.
  func entryCount(_ page: Int) -> UInt64 { field(page, at: 28, as: UInt64.self) }
  func rawBytes(_ page: Int) -> UInt64 { field(page, at: 36, as: UInt64.self) }
  /// The size of the page's lines: inflated, for a deflated page.
  func linesSize(_ page: Int) -> UInt32 { deflatedPages ? field(page, at: 44, as: UInt32.self) : size(page) }

  private func firstKeyRange(_ page: Int) -> Range<Int> {
    let start = Int(starts[page]) + fixedBytes + 2
    return start..<start + Int(field(page, at: fixedBytes, as: UInt16.self))
  }

  /// The first key of the page's first block.
  func firstKey(_ page: Int) -> ArraySlice<UInt8> { bytes[firstKeyRange(page)] }

  /// Where the pages start: after the last block.
  func pagesStart(tableOffset: UInt64) -> UInt64 { count == 0 ? tableOffset : offset(0) }

  /// The page that holds block `block` (below `blockCount`).
  func page(holdingBlock block: Int) -> Int {
    var (low, high) = (0, count)
    while low < high {
      let middle = (low + high) / 2
      if firstBlocks[middle + 1] <= block { low = middle + 1 } else { high = middle }
    }
    return low
  }

  /// The last page whose first key is not after `key`; nil when every page's is.
  func lastPage(startingAtOrBefore key: [UInt8]) -> Int? {
    SnapshotEntryCoding.lastLine(of: starts.count, in: bytes, startingAtOrBefore: key, firstKey: firstKeyRange)
  }

  /// Whether the blocks start at `blocksStart` in increasing offsets and first keys, page after
  /// page, the pages lie back to back after them up to `tableOffset`, the table's, and their
  /// blocks, entries and raw bytes add up to the footer's.
  func isLaidOut(blocksStart: UInt64, tableOffset: UInt64, footer: SnapshotFooter) -> Bool {
    var (entries, raw): (UInt64, UInt64) = (0, 0)
    for page in 0..<count {
      // Each block has a line of 19 bytes at least, an entry at least, and each entry a byte at
      // least: counts a page's size bounds, so no sum of them nears 2^64.
      let blocks = UInt64(blockCount(page))
      let (largest, largestOverflow) = blocks.multipliedReportingOverflow(by: UInt64(SnapshotFormat.maxBlockRawBytes))
      guard blocks * 19 <= UInt64(linesSize(page)),
        linesSize(page) <= SnapshotFormat.maxPageLinesBytes || !deflatedPages,
        blocks <= entryCount(page), entryCount(page) <= rawBytes(page),
        !largestOverflow, rawBytes(page) <= largest
      else { return false }
      let (moreEntries, entriesOverflow) = entries.addingReportingOverflow(entryCount(page))
      let (moreRaw, rawOverflow) = raw.addingReportingOverflow(rawBytes(page))
      guard !entriesOverflow, !rawOverflow else { return false }
      (entries, raw) = (moreEntries, moreRaw)
    }
    guard blockCount == Int(footer.blockCount), entries == footer.entryCount, raw == footer.rawBytes else {
      return false
    }
    guard count > 0 else { return blocksStart == tableOffset }
    guard firstBlockOffset(0) == blocksStart, offset(0) <= tableOffset else { return false }
    var pageOffset = offset(0)
    for page in 0..<count {
      guard offset(page) == pageOffset, size(page) > 0, UInt64(size(page)) <= tableOffset - pageOffset,
        firstBlockOffset(page) < offset(0)
      else { return false }
      pageOffset += UInt64(size(page))
      if page > 0 {
        guard firstBlockOffset(page - 1) < firstBlockOffset(page) else { return false }
        let (left, right) = (firstKeyRange(page - 1), firstKeyRange(page))
        let order = bytes.withUnsafeBytes {
          SnapshotEntryCoding.compare(
            $0, at: left.lowerBound, length: left.count, with: $0, at: right.lowerBound, length: right.count)
        }
        guard order < 0 else { return false }
      }
    }
    return pageOffset == tableOffset
  }
}
