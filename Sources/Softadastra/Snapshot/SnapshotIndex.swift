@_spi(Storage) import SoftadastraWAL

/// A snapshot's block index as read: its bytes, and where each block's line starts. A line's
/// fields and keys are read in place, so that opening a snapshot of millions of blocks makes no
/// array per block (a get in a new process opens one).
///
/// A line (`SnapshotBlock`): offset (UInt64), stored size, raw size, entry count and CRC (UInt32
/// each), the first key's length (UInt16) and bytes, the last key's length and bytes.
struct SnapshotIndex {
  private let bytes: [UInt8]
  private let starts: [UInt32]

  private static let fixedBytes = 24

  /// The index in `bytes`; nil when its lines run past its end or hold an empty key.
  init?(_ bytes: [UInt8]) {
    guard bytes.count <= Int(UInt32.max) else { return nil }
    let starts = bytes.withUnsafeBytes { buffer -> [UInt32]? in
      var starts: [UInt32] = []
      var position = 0
      while position < buffer.count {
        starts.append(UInt32(position))
        position += Self.fixedBytes
        for _ in 0..<2 {
          guard buffer.count - position >= 2 else { return nil }
          let length = Int(buffer.loadLittleEndian(at: position, as: UInt16.self))
          guard length > 0, buffer.count - position - 2 >= length else { return nil }
          position += 2 + length
        }
      }
      return starts
    }
    guard let starts else { return nil }
    self.bytes = bytes
    self.starts = starts
  }

  var count: Int { starts.count }
  var indices: Range<Int> { starts.indices }

  private func field<T: FixedWidthInteger>(_ block: Int, at offset: Int, as: T.Type) -> T {
    bytes.withUnsafeBytes { $0.loadLittleEndian(at: Int(starts[block]) + offset, as: T.self) }
  }

  func offset(_ block: Int) -> UInt64 { field(block, at: 0, as: UInt64.self) }
  func storedSize(_ block: Int) -> UInt32 { field(block, at: 8, as: UInt32.self) }
  func rawSize(_ block: Int) -> UInt32 { field(block, at: 12, as: UInt32.self) }
  func entryCount(_ block: Int) -> UInt32 { field(block, at: 16, as: UInt32.self) }
  /// CRC-32C of the block's stored (compressed) bytes.
  func checksum(_ block: Int) -> UInt32 { field(block, at: 20, as: UInt32.self) }

  /// Where the block's first key is in `bytes`.
  private func firstKeyRange(_ block: Int) -> Range<Int> {
    let start = Int(starts[block]) + Self.fixedBytes + 2
    return start..<start + Int(field(block, at: Self.fixedBytes, as: UInt16.self))
  }

  private func lastKeyRange(_ block: Int) -> Range<Int> {
    let lengthAt = firstKeyRange(block).upperBound
    let length = Int(bytes.withUnsafeBytes { $0.loadLittleEndian(at: lengthAt, as: UInt16.self) })
    return lengthAt + 2..<lengthAt + 2 + length
  }

  func firstKey(_ block: Int) -> ArraySlice<UInt8> { bytes[firstKeyRange(block)] }
  func lastKey(_ block: Int) -> ArraySlice<UInt8> { bytes[lastKeyRange(block)] }

  /// Block `block`'s line, decoded.
  subscript(block: Int) -> SnapshotBlock {
    SnapshotBlock(
      offset: offset(block), storedSize: storedSize(block), rawSize: rawSize(block), entryCount: entryCount(block),
      checksum: checksum(block), firstKey: Array(firstKey(block)), lastKey: Array(lastKey(block)))
  }

  /// The byte order of `key` against the bytes of `bytes` in `range`.
  private func compare(_ key: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int32 {
    bytes.withUnsafeBytes {
      SnapshotEntryCoding.compare(key, at: 0, length: key.count, with: $0, at: range.lowerBound, length: range.count)
    }
  }

  /// The block that would hold `key`: the last whose first key is not after it, when its last
  /// key is not before it.
  func block(for key: [UInt8]) -> Int? {
    key.withUnsafeBytes { wanted -> Int? in
      var (low, high) = (0, starts.count)
      while low < high {
        let middle = (low + high) / 2
        if compare(wanted, firstKeyRange(middle)) < 0 { high = middle } else { low = middle + 1 }
      }
      guard low > 0, compare(wanted, lastKeyRange(low - 1)) <= 0 else { return nil }
      return low - 1
    }
  }

  /// Whether `key` comes after every key of block `block`.
  func block(_ block: Int, endsBefore key: [UInt8]) -> Bool {
    key.withUnsafeBytes { compare($0, lastKeyRange(block)) > 0 }
  }

  /// Whether the blocks follow each other from `start` to the index at `footer.indexOffset`,
  /// with keys in increasing order and the footer's totals.
  func isLaidOut(from start: UInt64, to footer: SnapshotFooter) -> Bool {
    var offset = start
    var entries: UInt64 = 0
    var raw: UInt64 = 0
    return bytes.withUnsafeBytes { buffer -> Bool in
      func order(_ left: Range<Int>, _ right: Range<Int>) -> Int32 {
        SnapshotEntryCoding.compare(
          buffer, at: left.lowerBound, length: left.count, with: buffer, at: right.lowerBound, length: right.count)
      }
      for block in starts.indices {
        let (first, last) = (firstKeyRange(block), lastKeyRange(block))
        guard self.offset(block) == offset, entryCount(block) > 0,
          Int(rawSize(block)) <= SnapshotFormat.maxBlockRawBytes, order(first, last) <= 0
        else { return false }
        if block > 0, order(lastKeyRange(block - 1), first) >= 0 { return false }
        offset += UInt64(storedSize(block))
        entries += UInt64(entryCount(block))
        raw += UInt64(rawSize(block))
      }
      return offset == footer.indexOffset && entries == footer.entryCount && raw == footer.rawBytes
        && footer.valueCount <= footer.entryCount
    }
  }
}
