@_spi(Storage) import SoftadastraWAL

/// A point in a node's log: an LSN, the CRC of the record there (which, chained, identifies the
/// whole history up to it: a node restored from an older backup writes another history under
/// the same LSNs), and how many of the node's own operations lie up to it.
public struct LogPosition: Sendable, Hashable, Comparable {
  public var lsn: UInt64
  /// The CRC of record `lsn` in the log (0 at LSN 0).
  public var checksum: UInt32
  /// Operations the log's node wrote itself (not received from peers) up to `lsn`.
  public var localOperations: UInt64

  public init(lsn: UInt64, checksum: UInt32, localOperations: UInt64) {
    self.lsn = lsn
    self.checksum = checksum
    self.localOperations = localOperations
  }

  public static let start = LogPosition(lsn: 0, checksum: 0, localOperations: 0)

  public static func < (lhs: Self, rhs: Self) -> Bool { lhs.lsn < rhs.lsn }

  /// LSN, CRC, local operations: 20 bytes.
  func append(to bytes: inout [UInt8]) {
    bytes.appendLittleEndian(lsn)
    bytes.appendLittleEndian(checksum)
    bytes.appendLittleEndian(localOperations)
  }

  static func read(_ reader: inout FieldReader) -> LogPosition? {
    guard let lsn = reader.read(UInt64.self), lsn <= WALFormat.maxLSN, let checksum = reader.read(UInt32.self),
      let local = reader.read(UInt64.self)
    else { return nil }
    return LogPosition(lsn: lsn, checksum: checksum, localOperations: local)
  }
}
