import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

enum StandardInput {
  /// Every byte of standard input (or of another descriptor, such as a FIFO).
  static func readAll(from descriptor: Int32 = 0) throws -> [UInt8] {
    var bytes: [UInt8] = []
    try forEachChunk(of: descriptor) { bytes.append(contentsOf: $0) }
    return bytes
  }

  /// Reads `descriptor` (standard input, or a FIFO) as it is asked: up to the count given,
  /// fewer only at its end.
  static func reader(of descriptor: Int32) -> (Int) throws(SoftadastraError) -> [UInt8] {
    { (count: Int) throws(SoftadastraError) -> [UInt8] in
      var bytes = [UInt8](repeating: 0, count: min(count, 1 << 20))
      var done = 0
      while done < count {
        if done == bytes.count { bytes.append(contentsOf: repeatElement(0, count: min(count - done, 1 << 20))) }
        let got = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + done, $0.count - done) }
        if got == 0 { break }
        if got < 0 {
          if errno == EINTR { continue }
          throw SoftadastraError(
            .io, "cannot read \(descriptor == 0 ? "standard input" : "the input"): \(String(cString: strerror(errno)))")
        }
        done += got
      }
      bytes.removeSubrange(done...)
      return bytes
    }
  }

  /// Copies standard input into a new file in `directory` (chunk by chunk, not into memory);
  /// returns its path. The caller removes it with `removeTemporaryFile`.
  static func copyToTemporaryFile(in directory: String = FileSystem.temporaryDirectory) throws -> String {
    let scratch = try FileSystem.makeTemporaryDirectory(in: directory, prefix: ".softadastra-stdin-")
    let path = scratch + "/input"
    do {
      let file = try SystemFile.createExclusive(path)
      var offset: UInt64 = 0
      try forEachChunk { chunk in
        try file.write(chunk, at: offset)
        offset += UInt64(chunk.count)
      }
    } catch {
      FileSystem.removeFlatDirectory(scratch)
      throw error
    }
    return path
  }

  /// Removes what `copyToTemporaryFile` made.
  static func removeTemporaryFile(_ path: String) { FileSystem.removeFlatDirectory(FileSystem.directory(of: path)) }

  /// Calls `body` with each chunk read from `descriptor` (standard input), up to its end.
  private static func forEachChunk(of descriptor: Int32 = 0, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count == 0 { return }
      if count < 0 {
        if errno == EINTR { continue }
        throw SoftadastraError(
          .io, "cannot read \(descriptor == 0 ? "standard input" : "the input"): \(String(cString: strerror(errno)))")
      }
      try chunk.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }
  }
}
