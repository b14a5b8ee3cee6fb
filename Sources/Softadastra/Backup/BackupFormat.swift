@_spi(Storage) import SoftadastraWAL

/// Constants of the backup archive format, version 1. `docs/backup-format.md` is the specification.
package enum BackupFormat {
  /// The first eight bytes of every archive: "SDBACKUP".
  package static let magic: [UInt8] = Array("SDBACKUP".utf8)
  /// The last eight bytes of a complete archive: "SDBKEND" and a newline.
  package static let endMagic: [UInt8] = Array("SDBKEND\n".utf8)
  package static let version: UInt16 = 1
  /// Magic, version, reserved, CRC.
  package static let headerSize = 16
  /// Before each part: kind, three zero bytes, length.
  package static let partFrameSize = 12
  /// Manifest length, manifest CRC, end magic.
  package static let trailerSize = 16
  /// The file name extension of archives written with `--dir`.
  package static let fileExtension = ".sdbackup"

  static func header() -> [UInt8] {
    var bytes = magic
    bytes.appendLittleEndian(version)
    bytes.appendLittleEndian(UInt16(0))
    bytes.appendLittleEndian(CRC32C.checksum(bytes))
    return bytes
  }

  static func partFrame(kind: BackupPart.Kind, length: UInt64) -> [UInt8] {
    var bytes: [UInt8] = [kind.rawValue, 0, 0, 0]
    bytes.appendLittleEndian(length)
    return bytes
  }

  static func trailer(manifest: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.appendLittleEndian(UInt32(manifest.count))
    bytes.appendLittleEndian(CRC32C.checksum(manifest))
    bytes.append(contentsOf: endMagic)
    return bytes
  }
}
