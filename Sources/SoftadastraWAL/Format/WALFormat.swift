/// Constants of the native WAL format, version 1. `docs/wal-format.md` is the specification.
public enum WALFormat {
  /// The first eight bytes of every native WAL: "SDWAL", CR, LF, 0x1A.
  public static let magic: [UInt8] = [0x53, 0x44, 0x57, 0x41, 0x4C, 0x0D, 0x0A, 0x1A]
  /// The format version this code writes and reads.
  public static let version: UInt16 = 1
  /// Header bytes before the node id: magic, version, header size, creation time, first LSN, id length.
  public static let headerFixedSize = 29
  /// Bytes of a record's frame around the payload: size, type, flags, LSN, HLC, size again, CRC.
  public static let recordOverhead = 30
  /// Bytes of a record's frame before the payload.
  public static let recordPrefixSize = 22
  /// Bit 0 of the header extension's first byte: the log continues a snapshot.
  public static let continuesSnapshotFlag: UInt8 = 0x01
  /// The highest LSN (2^63 − 1): LSNs are 1 to this, so that no LSN or LSN count read from a
  /// file can overflow arithmetic on it, and every LSN fits a signed 64-bit JSON number. A header
  /// or record outside the range is corruption; a writer never goes past it.
  public static let maxLSN = UInt64(Int64.max)
  /// The longest node id, in UTF-8 bytes.
  public static let maxNodeIDBytes = 128
  /// The longest key, in bytes. Keys are never empty.
  public static let maxKeyBytes = 4096
  /// The longest value, in bytes (16 MiB).
  public static let maxValueBytes = 16 << 20
  /// The largest record a reader accepts; a size field above it is corruption.
  public static let maxRecordSize =
    recordOverhead + (1 + 255 + 16) + (2 + maxKeyBytes) + (4 + maxValueBytes)
}

/// The type byte of a record.
package enum RecordType {
  /// Never valid, so zero-filled space is never read as a record.
  package static let invalid: UInt8 = 0
  /// Set a key to a value.
  package static let put: UInt8 = 1
  /// Remove a key (a tombstone).
  package static let delete: UInt8 = 2
  /// Stands in for LSNs whose records were lost to damage and dropped by a salvage repair.
  package static let lostRange: UInt8 = 3
  /// Written after a torn tail was cut off: where, and how many bytes. Readers may skip it.
  package static let tailRepairNote: UInt8 = 128
  /// The node's sync table (peers' positions) as of this record; the last one in the log wins.
  /// Readers that do not sync may skip it.
  package static let syncTable: UInt8 = 129
  /// Types from here up may be skipped by readers that do not know them.
  package static let firstSkippable: UInt8 = 128
}

/// Bits of a record's flags byte. Unknown bits are corruption.
package enum RecordFlags {
  /// The operation came from another node: its origin node id, LSN and HLC precede the key.
  package static let remoteOrigin: UInt8 = 0x01
  /// The record belongs to an atomic batch, and at least one more record of the batch follows.
  package static let batchContinues: UInt8 = 0x02
  /// The record belongs to an atomic batch that an earlier record started.
  package static let batchContinuation: UInt8 = 0x04
  static let known: UInt8 = remoteOrigin | batchContinues | batchContinuation
}
