/// One block of a snapshot as its index describes it: its line, and what bounds its keys.
struct IndexedBlock {
  /// The block's number in the snapshot, from 0.
  let number: Int
  /// The lines it is one of (the whole index, or its page), and which.
  let lines: SnapshotIndex
  let line: Int
  /// The first key of the block after it, for a line without a last key (a paged index's); nil
  /// for the last block.
  let nextFirstKey: ArraySlice<UInt8>?

  var offset: UInt64 { lines.offset(line) }
  var storedSize: UInt32 { lines.storedSize(line) }
  var rawSize: UInt32 { lines.rawSize(line) }
  var entryCount: UInt32 { lines.entryCount(line) }
  var checksum: UInt32 { lines.checksum(line) }
  var firstKey: ArraySlice<UInt8> { lines.firstKey(line) }

  /// Its line for a writer; the last key is nil when the line has none.
  var snapshotBlock: SnapshotBlock {
    SnapshotBlock(
      offset: offset, storedSize: storedSize, rawSize: rawSize, entryCount: entryCount, checksum: checksum,
      firstKey: Array(firstKey), lastKey: lines.lastKey(line).map(Array.init))
  }

  /// Whether the block starts past every key that starts with `prefix` (never, for no prefix).
  func startsPast(_ prefix: [UInt8]) -> Bool {
    let first = firstKey
    return !prefix.isEmpty && !first.starts(with: prefix) && prefix.lexicographicallyPrecedes(first)
  }

  /// Whether a block whose entries run from `first` to `last` is the one the index describes:
  /// its first key, and its last key, or one before the next block's first key.
  func holds(first: ArraySlice<UInt8>, last: ArraySlice<UInt8>) -> Bool {
    guard first.elementsEqual(firstKey) else { return false }
    if let lastKey = lines.lastKey(line) { return last.elementsEqual(lastKey) }
    guard let nextFirstKey else { return true }
    return last.lexicographicallyPrecedes(nextFirstKey)
  }
}
