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

  /// Where the first block of the snapshot at `path` starts (format version 7 or 8: after the
  /// header, whose size is at byte 10, and the dictionary, whose length starts it): the offset of
  /// a byte whose damage is found when that block is read, not when the file is opened.
  public static func firstSnapshotBlock(_ path: String) -> Int {
    let bytes = read(path)
    let header = Int(bytes[10]) | Int(bytes[11]) << 8
    let dictionary = (0..<4).reduce(0) { $0 | Int(bytes[header + $1]) << (8 * $1) }
    return header + 8 + dictionary
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
