import SoftadastraWAL

#if canImport(Glibc)
  import Glibc
#endif

/// Bundles over a pair of byte streams (the pipes to another process, or a socket): each bundle
/// is read whole, by the sizes in its header, and checked before anything uses it.
public struct SyncStream {
  public let input: Int32
  public let output: Int32
  /// Who is at the other end, for messages.
  public var peerName: String

  public init(input: Int32, output: Int32, peerName: String) {
    self.input = input
    self.output = output
    self.peerName = peerName
  }

  public func send(_ bundle: SyncBundle) throws(SoftadastraError) {
    try Self.write(bundle.encoded(), to: output, what: peerName)
  }

  /// The next bundle; nil when the stream ends cleanly before one starts.
  ///
  /// - Throws: `io` when the stream breaks or ends inside a bundle; `malformedInput` for a bundle
  ///   that does not check out.
  public func receive() throws(SoftadastraError) -> SyncBundle? {
    let prefix = try read(SyncBundle.prefixSize)
    if prefix.isEmpty { return nil }
    let source = "the bundle from \(peerName)"
    let total = try SyncBundle.totalSize(prefix: prefix, source: source)
    let rest = try read(Int(total) - prefix.count)
    return try SyncBundle.decode(prefix + rest, source: source)
  }

  /// Writes all of `bytes` to `descriptor`.
  public static func write(_ bytes: [UInt8], to descriptor: Int32, what: String) throws(SoftadastraError) {
    var done = 0
    while done < bytes.count {
      let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + done, $0.count - done) }
      if written < 0, errno == EINTR { continue }
      guard written > 0 else { throw SoftadastraError(.io, "cannot write a bundle to \(what): \(String(cString: strerror(errno)))") }
      done += written
    }
  }

  /// `count` bytes; empty when the stream ends before the first.
  private func read(_ count: Int) throws(SoftadastraError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var done = 0
    while done < count {
      let got = bytes.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress! + done, count - done) }
      if got < 0, errno == EINTR { continue }
      if got < 0 { throw SoftadastraError(.io, "cannot read from \(peerName): \(String(cString: strerror(errno)))") }
      if got == 0 {
        if done == 0 { return [] }
        throw SoftadastraError(
          .io, "\(peerName) closed the exchange in the middle of a bundle (\(done) of \(count) bytes); nothing of it was applied")
      }
      done += got
    }
    return bytes
  }
}
