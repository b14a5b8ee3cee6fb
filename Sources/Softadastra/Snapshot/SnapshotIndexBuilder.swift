@_spi(Storage) import SoftadastraWAL

/// The block index a writer builds as it writes blocks: every line in one index (versions 1 to
/// 4), or lines in pages of about `SnapshotFormat.pageTargetBytes` under a page table (versions 5
/// to 8, each page deflated in 7 and 8; `SnapshotIndex` and `SnapshotPageTable` read them).
struct SnapshotIndexBuilder {
  let paged: Bool
  /// Compresses each closed page (versions 7 and 8), whose table line then gives its size as
  /// lines too.
  private let pageDeflater: Zlib.RawDeflater?
  /// Every line so far, pages back to back.
  private var lines: [UInt8] = []
  /// The closed pages as stored, back to back: deflated, or `lines` up to the open page.
  private var stored: [UInt8] = []
  /// The closed pages: where each is in `lines`, with its page table line but for its offset.
  private var pages: [Page] = []
  /// Where the open page starts in `lines`, its blocks, their entries and raw bytes, and its first
  /// block's place and key.
  private var pageStart = 0
  private var pageBlocks: UInt32 = 0
  private var pageEntries: UInt64 = 0
  private var pageRawBytes: UInt64 = 0
  private var pageFirstBlock: (offset: UInt64, key: [UInt8]) = (0, [])

  private struct Page {
    /// Where the page is in `stored`, and its size there and as lines.
    let start: Int
    let size: Int
    let linesSize: Int
    let checksum: UInt32
    let blocks: UInt32
    let entries: UInt64
    let rawBytes: UInt64
    let firstBlock: (offset: UInt64, key: [UInt8])
  }

  init(paged: Bool, pageDeflater: Zlib.RawDeflater? = nil) {
    self.paged = paged
    self.pageDeflater = pageDeflater
  }

  /// Adds the line of the block after the last.
  mutating func add(_ block: SnapshotBlock) throws(SoftadastraError) {
    guard paged else { return block.append(to: &lines) }
    if pageBlocks == 0 { pageFirstBlock = (block.offset, block.firstKey) }
    block.appendPaged(to: &lines)
    pageBlocks += 1
    pageEntries += UInt64(block.entryCount)
    pageRawBytes += UInt64(block.rawSize)
    if lines.count - pageStart >= SnapshotFormat.pageTargetBytes { try closePage() }
  }

  private mutating func closePage() throws(SoftadastraError) {
    guard pageBlocks > 0 else { return }
    let page = Array(lines[pageStart...])
    let start = stored.count
    if let pageDeflater { stored += try pageDeflater.compress(page) } else { stored += page }
    pages.append(
      Page(
        start: start, size: stored.count - start, linesSize: page.count, checksum: CRC32C.checksum(stored[start...]),
        blocks: pageBlocks, entries: pageEntries, rawBytes: pageRawBytes, firstBlock: pageFirstBlock))
    pageStart = lines.count
    (pageBlocks, pageEntries, pageRawBytes) = (0, 0, 0)
  }

  /// What follows the blocks when the index is written at `offset`: the lines, or for a paged
  /// index the pages as stored and the page table after them (the footer describes the table,
  /// else the lines).
  mutating func finish(at offset: UInt64) throws(SoftadastraError) -> (lines: [UInt8], table: [UInt8]?) {
    guard paged else { return (lines, nil) }
    try closePage()
    var table: [UInt8] = []
    for page in pages {
      table.appendLittleEndian(offset + UInt64(page.start))
      table.appendLittleEndian(UInt32(page.size))
      table.appendLittleEndian(page.checksum)
      table.appendLittleEndian(page.blocks)
      table.appendLittleEndian(page.firstBlock.offset)
      table.appendLittleEndian(page.entries)
      table.appendLittleEndian(page.rawBytes)
      if pageDeflater != nil { table.appendLittleEndian(UInt32(page.linesSize)) }
      table.appendLittleEndian(UInt16(page.firstBlock.key.count))
      table.append(contentsOf: page.firstBlock.key)
    }
    return (stored, table)
  }
}
