@_spi(Storage) import SoftadastraWAL

/// The entries of a version 3 block (`docs/snapshot-format.md`): each key stored as the bytes it
/// shares with the key before it in the block and the rest, lengths as varints, and the LSN and
/// timestamp as differences from the entry before (the first entry of a block from zero).
///
/// A reader expands a block into the fixed-width layout of versions 1 and 2
/// (`SnapshotEntryCoding`), which lookups, the block cache and decoding work on.
enum CompactEntryCoding {
  /// What an entry is coded against: the entry before it in the block.
  struct Previous {
    var key: [UInt8] = []
    var lsn: UInt64 = 0
    var timestamp: UInt64 = 0
  }

  static func append(key: [UInt8], entry: LocalStore.Entry, after previous: inout Previous, to bytes: inout [UInt8]) {
    let limit = min(key.count, previous.key.count)
    var shared = 0
    while shared < limit, key[shared] == previous.key[shared] { shared += 1 }
    bytes.append(entry.isTombstone ? SnapshotFormat.tombstoneEntry : SnapshotFormat.valueEntry)
    appendVarint(UInt64(shared), to: &bytes)
    appendVarint(UInt64(key.count - shared), to: &bytes)
    bytes.append(contentsOf: key[shared...])
    if !entry.isTombstone {
      appendVarint(UInt64(entry.value.count), to: &bytes)
      bytes.append(contentsOf: entry.value)
    }
    appendVarint(zigzag(entry.lsn &- previous.lsn), to: &bytes)
    appendVarint(zigzag(entry.timestamp.rawValue &- previous.timestamp), to: &bytes)
    if let origin = entry.origin {
      bytes.append(1)
      bytes.append(UInt8(origin.nodeID.utf8.count))
      bytes.append(contentsOf: origin.nodeID.utf8)
      appendVarint(origin.lsn, to: &bytes)
      appendVarint(origin.timestamp.rawValue, to: &bytes)
    } else {
      bytes.append(0)
    }
    previous = Previous(key: key, lsn: entry.lsn, timestamp: entry.timestamp.rawValue)
  }

  /// The size of an entry in the fixed-width layout a reader expands it to.
  static func expandedSize(key: [UInt8], entry: LocalStore.Entry) -> Int {
    1 + 2 + key.count + (entry.isTombstone ? 0 : 4 + entry.value.count) + 8 + 8 + 1
      + (entry.origin.map { 1 + $0.nodeID.utf8.count + 16 } ?? 0)
  }

  /// The entries of a compact block in the fixed-width layout, with where each starts (what
  /// `SnapshotEntryCoding.entryStarts` finds in a block of versions 1 and 2, with the same
  /// checks); nil when the bytes are not compact entries in strictly increasing key order with
  /// every field in bounds and origin node ids UTF-8, or expand past `limit` bytes (each
  /// entry's size is checked before it is added: the shared prefixes of a crafted block could
  /// otherwise ask for gigabytes).
  static func expand(_ bytes: UnsafeRawBufferPointer, limit: Int) -> (bytes: [UInt8], starts: [UInt32])? {
    var expanded: [UInt8] = []
    expanded.reserveCapacity(min(limit, bytes.count * 2))
    var starts: [UInt32] = []
    var position = 0
    var key: [UInt8] = []
    var lsn: UInt64 = 0
    var timestamp: UInt64 = 0
    func varint() -> UInt64? {
      var value: UInt64 = 0
      for index in 0..<10 {
        guard position < bytes.count else { return nil }
        let byte = bytes[position]
        position += 1
        // The tenth byte holds bit 63 only; a last byte of zero would be a longer form of a shorter varint.
        guard index < 9 || byte <= 1 else { return nil }
        value |= UInt64(byte & 0x7F) << (7 * index)
        if byte & 0x80 == 0 { return index > 0 && byte == 0 ? nil : value }
      }
      return nil
    }
    func take(_ count: Int) -> UnsafeRawBufferPointer.SubSequence? {
      guard count <= bytes.count - position else { return nil }
      defer { position += count }
      return bytes[position..<position + count]
    }
    while position < bytes.count {
      let kind = bytes[position]
      position += 1
      guard kind <= SnapshotFormat.tombstoneEntry, let shared = varint(), shared <= key.count,
        let suffixLength = varint(),
        suffixLength > 0, suffixLength <= UInt64(WALFormat.maxKeyBytes) - shared, let suffix = take(Int(suffixLength))
      else { return nil }
      // After the first, a key comes after the one before: it extends it, or its first byte
      // past the shared ones is greater.
      guard starts.isEmpty || Int(shared) == key.count || suffix.first! > key[Int(shared)] else { return nil }
      key.removeSubrange(Int(shared)...)
      key.append(contentsOf: suffix)
      var value: UnsafeRawBufferPointer.SubSequence?
      if kind == SnapshotFormat.valueEntry {
        guard let length = varint(), length <= WALFormat.maxValueBytes, let bytes = take(Int(length)) else {
          return nil
        }
        value = bytes
      }
      guard let lsnDelta = varint(), let timeDelta = varint(), position < bytes.count, bytes[position] <= 1 else {
        return nil
      }
      lsn &+= unzigzag(lsnDelta)
      timestamp &+= unzigzag(timeDelta)
      let hasOrigin = bytes[position] == 1
      position += 1
      var origin: (id: UnsafeRawBufferPointer.SubSequence, lsn: UInt64, timestamp: UInt64)?
      if hasOrigin {
        guard position < bytes.count else { return nil }
        let length = Int(bytes[position])
        position += 1
        guard length > 0, let id = take(length), SnapshotEntryCoding.isUTF8(UnsafeRawBufferPointer(rebasing: id)),
          let originLSN = varint(), let originTime = varint()
        else { return nil }
        origin = (id, originLSN, originTime)
      }
      let size =
        1 + 2 + key.count + (value.map { 4 + $0.count } ?? 0) + 17 + (origin.map { 1 + $0.id.count + 16 } ?? 0)
      guard size <= limit - expanded.count else { return nil }
      starts.append(UInt32(expanded.count))
      expanded.append(kind)
      expanded.appendLittleEndian(UInt16(key.count))
      expanded.append(contentsOf: key)
      if let value {
        expanded.appendLittleEndian(UInt32(value.count))
        expanded.append(contentsOf: value)
      }
      expanded.appendLittleEndian(lsn)
      expanded.appendLittleEndian(timestamp)
      expanded.append(hasOrigin ? 1 : 0)
      if let origin {
        expanded.append(UInt8(origin.id.count))
        expanded.append(contentsOf: origin.id)
        expanded.appendLittleEndian(origin.lsn)
        expanded.appendLittleEndian(origin.timestamp)
      }
    }
    return (expanded, starts)
  }

  /// LEB128: seven bits a byte, low bits first, the high bit set on every byte but the last.
  static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
    var value = value
    while value >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
      value >>= 7
    }
    bytes.append(UInt8(value))
  }

  /// A difference taken modulo 2^64, as a signed number folded so that small ones of either sign
  /// are small: 0, -1, 1, -2, 2 … become 0, 1, 2, 3, 4 ….
  static func zigzag(_ difference: UInt64) -> UInt64 {
    let signed = Int64(bitPattern: difference)
    return UInt64(bitPattern: (signed << 1) ^ (signed >> 63))
  }

  static func unzigzag(_ value: UInt64) -> UInt64 { (value >> 1) ^ (0 &- (value & 1)) }
}
