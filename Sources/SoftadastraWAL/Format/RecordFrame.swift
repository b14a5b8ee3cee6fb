/// The framing facts of a valid record, known without copying its key or value.
public struct RecordFrame: Sendable, Hashable {
  public var type: UInt8
  public var lsn: UInt64
  public var timestamp: HybridTimestamp
  public var batch: WALRecord.BatchPosition
  /// The record's size in bytes.
  public var size: Int
  /// The record's CRC, which seeds the next record's.
  public var checksum: UInt32
  /// The LSN the next record must carry.
  public var nextLSN: UInt64

  /// The record this frame belongs to, its payload not read.
  var unreadRecord: WALRecord { WALRecord(lsn: lsn, timestamp: timestamp, batch: batch, body: .unread(type: type)) }
}
