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
    var flags: UInt8 = record.batch.flags
    if case .operation(_, origin: .some) = record.body { flags |= RecordFlags.remoteOrigin }
    let start = beginRecord(
      type: record.type, flags: flags, lsn: record.lsn, timestamp: record.timestamp, to: &buffer)
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
    return endRecord(startingAt: start, seed: seed, in: &buffer)
  }

  /// Appends the bytes of a put of this node's own, its key and value read where they lie, and
  /// returns its CRC, as `append(_:seed:to:)` does for the same record.
  @discardableResult
  package static func appendPut(
    key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, lsn: UInt64, timestamp: HybridTimestamp,
    batch: WALRecord.BatchPosition, seed: UInt32, to buffer: inout [UInt8]
  ) -> UInt32 {
    let start = beginRecord(type: RecordType.put, flags: batch.flags, lsn: lsn, timestamp: timestamp, to: &buffer)
    buffer.appendLittleEndian(UInt16(key.count))
    buffer.appendBytes(key)
    buffer.appendLittleEndian(UInt32(value.count))
    buffer.appendBytes(value)
    return endRecord(startingAt: start, seed: seed, in: &buffer)
  }

  /// Makes the record at `start`, the last in `buffer`, the one that closes its batch: its
  /// "more follow" flag is cleared (a `first` becomes `single`, a `middle` becomes `last`) and
  /// its CRC, from `seed`, made again. Returns the new CRC.
  package static func closeBatch(withRecordAt start: Int, seed: UInt32, in buffer: inout [UInt8]) -> UInt32 {
    buffer[start + 5] &= ~RecordFlags.batchContinues
    let crcOffset = buffer.count - 4
    let crc = buffer.withUnsafeBytes { CRC32C.extend(seed, UnsafeRawBufferPointer(rebasing: $0[start..<crcOffset])) }
    buffer.storeLittleEndian(crc, at: crcOffset)
    return crc
  }

  /// Appends a record's frame up to its payload, its size to be patched by `endRecord`; returns
  /// where it starts.
  private static func beginRecord(
    type: UInt8, flags: UInt8, lsn: UInt64, timestamp: HybridTimestamp, to buffer: inout [UInt8]
  ) -> Int {
    let start = buffer.count
    buffer.appendLittleEndian(UInt32(0))  // size, patched by endRecord
    buffer.append(type)
    buffer.append(flags)
    buffer.appendLittleEndian(lsn)
    buffer.appendLittleEndian(timestamp.rawValue)
    return start
  }

  /// Ends the record begun at `start` after its payload: its size, at both ends, and its CRC.
  private static func endRecord(startingAt start: Int, seed: UInt32, in buffer: inout [UInt8]) -> UInt32 {
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
