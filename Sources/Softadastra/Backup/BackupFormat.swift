import SoftadastraWAL

/// Constants of the backup archive format, version 1. `docs/backup-format.md` is the specification.
public enum BackupFormat {
  /// The first eight bytes of every archive: "SDBACKUP".
  public static let magic: [UInt8] = Array("SDBACKUP".utf8)
  /// The last eight bytes of a complete archive: "SDBKEND" and a newline.
  public static let endMagic: [UInt8] = Array("SDBKEND\n".utf8)
  public static let version: UInt16 = 1
  /// Magic, version, reserved, CRC.
  public static let headerSize = 16
  /// Before each part: kind, three zero bytes, length.
  public static let partFrameSize = 12
  /// Manifest length, manifest CRC, end magic.
  public static let trailerSize = 16
  /// The file name extension of archives written with `--dir`.
  public static let fileExtension = ".sdbackup"

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
