@_spi(Storage) import SoftadastraWAL

/// Finding blocks in a snapshot's index: every line read at open (versions 1 to 4), or a page
/// table read at open and each page read, checked and kept when first needed (versions 5 to 8).
extension SnapshotReader {
  enum Index {
    case whole(SnapshotIndex)
    case paged(SnapshotPageTable, pages: Locked<[SnapshotIndex?]>)

    /// The index in `bytes` (the footer's), when it describes the file: blocks back to back from
    /// `blocksStart` on, keys in increasing order, the footer's counts of blocks, entries and raw
    /// bytes. A paged index's pages are checked against the table as they are read.
    init?(_ bytes: [UInt8], header: SnapshotHeader, footer: SnapshotFooter, blocksStart: UInt64) {
      guard footer.valueCount <= footer.entryCount else { return nil }
      if header.pagedIndex {
        guard let table = SnapshotPageTable(bytes, deflatedPages: header.deflatedLayout),
          table.isLaidOut(blocksStart: blocksStart, tableOffset: footer.indexOffset, footer: footer)
        else { return nil }
        self = .paged(table, pages: Locked(Array(repeating: nil, count: table.count)))
      } else {
        guard let index = SnapshotIndex(bytes), index.count == Int(footer.blockCount),
          let laid = index.layout(from: blocksStart), laid.end == footer.indexOffset,
          laid.entries == footer.entryCount, laid.rawBytes == footer.rawBytes
        else { return nil }
        self = .whole(index)
      }
    }
  }

  /// Block `number` (below `blockCount`) as the index describes it.
  func indexedBlock(_ number: Int) throws(SoftadastraError) -> IndexedBlock {
    switch index {
    case .whole(let lines): return IndexedBlock(number: number, lines: lines, line: number, nextFirstKey: nil)
    case .paged(let table, let pages):
      let page = table.page(holdingBlock: number)
      return try indexedBlock(line: number - table.firstBlock(page), page: page, of: table, pages)
    }
  }

  /// The block that may hold `key`; nil when none may.
  func block(for key: [UInt8]) throws(SoftadastraError) -> IndexedBlock? {
    switch index {
    case .whole(let lines):
      return lines.block(for: key).map { IndexedBlock(number: $0, lines: lines, line: $0, nextFirstKey: nil) }
    case .paged(let table, let pages):
      guard let page = table.lastPage(startingAtOrBefore: key),
        let line = try self.page(page, of: table, pages).lastBlock(startingAtOrBefore: key)
      else { return nil }
      return try indexedBlock(line: line, page: page, of: table, pages)
    }
  }

  /// The first block that may hold `key` or keys after it: where a listing from `key` starts
  /// (`blockCount` when no block does).
  func firstBlock(notBefore key: [UInt8]) throws(SoftadastraError) -> Int {
    guard !key.isEmpty else { return 0 }
    switch index {
    case .whole(let lines):
      guard let block = lines.lastBlock(startingAtOrBefore: key) else { return 0 }
      return lines.block(block, endsBefore: key) ? block + 1 : block
    case .paged(let table, let pages):
      guard let page = table.lastPage(startingAtOrBefore: key) else { return 0 }
      let line = try self.page(page, of: table, pages).lastBlock(startingAtOrBefore: key) ?? 0
      return table.firstBlock(page) + line
    }
  }

  private func indexedBlock(line: Int, page: Int, of table: SnapshotPageTable, _ pages: Locked<[SnapshotIndex?]>)
    throws(SoftadastraError) -> IndexedBlock
  {
    let lines = try self.page(page, of: table, pages)
    let next =
      line + 1 < lines.count ? lines.firstKey(line + 1) : page + 1 < table.count ? table.firstKey(page + 1) : nil
    return IndexedBlock(number: table.firstBlock(page) + line, lines: lines, line: line, nextFirstKey: next)
  }

  /// Page `page` of the index, kept, or read and checked: its CRC, its lines (inflated to the
  /// size the table gives, when deflated; as many as the table says, the first key the table
  /// gives, keys in increasing order and before the next page's first, the entries and raw bytes
  /// the table gives), and its blocks back to back up to the next page's first block.
  private func page(_ page: Int, of table: SnapshotPageTable, _ pages: Locked<[SnapshotIndex?]>)
    throws(SoftadastraError) -> SnapshotIndex
  {
    if let kept = pages.withLock({ $0[page] }) { return kept }
    let (offset, size) = (table.offset(page), Int(table.size(page)))
    var bytes = try read(size, at: offset)
    guard bytes.count == size, CRC32C.checksum(bytes) == table.checksum(page) else {
      throw Self.damage(path, .at(offset, "page \(page) of its block index fails its checksum"))
    }
    if table.deflatedPages {
      let linesSize = Int(table.linesSize(page))
      let inflated = try bytes.withUnsafeBytes { buffer in
        Result { () throws(SoftadastraError) in try Zlib.decompressRaw(buffer, size: linesSize, dictionary: []) }
      }.get()
      guard let inflated else {
        throw Self.damage(path, .at(offset, "page \(page) of its block index does not inflate to its recorded size"))
      }
      bytes = inflated
    }
    let firstOffset = table.firstBlockOffset(page)
    let blocksEnd =
      page + 1 < table.count ? table.firstBlockOffset(page + 1) : table.pagesStart(tableOffset: footer.indexOffset)
    guard let lines = SnapshotIndex(page: bytes, firstOffset: firstOffset), lines.count == table.blockCount(page),
      lines.firstKey(0).elementsEqual(table.firstKey(page)), let laid = lines.layout(from: firstOffset),
      laid.end == blocksEnd, laid.entries == table.entryCount(page), laid.rawBytes == table.rawBytes(page),
      page + 1 == table.count || lines.block(lines.count - 1, startsBefore: table.firstKey(page + 1))
    else {
      throw Self.damage(path, .at(offset, "page \(page) of its block index does not describe the file"))
    }
    pages.withLock { $0[page] = lines }
    return lines
  }
}
