/// Turns records into the bytes of the native WAL format.
package enum RecordEncoder {
  /// Appends `record`'s bytes to `buffer` and returns its CRC, which seeds the next record's.
  ///
  /// - Parameters:
  ///   - record: the record; its key and value must be within `WALFormat`'s limits.
  ///   - seed: the CRC of the record before it, or the header's CRC for the first record.
  ///   - buffer: where the bytes go.
  /// - Returns: the record's CRC.
  @discardableResult
  package static func append(_ record: WALRecord, seed: UInt32, to buffer: inout [UInt8]) -> UInt32 {
    let start = buffer.count
    buffer.appendLittleEndian(UInt32(0))  // size, patched below
    buffer.append(record.type)
    var flags: UInt8 = record.batch.flags
    if case .operation(_, origin: .some) = record.body { flags |= RecordFlags.remoteOrigin }
    buffer.append(flags)
    buffer.appendLittleEndian(record.lsn)
    buffer.appendLittleEndian(record.timestamp.rawValue)
    switch record.body {
    case .operation(let operation, let origin):
      if let origin {
        buffer.append(UInt8(origin.nodeID.utf8.count))
        buffer.append(contentsOf: origin.nodeID.utf8)
        buffer.appendLittleEndian(origin.lsn)
        buffer.appendLittleEndian(origin.timestamp.rawValue)
      }
      switch operation {
      case .put(let key, let value):
        buffer.appendLittleEndian(UInt16(key.count))
        buffer.append(contentsOf: key)
        buffer.appendLittleEndian(UInt32(value.count))
        buffer.append(contentsOf: value)
      case .delete(let key):
        buffer.appendLittleEndian(UInt16(key.count))
        buffer.append(contentsOf: key)
      }
    case .tailRepairNote(let offset, let bytes):
      buffer.appendLittleEndian(offset)
      buffer.appendLittleEndian(bytes)
    case .lostRange(let count, let offset, let bytes):
      buffer.appendLittleEndian(count)
      buffer.appendLittleEndian(offset)
      buffer.appendLittleEndian(bytes)
    case .skipped(_, let payload), .syncTable(let payload):
      buffer.append(contentsOf: payload)
    case .unread:
      preconditionFailure("a record read without its payload cannot be written; read it with materialize: true")
    }
    let size = UInt32(buffer.count - start + 8)
    buffer.storeLittleEndian(size, at: start)
    buffer.appendLittleEndian(size)
    let crc = buffer.withUnsafeBytes { CRC32C.extend(seed, UnsafeRawBufferPointer(rebasing: $0[start...])) }
    buffer.appendLittleEndian(crc)
    return crc
  }

  /// The bytes of one record.
  package static func encode(_ record: WALRecord, seed: UInt32) -> [UInt8] {
    var buffer: [UInt8] = []
    append(record, seed: seed, to: &buffer)
    return buffer
  }
}
