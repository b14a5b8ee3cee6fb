import Foundation

/// Byte-level helpers for corruption tests (in the manner of LevelDB's log tests).
public enum FileBytes {
  public static func read(_ path: String) -> [UInt8] {
    [UInt8](FileManager.default.contents(atPath: path) ?? Data())
  }

  public static func write(_ bytes: [UInt8], to path: String) {
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600])
  }

  /// Flips bit `bit` (0 to 7) of the byte at `offset`.
  public static func flipBit(_ path: String, offset: Int, bit: Int) {
    var bytes = read(path)
    bytes[offset] ^= UInt8(1 << bit)
    write(bytes, to: path)
  }

  /// Cuts the file to its first `size` bytes.
  public static func truncate(_ path: String, to size: Int) {
    write(Array(read(path).prefix(size)), to: path)
  }

  /// Sets the bytes in `range` to zero.
  public static func zero(_ path: String, _ range: Range<Int>) {
    var bytes = read(path)
    for index in range where index < bytes.count { bytes[index] = 0 }
    write(bytes, to: path)
  }

  /// Appends `bytes` to the file.
  public static func append(_ path: String, _ bytes: [UInt8]) {
    write(read(path) + bytes, to: path)
  }
}
