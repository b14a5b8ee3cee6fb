@_spi(Storage) import SoftadastraWAL

/// Constants of the backup archive format, version 1. `docs/backup-format.md` is the specification.
package enum BackupFormat {
  /// The first eight bytes of every archive: "SDBACKUP".
  package static let magic: [UInt8] = Array("SDBACKUP".utf8)
  /// The last eight bytes of a complete archive: "SDBKEND" and a newline.
  package static let endMagic: [UInt8] = Array("SDBKEND\n".utf8)
  package static let version: UInt16 = 1
  /// The file name extension of archives written with `--dir`.
  package static let fileExtension = ".sdbackup"

  /// The framing backups share with archive segments.
  package static let container = ArchiveContainer(
    magic: magic, endMagic: endMagic, version: version, noun: "backup", kind: "archive")
}
