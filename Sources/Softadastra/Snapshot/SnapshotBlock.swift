@_spi(Storage) import SoftadastraWAL

/// One block's line in the index.
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

  static func read(_ reader: inout FieldReader) -> SnapshotBlock? {
    guard let offset = reader.read(UInt64.self), let storedSize = reader.read(UInt32.self),
      let rawSize = reader.read(UInt32.self), let entryCount = reader.read(UInt32.self),
      let checksum = reader.read(UInt32.self),
      let firstLength = reader.read(UInt16.self), let firstKey = reader.readBytes(Int(firstLength)),
      let lastLength = reader.read(UInt16.self), let lastKey = reader.readBytes(Int(lastLength))
    else { return nil }
    return SnapshotBlock(
      offset: offset, storedSize: storedSize, rawSize: rawSize, entryCount: entryCount, checksum: checksum,
      firstKey: firstKey, lastKey: lastKey)
  }
}
