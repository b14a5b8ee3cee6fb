@_spi(Storage) import SoftadastraWAL

/// Lines of a snapshot's block index as read, one per block: its bytes, and where each line
/// starts. A line's fields and keys are read in place, so that opening a snapshot of millions of
/// blocks makes no array per block (a get in a new process opens one).
///
/// Versions 1 to 4 hold every line in one index: offset (UInt64), stored size, raw size, entry
/// count and CRC (UInt32 each), the first key's length (UInt16) and bytes, the last key's length
/// and bytes. Versions 5 to 8 hold them in pages (`SnapshotPageTable`), and a paged line has
/// neither offset nor last key: a block starts where the one before ends (the page table gives
/// where the page's first block starts), and ends before the next block's first key.
struct SnapshotIndex: Sendable {
  private let bytes: [UInt8]
  private let starts: [UInt32]
  /// Each block's offset, for a paged line (which leaves it implied); empty for a whole index.
  private let offsets: [UInt64]

  /// Bytes before a line's first key: offset, sizes, count, CRC; without the offset in a page.
  private let fixedBytes: Int

  /// The whole index of a version 1 to 4 snapshot in `bytes`; nil when its lines run past its
  /// end or hold an empty key.
  init?(_ bytes: [UInt8]) { self.init(bytes, keys: 2, firstOffset: nil) }

  /// A page of a paged index in `bytes`, its first block at `firstOffset`; nil when its lines
  /// run past its end or hold an empty key, or its blocks past 2^64.
  init?(page bytes: [UInt8], firstOffset: UInt64) { self.init(bytes, keys: 1, firstOffset: firstOffset) }

  private init?(_ bytes: [UInt8], keys: Int, firstOffset: UInt64?) {
    guard bytes.count <= Int(UInt32.max) else { return nil }
    let fixedBytes = firstOffset == nil ? 24 : 16
    let parsed = bytes.withUnsafeBytes { buffer -> (starts: [UInt32], offsets: [UInt64])? in
      var starts: [UInt32] = []
      var offsets: [UInt64] = []
      var (position, offset) = (0, firstOffset ?? 0)
      while position < buffer.count {
        starts.append(UInt32(position))
        if firstOffset != nil {
          guard buffer.count - position >= fixedBytes else { return nil }
          offsets.append(offset)
          let (next, overflow) = offset.addingReportingOverflow(
            UInt64(buffer.loadLittleEndian(at: position, as: UInt32.self)))
          guard !overflow else { return nil }
          offset = next
        }
        position += fixedBytes
        for _ in 0..<keys {
          guard buffer.count - position >= 2 else { return nil }
          let length = Int(buffer.loadLittleEndian(at: position, as: UInt16.self))
          guard length > 0, buffer.count - position - 2 >= length else { return nil }
          position += 2 + length
        }
      }
      return (starts, offsets)
    }
    guard let parsed, firstOffset == nil || !parsed.starts.isEmpty else { return nil }
    self.bytes = bytes
    self.starts = parsed.starts
    self.offsets = parsed.offsets
    self.fixedBytes = fixedBytes
  }

  var count: Int { starts.count }
  var indices: Range<Int> { starts.indices }

  private func field<T: FixedWidthInteger>(_ block: Int, at offset: Int, as: T.Type) -> T {
    bytes.withUnsafeBytes { $0.loadLittleEndian(at: Int(starts[block]) + offset, as: T.self) }
  }

  /// Where the fields after the offset start in a line.
  private var sizesAt: Int { fixedBytes - 16 }

  func offset(_ block: Int) -> UInt64 { offsets.isEmpty ? field(block, at: 0, as: UInt64.self) : offsets[block] }
  func storedSize(_ block: Int) -> UInt32 { field(block, at: sizesAt, as: UInt32.self) }
  func rawSize(_ block: Int) -> UInt32 { field(block, at: sizesAt + 4, as: UInt32.self) }
  func entryCount(_ block: Int) -> UInt32 { field(block, at: sizesAt + 8, as: UInt32.self) }
  /// CRC-32C of the block's stored (compressed) bytes.
  func checksum(_ block: Int) -> UInt32 { field(block, at: sizesAt + 12, as: UInt32.self) }

  /// Where the block's first key is in `bytes`.
  private func firstKeyRange(_ block: Int) -> Range<Int> {
    let start = Int(starts[block]) + fixedBytes + 2
    return start..<start + Int(field(block, at: fixedBytes, as: UInt16.self))
  }

  /// Where the block's last key is in `bytes`: nil in a page, whose lines have none.
  private func lastKeyRange(_ block: Int) -> Range<Int>? {
    guard offsets.isEmpty else { return nil }
    let lengthAt = firstKeyRange(block).upperBound
    let length = Int(bytes.withUnsafeBytes { $0.loadLittleEndian(at: lengthAt, as: UInt16.self) })
    return lengthAt + 2..<lengthAt + 2 + length
  }

  func firstKey(_ block: Int) -> ArraySlice<UInt8> { bytes[firstKeyRange(block)] }
  /// The block's last key; nil in a page (the next block's first key bounds it).
  func lastKey(_ block: Int) -> ArraySlice<UInt8>? { lastKeyRange(block).map { bytes[$0] } }

  /// The byte order of `key` against the bytes of `bytes` in `range`.
  private func compare(_ key: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int32 {
    bytes.withUnsafeBytes {
      SnapshotEntryCoding.compare(key, at: 0, length: key.count, with: $0, at: range.lowerBound, length: range.count)
    }
  }

  /// The last block whose first key is not after `key`; nil when every block's is.
  func lastBlock(startingAtOrBefore key: [UInt8]) -> Int? {
    SnapshotEntryCoding.lastLine(of: starts.count, in: bytes, startingAtOrBefore: key, firstKey: firstKeyRange)
  }

  /// The block that may hold `key`: the last whose first key is not after it, when its last key
  /// (where lines have one) is not before it.
  func block(for key: [UInt8]) -> Int? {
    guard let candidate = lastBlock(startingAtOrBefore: key) else { return nil }
    return block(candidate, endsBefore: key) ? nil : candidate
  }

  /// Whether `key` comes after every key of block `block`, as far as its line says (never, for
  /// a line without a last key).
  func block(_ block: Int, endsBefore key: [UInt8]) -> Bool {
    guard let range = lastKeyRange(block) else { return false }
    return key.withUnsafeBytes { compare($0, range) > 0 }
  }

  /// Whether the first key of block `block` is before `key`.
  func block(_ block: Int, startsBefore key: ArraySlice<UInt8>) -> Bool {
    key.withUnsafeBytes { compare($0, firstKeyRange(block)) > 0 }
  }

  /// What the lines add up to, when the blocks follow each other from `start`, each holding at
  /// least one entry and at most the largest raw size, with keys in increasing order; nil when
  /// they do not.
  func layout(from start: UInt64) -> (end: UInt64, entries: UInt64, rawBytes: UInt64)? {
    var offset = start
    var entries: UInt64 = 0
    var raw: UInt64 = 0
    return bytes.withUnsafeBytes { buffer -> (UInt64, UInt64, UInt64)? in
      func order(_ left: Range<Int>, _ right: Range<Int>) -> Int32 {
        SnapshotEntryCoding.compare(
          buffer, at: left.lowerBound, length: left.count, with: buffer, at: right.lowerBound, length: right.count)
      }
      for block in starts.indices {
        let first = firstKeyRange(block)
        guard self.offset(block) == offset, entryCount(block) > 0,
          Int(rawSize(block)) <= SnapshotFormat.maxBlockRawBytes
        else { return nil }
        if let last = lastKeyRange(block), order(first, last) > 0 { return nil }
        if block > 0, order(lastKeyRange(block - 1) ?? firstKeyRange(block - 1), first) >= 0 { return nil }
        offset += UInt64(storedSize(block))
        entries += UInt64(entryCount(block))
        raw += UInt64(rawSize(block))
      }
      return (offset, entries, raw)
    }
  }
}
