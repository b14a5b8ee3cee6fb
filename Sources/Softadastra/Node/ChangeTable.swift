@_spi(Storage) import SoftadastraWAL

#if canImport(Glibc)
  import Glibc
#endif

/// The keys a node changed after its snapshot, with their entries, packed to take little more
/// memory than their bytes: keys and values laid end to end in large shared chunks, one small
/// fixed-size slot per key, and an open-addressing index of slot numbers, each beside 32 bits of
/// its key's hash (a probe compares keys only when those match). A value no
/// longer than the one it replaces is written in its place; a longer one at the end, and once
/// the bytes left behind so outweigh the live ones, the chunks are written again without them.
///
/// About 1.5x the raw key and value bytes for 16-byte keys and 100-byte values, against 3x for a
/// `Dictionary` of arrays (one heap object per key and per value, and a wide entry per slot).
struct ChangeTable {
  /// Where a key's bytes and its value's bytes lie, and the rest of its entry.
  private struct Slot {
    var chunk: UInt32
    var offset: UInt32
    var valueLength: UInt32
    var keyLength: UInt16
    var isTombstone: Bool
    var lsn: UInt64
    var timestamp: HybridTimestamp
    /// Index in `origins`, or -1 for a write of this node.
    var origin: Int32
  }

  private static let chunkBytes = 1 << 20
  /// Bytes left behind by keys written again elsewhere, before the chunks are rewritten.
  private static let compactionFloor = 32 << 20
  private var chunks: [[UInt8]] = []
  /// Whether each chunk is one that small records share (not a large record's own).
  private var shared: [Bool] = []
  /// The chunk small records go to (a record larger than a chunk gets one of its own).
  private var current = -1
  private var liveBytes = 0
  private var deadBytes = 0
  private var slots: [Slot] = []
  /// For each position, 0 when empty, else the slot number + 1 in the low 32 bits and the high
  /// 32 bits of its key's hash above them; a power of two long, at most 3/4 full.
  private var index: [UInt64] = []
  private var origins: [Origin] = []

  /// The number of keys (tombstones included).
  var count: Int { slots.count }

  /// `key`'s entry or tombstone.
  subscript(key: [UInt8]) -> LocalStore.Entry? {
    guard let slot = find(key).slot else { return nil }
    return entry(slots[slot])
  }

  /// Sets `key`'s entry (or tombstone).
  mutating func set(_ key: [UInt8], _ entry: LocalStore.Entry) {
    if (slots.count + 1) * 4 > index.count * 3 { grow(to: max(16, index.count * 2)) }
    let (position, existing, tag) = find(key)
    let value = entry.isTombstone ? [] : entry.value
    var slot: Slot
    if let existing, value.count <= Int(slots[existing].valueLength) {
      // In place: the key is the same, the value fits where the old one was.
      slot = slots[existing]
      let start = Int(slot.offset) + Int(slot.keyLength)
      if !value.isEmpty {
        chunks[Int(slot.chunk)].withUnsafeMutableBytes { chunk in
          value.withUnsafeBytes {
            chunk.baseAddress!.advanced(by: start).copyMemory(from: $0.baseAddress!, byteCount: $0.count)
          }
        }
      }
      deadBytes += Int(slot.valueLength) - value.count
      liveBytes -= Int(slot.valueLength) - value.count
      slot.valueLength = UInt32(value.count)
    } else {
      if let existing { retire(slots[existing]) }
      let origin = existing.map { slots[$0].origin } ?? -1
      slot = store(key, value)
      slot.origin = origin
    }
    slot.isTombstone = entry.isTombstone
    slot.lsn = entry.lsn
    slot.timestamp = entry.timestamp
    // A key written again by a peer reuses its place in `origins`.
    switch (entry.origin, slot.origin >= 0) {
    case (let origin?, true): origins[Int(slot.origin)] = origin
    case (let origin?, false):
      slot.origin = Int32(origins.count)
      origins.append(origin)
    case (nil, true):
      deadBytes += MemoryLayout<Origin>.stride
      slot.origin = -1
    case (nil, false): break
    }
    if let existing {
      slots[existing] = slot
    } else {
      // A slot number takes the index entry's low 32 bits.
      precondition(slots.count < UInt32.max, "a change table holds fewer than 2^32 keys")
      slots.append(slot)
      index[position] = tag | UInt64(slots.count)
    }
    if deadBytes > Self.compactionFloor, deadBytes > liveBytes { compact() }
  }

  /// Removes every key, keeping the memory the table took: the chunks of the usual size, the
  /// slots and the index, for the next keys to fill. A replay that spills refills its table again
  /// and again; freed, its memory came back from the system each time as new pages, cleared
  /// and mapped one by one (a quarter of a snapshot's build).
  mutating func removeAllKeepingStorage() {
    var kept: [[UInt8]] = []
    for index in chunks.indices where shared[index] {
      var chunk: [UInt8] = []
      swap(&chunk, &chunks[index])  // the only reference, so that emptying it keeps its memory
      chunk.removeAll(keepingCapacity: true)
      kept.append(chunk)
    }
    chunks = kept
    shared = Array(repeating: true, count: kept.count)
    current = chunks.isEmpty ? -1 : 0
    (liveBytes, deadBytes) = (0, 0)
    slots.removeAll(keepingCapacity: true)
    index.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    origins.removeAll()
  }

  /// Makes room for `count` more keys without growing the index on the way.
  mutating func reserveCapacity(_ count: Int) {
    slots.reserveCapacity(count)
    var size = max(16, index.count)
    while count * 4 > size * 3 { size *= 2 }
    if size > index.count { grow(to: size) }
  }

  /// A table of the keys last changed after `lsn` alone (what stays in memory once a snapshot at
  /// `lsn` holds the rest): a pass over the slots, copying only the keys kept.
  func changed(after lsn: UInt64) -> ChangeTable {
    var kept = ChangeTable()
    for slot in slots where slot.lsn > lsn { kept.set(key(slot), entry(slot)) }
    return kept
  }

  /// Every key with its entry, in the order they were first set.
  func forEach<Failure: Error>(_ body: ([UInt8], LocalStore.Entry) throws(Failure) -> Void) throws(Failure) {
    for slot in slots { try body(key(slot), entry(slot)) }
  }

  /// The keys starting with `prefix`, in byte order.
  func sortedKeys(prefix: [UInt8] = []) -> [[UInt8]] { sortedSlots(prefix: prefix).map(key(atSlot:)) }

  /// The slot numbers of the keys starting with `prefix`, in their keys' byte order: sorted by
  /// comparing the bytes where they lie, with no key copied out and none looked up again.
  func sortedSlots(prefix: [UInt8] = []) -> [Int] {
    var numbers = prefix.isEmpty ? Array(slots.indices) : slots.indices.filter { key(atSlot: $0).starts(with: prefix) }
    numbers.sort { a, b in
      let (left, right) = (slots[a], slots[b])
      return chunks[Int(left.chunk)].withUnsafeBytes { leftChunk in
        chunks[Int(right.chunk)].withUnsafeBytes { rightChunk in
          SnapshotEntryCoding.compare(
            leftChunk, at: Int(left.offset), length: Int(left.keyLength), with: rightChunk, at: Int(right.offset),
            length: Int(right.keyLength)) < 0
        }
      }
    }
    return numbers
  }

  /// The key in slot `number` (a number `sortedSlots` gave).
  func key(atSlot number: Int) -> [UInt8] { key(slots[number]) }

  /// The entry or tombstone in slot `number`.
  func entry(atSlot number: Int) -> LocalStore.Entry { entry(slots[number]) }

  /// The bytes the chunks hold, live and left behind.
  var storedBytes: Int { chunks.reduce(0) { $0 + $1.count } }

  /// The memory the chunks take, filled or not.
  var heldBytes: Int { chunks.reduce(0) { $0 + $1.capacity } }

  /// How many keys have a value (not a tombstone).
  var valueCount: Int { slots.count { !$0.isTombstone } }

  // MARK: - Storage

  private func key(_ slot: Slot) -> [UInt8] {
    let start = Int(slot.offset)
    return Array(chunks[Int(slot.chunk)][start..<start + Int(slot.keyLength)])
  }

  private func entry(_ slot: Slot) -> LocalStore.Entry {
    let start = Int(slot.offset) + Int(slot.keyLength)
    return LocalStore.Entry(
      value: Array(chunks[Int(slot.chunk)][start..<start + Int(slot.valueLength)]), lsn: slot.lsn,
      timestamp: slot.timestamp, origin: slot.origin < 0 ? nil : origins[Int(slot.origin)],
      isTombstone: slot.isTombstone)
  }

  /// Appends the key's and the value's bytes to the chunks; a slot that points at them.
  private mutating func store(_ key: [UInt8], _ value: [UInt8]) -> Slot {
    let size = key.count + value.count
    let target: Int
    if size > Self.chunkBytes / 2 {
      // A large record gets a chunk of its own; small ones go on filling the current one.
      chunks.append([])
      chunks[chunks.count - 1].reserveCapacity(size)
      shared.append(false)
      target = chunks.count - 1
    } else {
      if current < 0 || chunks[current].capacity - chunks[current].count < size {
        // The next chunk kept empty by `removeAllKeepingStorage`, else a new one.
        if let kept = chunks.indices.dropFirst(current + 1).first(where: { shared[$0] && chunks[$0].isEmpty }) {
          current = kept
        } else {
          chunks.append([])
          chunks[chunks.count - 1].reserveCapacity(Self.chunkBytes)
          shared.append(true)
          current = chunks.count - 1
        }
      }
      target = current
    }
    let offset = chunks[target].count
    chunks[target].append(contentsOf: key)
    chunks[target].append(contentsOf: value)
    liveBytes += size
    return Slot(
      chunk: UInt32(target), offset: UInt32(offset), valueLength: UInt32(value.count), keyLength: UInt16(key.count),
      isTombstone: false, lsn: 0, timestamp: HybridTimestamp(rawValue: 0), origin: -1)
  }

  /// Counts a slot's bytes as left behind (its key is written again elsewhere).
  private mutating func retire(_ slot: Slot) {
    let size = Int(slot.keyLength) + Int(slot.valueLength)
    liveBytes -= size
    deadBytes += size
  }

  /// Writes the chunks (and the origins) again with the live records alone, in slot order.
  private mutating func compact() {
    var table = ChangeTable()
    table.reserveCapacity(slots.count)
    for slot in slots { table.set(key(slot), entry(slot)) }
    self = table
  }

  // MARK: - Index

  /// A key's hash: its low bits place it (as many as the index needs), its high 32 bits (as
  /// `tag`, left in place) go beside its slot number.
  private static func hash(_ bytes: UnsafeRawBufferPointer) -> (place: Int, tag: UInt64) {
    var hasher = Hasher()
    hasher.combine(bytes: bytes)
    let bits = UInt64(truncatingIfNeeded: hasher.finalize())
    return (Int(truncatingIfNeeded: bits), bits & 0xFFFF_FFFF_0000_0000)
  }

  /// The index position that holds `key`'s slot, or the empty one where it would go, and the
  /// tag of its hash.
  private func find(_ key: [UInt8]) -> (position: Int, slot: Int?, tag: UInt64) {
    key.withUnsafeBytes { wanted in
      let (place, tag) = Self.hash(wanted)
      guard !index.isEmpty else { return (0, nil, tag) }
      let mask = index.count - 1
      var position = place & mask
      while true {
        let entry = index[position]
        if entry == 0 { return (position, nil, tag) }
        if entry & 0xFFFF_FFFF_0000_0000 == tag {
          let number = Int(entry & 0xFFFF_FFFF) - 1
          let slot = slots[number]
          if Int(slot.keyLength) == wanted.count {
            let same = chunks[Int(slot.chunk)].withUnsafeBytes { chunk in
              wanted.isEmpty || memcmp(chunk.baseAddress! + Int(slot.offset), wanted.baseAddress!, wanted.count) == 0
            }
            if same { return (position, number, tag) }
          }
        }
        position = (position + 1) & mask
      }
    }
  }

  private mutating func grow(to size: Int) {
    index = [UInt64](repeating: 0, count: size)
    let mask = size - 1
    for (number, slot) in slots.enumerated() {
      let start = Int(slot.offset)
      let (place, tag) = chunks[Int(slot.chunk)].withUnsafeBytes { chunk in
        Self.hash(UnsafeRawBufferPointer(rebasing: chunk[start..<start + Int(slot.keyLength)]))
      }
      var position = place & mask
      while index[position] != 0 { position = (position + 1) & mask }
      index[position] = tag | UInt64(number + 1)
    }
  }
}
