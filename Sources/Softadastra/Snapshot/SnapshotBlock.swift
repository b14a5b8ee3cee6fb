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
  var lastKey: [UInt8]

  func append(to bytes: inout [UInt8]) {
    bytes.appendLittleEndian(offset)
    bytes.appendLittleEndian(storedSize)
    bytes.appendLittleEndian(rawSize)
    bytes.appendLittleEndian(entryCount)
    bytes.appendLittleEndian(checksum)
    bytes.appendLittleEndian(UInt16(firstKey.count))
    bytes.append(contentsOf: firstKey)
    bytes.appendLittleEndian(UInt16(lastKey.count))
    bytes.append(contentsOf: lastKey)
  }
}
