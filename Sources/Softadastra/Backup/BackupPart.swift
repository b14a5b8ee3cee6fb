import SoftadastraWAL

/// One part of an archive, as the manifest lists it.
public struct BackupPart: Sendable, Equatable {
  public enum Kind: UInt8, Sendable {
    /// A snapshot file (docs/snapshot-format.md): the state at the start of the range.
    case snapshot = 1
    /// A zlib stream holding a native WAL file: the records after the snapshot.
    case wal = 2
  }

  public var kind: Kind
  /// Where the part's data starts in the archive (after its frame), and its length there.
  public var offset: UInt64
  public var length: UInt64
  /// The size of the part once decompressed (the snapshot's own size: it compresses its blocks).
  public var rawLength: UInt64
  /// CRC-32C of the part's data as stored.
  public var checksum: UInt32
}
