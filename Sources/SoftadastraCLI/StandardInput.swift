import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

enum StandardInput {
  /// Copies standard input into a new file in `directory` (chunk by chunk, not into memory);
  /// returns its path. The caller removes it.
  static func copyToTemporaryFile(in directory: String = FileSystem.temporaryDirectory) throws -> String {
    let scratch = try FileSystem.makeTemporaryDirectory(in: directory, prefix: ".softadastra-stdin-")
    let path = scratch + "/input"
    let file = try SystemFile.createExclusive(path)
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    var offset: UInt64 = 0
    while true {
      let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
      if count == 0 { return path }
      if count < 0 {
        if errno == EINTR { continue }
        throw SoftadastraError(.io, "cannot read standard input: \(String(cString: strerror(errno)))")
      }
      try chunk.withUnsafeBytes { try file.write(UnsafeRawBufferPointer(rebasing: $0[0..<count]), at: offset) }
      offset += UInt64(count)
    }
  }

  /// Removes what `copyToTemporaryFile` made.
  static func removeTemporaryFile(_ path: String) { FileSystem.removeFlatDirectory(FileSystem.directory(of: path)) }

  /// Every byte of standard input.
  static func readAll() throws -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
      if count == 0 { return bytes }
      if count < 0 {
        if errno == EINTR { continue }
        throw SoftadastraError(.io, "cannot read standard input: \(String(cString: strerror(errno)))")
      }
      bytes += chunk[0..<count]
    }
  }
}
