@_spi(Storage) import SoftadastraWAL

#if canImport(Glibc)
  import Glibc
#endif

/// The bytes of one entry inside a block.
enum SnapshotEntryCoding {
  static func append(key: [UInt8], entry: LocalStore.Entry, to bytes: inout [UInt8]) {
    bytes.append(entry.isTombstone ? SnapshotFormat.tombstoneEntry : SnapshotFormat.valueEntry)
    bytes.appendLittleEndian(UInt16(key.count))
    bytes.append(contentsOf: key)
    if !entry.isTombstone {
      bytes.appendLittleEndian(UInt32(entry.value.count))
      bytes.append(contentsOf: entry.value)
    }
    bytes.appendLittleEndian(entry.lsn)
    bytes.appendLittleEndian(entry.timestamp.rawValue)
    if let origin = entry.origin {
      bytes.append(1)
      bytes.append(UInt8(origin.nodeID.utf8.count))
      bytes.append(contentsOf: origin.nodeID.utf8)
      bytes.appendLittleEndian(origin.lsn)
      bytes.appendLittleEndian(origin.timestamp.rawValue)
    } else {
      bytes.append(0)
    }
  }

  /// Where each entry of a block starts, with each key in increasing order; nil when the bytes
  /// are not entries that `read` reads (every field in bounds, origin node ids UTF-8), so that
  /// entries found through the starts can be used in place.
  static func entryStarts(in bytes: UnsafeRawBufferPointer) -> [UInt32]? {
    // Plain loads at known offsets: this runs for every block a client keeps.
    func u16(_ offset: Int) -> Int {
      Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }
    func u32(_ offset: Int) -> Int {
      Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    }
    var starts: [UInt32] = []
    var position = 0
    var previous: (start: Int, length: Int)?
    while position < bytes.count {
      let start = position
      guard bytes.count - position >= 3, bytes[position] <= SnapshotFormat.tombstoneEntry else { return nil }
      let kind = bytes[position]
      let keyLength = u16(position + 1)
      position += 3
      guard keyLength > 0, keyLength <= WALFormat.maxKeyBytes, bytes.count - position >= keyLength else { return nil }
      if let previous,
        compare(bytes, at: previous.start + 3, length: previous.length, with: bytes, at: start + 3, length: keyLength)
          >= 0
      {
        return nil
      }
      previous = (start, keyLength)
      starts.append(UInt32(start))
      position += keyLength
      if kind == SnapshotFormat.valueEntry {
        guard bytes.count - position >= 4 else { return nil }
        let valueLength = u32(position)
        position += 4
        guard valueLength <= WALFormat.maxValueBytes, bytes.count - position >= valueLength else { return nil }
        position += valueLength
      }
      // LSN and time (16 bytes), then whether an origin follows.
      guard bytes.count - position >= 17, bytes[position + 16] <= 1 else { return nil }
      let hasOrigin = bytes[position + 16] == 1
      position += 17
      if hasOrigin {
        guard bytes.count - position >= 1, case let length = Int(bytes[position]), length > 0,
          bytes.count - position - 1 >= length + 16,
          isUTF8(UnsafeRawBufferPointer(rebasing: bytes[position + 1..<position + 1 + length]))
        else { return nil }
        position += 1 + length + 16
      }
    }
    return starts
  }

  /// Whether `bytes` are UTF-8 (what an origin node id must be).
  static func isUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool { String(validating: bytes, as: UTF8.self) != nil }

  /// Finds `key` in a block whose entries start at `starts` (from `entryStarts`), by binary
  /// search: `.some(entry)` (a tombstone included; nil for an absent key), or nil when the entry
  /// found is not valid.
  static func find(_ key: [UInt8], in bytes: UnsafeRawBufferPointer, starts: [UInt32]) -> LocalStore.Entry?? {
    let found = key.withUnsafeBytes { wanted in
      starts.withUnsafeBufferPointer { starts -> Int? in
        var (low, high) = (0, starts.count)
        while low < high {
          let middle = (low + high) / 2
          let start = Int(starts[middle])
          let length = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: start + 1, as: UInt16.self)))
          let order = compare(wanted, at: 0, length: wanted.count, with: bytes, at: start + 3, length: length)
          if order == 0 { return start }
          if order < 0 { high = middle } else { low = middle + 1 }
        }
        return nil
      }
    }
    guard let found else { return .some(nil) }
    var reader = FieldReader(bytes, from: found, to: bytes.count)
    guard let entry = read(&reader) else { return nil }
    return .some(entry.entry)
  }

  /// The byte order of two keys in buffers.
  /// The last of `count` lines in `bytes`, in increasing order of the first keys `firstKey` gives
  /// where they lie, whose first key is not after `key`; nil when every line's is (a binary search
  /// of an index's lines or a page table's).
  static func lastLine(
    of count: Int, in bytes: [UInt8], startingAtOrBefore key: [UInt8], firstKey: (Int) -> Range<Int>
  ) -> Int? {
    bytes.withUnsafeBytes { lines in
      key.withUnsafeBytes { wanted -> Int? in
        var (low, high) = (0, count)
        while low < high {
          let middle = (low + high) / 2
          let range = firstKey(middle)
          let order = compare(
            wanted, at: 0, length: wanted.count, with: lines, at: range.lowerBound, length: range.count)
          if order < 0 { high = middle } else { low = middle + 1 }
        }
        return low > 0 ? low - 1 : nil
      }
    }
  }

  static func compare(
    _ left: UnsafeRawBufferPointer, at leftStart: Int, length leftLength: Int,
    with right: UnsafeRawBufferPointer, at rightStart: Int, length rightLength: Int
  ) -> Int32 {
    let common = min(leftLength, rightLength)
    let compared = common == 0 ? 0 : memcmp(left.baseAddress! + leftStart, right.baseAddress! + rightStart, common)
    return compared != 0 ? compared : Int32(leftLength) - Int32(rightLength)
  }

  /// Finds `key` among the entries of a block (in increasing key order), stepping over the
  /// others without copying them.
  ///
  /// - Returns: `.some(entry)` (a tombstone included; nil for an absent key), or nil when the
  ///   bytes are not valid entries.
  static func find(_ key: [UInt8], in bytes: UnsafeRawBufferPointer) -> LocalStore.Entry?? {
    var reader = FieldReader(bytes, from: 0, to: bytes.count)
    while reader.remaining > 0 {
      let start = reader.position
      guard let kind = reader.read(UInt8.self), kind <= SnapshotFormat.tombstoneEntry,
        let keyLength = reader.read(UInt16.self), keyLength > 0, reader.remaining >= Int(keyLength)
      else { return nil }
      let order = key.withUnsafeBytes { wanted -> Int32 in
        let common = min(wanted.count, Int(keyLength))
        let compared = memcmp(wanted.baseAddress!, bytes.baseAddress! + reader.position, common)
        return compared != 0 ? compared : Int32(wanted.count) - Int32(keyLength)
      }
      if order == 0 {
        var entryReader = FieldReader(bytes, from: start, to: bytes.count)
        guard let entry = read(&entryReader) else { return nil }
        return .some(entry.entry)
      }
      if order < 0 { return .some(nil) }
      guard reader.skip(Int(keyLength)) else { return nil }
      if kind == SnapshotFormat.valueEntry {
        guard let valueLength = reader.read(UInt32.self), reader.skip(Int(valueLength)) else { return nil }
      }
      guard reader.skip(16), let hasOrigin = reader.read(UInt8.self), hasOrigin <= 1 else { return nil }
      if hasOrigin == 1 {
        guard let length = reader.read(UInt8.self), reader.skip(Int(length) + 16) else { return nil }
      }
    }
    return .some(nil)
  }

  /// Reads the entry at the reader's position (a value or a tombstone); nil when the bytes are
  /// not a valid entry.
  static func read(_ reader: inout FieldReader) -> (key: [UInt8], entry: LocalStore.Entry)? {
    guard let kind = reader.read(UInt8.self), kind <= SnapshotFormat.tombstoneEntry,
      let keyLength = reader.read(UInt16.self), keyLength > 0, Int(keyLength) <= WALFormat.maxKeyBytes,
      let key = reader.readBytes(Int(keyLength))
    else { return nil }
    var value: [UInt8] = []
    if kind == SnapshotFormat.valueEntry {
      guard let valueLength = reader.read(UInt32.self), Int(valueLength) <= WALFormat.maxValueBytes,
        let bytes = reader.readBytes(Int(valueLength))
      else { return nil }
      value = bytes
    }
    guard let lsn = reader.read(UInt64.self), let time = reader.read(UInt64.self),
      let hasOrigin = reader.read(UInt8.self)
    else { return nil }
    var origin: Origin?
    switch hasOrigin {
    case 0: break
    case 1:
      guard let length = reader.read(UInt8.self), length > 0, let id = reader.readBytes(Int(length)),
        let nodeID = String(validating: id, as: UTF8.self),
        let originLSN = reader.read(UInt64.self), let originTime = reader.read(UInt64.self)
      else { return nil }
      origin = Origin(nodeID: nodeID, lsn: originLSN, timestamp: HybridTimestamp(rawValue: originTime))
    default: return nil
    }
    return (
      key,
      LocalStore.Entry(
        value: value, lsn: lsn, timestamp: HybridTimestamp(rawValue: time), origin: origin,
        isTombstone: kind == SnapshotFormat.tombstoneEntry)
    )
  }
}
