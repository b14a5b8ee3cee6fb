import SoftadastraWAL

/// One part of an archive, as the manifest lists it.
package struct BackupPart: Sendable, Equatable {
  package enum Kind: UInt8, Sendable {
    /// A snapshot file (docs/snapshot-format.md): the state at the start of the range.
    case snapshot = 1
    /// A zlib stream holding a native WAL file: the records after the snapshot.
    case wal = 2
  }

  package var kind: Kind
  /// Where the part's data starts in the archive (after its frame), and its length there.
  package var offset: UInt64
  package var length: UInt64
  /// The size of the part once decompressed (the snapshot's own size: it compresses its blocks).
  package var rawLength: UInt64
  /// CRC-32C of the part's data as stored.
  package var checksum: UInt32
}
