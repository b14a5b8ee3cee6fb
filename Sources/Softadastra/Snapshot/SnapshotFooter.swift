@_spi(Storage) import SoftadastraWAL

/// The footer at the end of a snapshot: where the index is and what the file holds.
struct SnapshotFooter: Equatable {
  var indexOffset: UInt64
  var indexSize: UInt32
  var blockCount: UInt32
  var entryCount: UInt64
  /// Entries that hold a value (the others are tombstones).
  var valueCount: UInt64
  /// The uncompressed size of all blocks.
  var rawBytes: UInt64
  var indexChecksum: UInt32

  /// The footer's bytes; its CRC is seeded with the header's, so a footer belongs to one header.
  func encoded(headerChecksum: UInt32) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(SnapshotFormat.footerSize)
    bytes.appendLittleEndian(indexOffset)
    bytes.appendLittleEndian(indexSize)
    bytes.appendLittleEndian(blockCount)
    bytes.appendLittleEndian(entryCount)
    bytes.appendLittleEndian(valueCount)
    bytes.appendLittleEndian(rawBytes)
    bytes.appendLittleEndian(indexChecksum)
    bytes.append(contentsOf: SnapshotFormat.footerMagic)
    bytes.appendLittleEndian(CRC32C.extend(headerChecksum, bytes))
    return bytes
  }

  static func decode(_ bytes: UnsafeRawBufferPointer, headerChecksum: UInt32) -> SnapshotFooter? {
    guard bytes.count == SnapshotFormat.footerSize,
      bytes[44..<52].elementsEqual(SnapshotFormat.footerMagic),
      bytes.loadLittleEndian(at: 52, as: UInt32.self)
        == CRC32C.extend(headerChecksum, UnsafeRawBufferPointer(rebasing: bytes[0..<52]))
    else { return nil }
    return SnapshotFooter(
      indexOffset: bytes.loadLittleEndian(at: 0), indexSize: bytes.loadLittleEndian(at: 8),
      blockCount: bytes.loadLittleEndian(at: 12), entryCount: bytes.loadLittleEndian(at: 16),
      valueCount: bytes.loadLittleEndian(at: 24), rawBytes: bytes.loadLittleEndian(at: 32),
      indexChecksum: bytes.loadLittleEndian(at: 40))
  }
}
