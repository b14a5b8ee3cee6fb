import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

enum StandardInput {
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
