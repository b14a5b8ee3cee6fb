/// The framing facts of a valid record, known without copying its key or value.
package struct RecordFrame: Sendable, Hashable {
  package var type: UInt8
  package var lsn: UInt64
  package var timestamp: HybridTimestamp
  package var batch: WALRecord.BatchPosition
  /// The record's size in bytes.
  package var size: Int
  /// The record's CRC, which seeds the next record's.
  package var checksum: UInt32
  /// The LSN the next record must carry.
  package var nextLSN: UInt64

  /// The record this frame belongs to, its payload not read.
  var unreadRecord: WALRecord { WALRecord(lsn: lsn, timestamp: timestamp, batch: batch, body: .unread(type: type)) }
}
