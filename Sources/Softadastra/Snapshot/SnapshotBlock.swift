@_spi(Storage) import SoftadastraWAL

/// One block's line in the index, as the writer makes it (`SnapshotIndex` reads them in place).
struct SnapshotBlock: Equatable {
  var offset: UInt64
  var storedSize: UInt32
  var rawSize: UInt32
  var entryCount: UInt32
  /// CRC-32C of the stored (compressed) bytes.
  var checksum: UInt32
  var firstKey: [UInt8]
  /// Nil for a line read from a paged index, which has none: such a line goes only into another
  /// paged index.
  var lastKey: [UInt8]?

  /// The line in a whole index (versions 1 to 4): the offset, a paged line's fields, the last key.
  func append(to bytes: inout [UInt8]) {
    guard let lastKey else { preconditionFailure("a line of a whole index has a last key") }
    bytes.appendLittleEndian(offset)
    appendPaged(to: &bytes)
    bytes.appendLittleEndian(UInt16(lastKey.count))
    bytes.append(contentsOf: lastKey)
  }

  /// The line in a page of a paged index (versions 5 to 8): no offset (blocks follow each other)
  /// and no last key (the next block's first key bounds it).
  func appendPaged(to bytes: inout [UInt8]) {
    bytes.appendLittleEndian(storedSize)
    bytes.appendLittleEndian(rawSize)
    bytes.appendLittleEndian(entryCount)
    bytes.appendLittleEndian(checksum)
    bytes.appendLittleEndian(UInt16(firstKey.count))
    bytes.append(contentsOf: firstKey)
  }
}
