import SoftadastraWAL

#if canImport(Glibc)
  import Glibc
#endif

/// Bundles over a pair of byte streams (the pipes to another process, or a socket): each bundle
/// is sent as it is made, and received into a scratch file and checked whole before anything
/// uses it.
public struct SyncStream: SyncBundleSink {
  public let input: Int32
  public let output: Int32
  /// Who is at the other end, for messages.
  public var peerName: String
  /// When the exchange must be over (monotonic milliseconds), if ever: a stalled peer then
  /// ends it with an `io` error instead of holding the writer lock forever.
  private let deadline: Deadline?
  private let timeout: Double?

  /// - Parameters:
  ///   - input: the descriptor bundles arrive on.
  ///   - output: the descriptor bundles leave by.
  ///   - peerName: who is at the other end, for messages.
  ///   - timeout: seconds the whole exchange may take; nil for no limit.
  public init(input: Int32, output: Int32, peerName: String, timeout: Double? = nil) {
    self.input = input
    self.output = output
    self.peerName = peerName
    self.timeout = timeout
    deadline = timeout.map { Deadline(secondsFromNow: $0) }
  }

  /// Sends a bundle held in memory (a greeting).
  public func send(_ bundle: SyncBundle) throws(SoftadastraError) {
    try write(try bundle.encoded())
  }

  /// Sends the next bytes of a bundle (see `Client.sendSyncBundle(for:fullState:to:)`).
  public func write(_ bytes: [UInt8]) throws(SoftadastraError) {
    var done = 0
    while done < bytes.count {
      // Once the descriptor is writable, a pipe takes PIPE_BUF bytes without blocking: a peer
      // that stops reading is then caught by the deadline instead of blocking a large write.
      try wait(for: Int16(POLLOUT), on: output)
      let written = bytes.withUnsafeBytes {
        Glibc.write(
          output, $0.baseAddress! + done, min($0.count - done, deadline == nil ? $0.count - done : Int(PIPE_BUF)))
      }
      if written < 0, errno == EINTR || errno == EAGAIN { continue }
      guard written > 0 else {
        if errno == EPIPE { throw ended() }
        throw SoftadastraError(.io, "cannot send a bundle to \(peerName): \(String(cString: strerror(errno)))")
      }
      done += written
    }
  }

  /// The next bundle, checked whole (its bytes kept in a nameless scratch file in `$TMPDIR`
  /// until it is applied); nil when the stream ends cleanly before one starts.
  ///
  /// - Throws: `io` when the stream breaks or ends inside a bundle; `malformedInput` for a bundle
  ///   that does not check out.
  public func receive() throws(SoftadastraError) -> ReceivedSyncBundle? {
    var started = false
    let stream = self
    return try ReceivedSyncBundle.receive(
      from: { (count: Int) throws(SoftadastraError) -> [UInt8] in
        let bytes = try stream.read(count)
        if bytes.count < count, started || !bytes.isEmpty {
          throw SoftadastraError(
            .io, "\(stream.peerName) ended the exchange in the middle of a bundle; nothing of it was applied")
        }
        started = true
        return bytes
      }, source: "the bundle from \(peerName)", spoolingIn: FileSystem.temporaryDirectory, acceptingVersion1: false)
  }

  /// The error for a peer that went away.
  func ended() -> SoftadastraError {
    SoftadastraError(
      .io,
      "\(peerName) ended the exchange early; what was applied so far is kept, and the next exchange resumes from there")
  }

  /// Waits until `descriptor` is ready for `events`, or the deadline passes.
  private func wait(for events: Int16, on descriptor: Int32) throws(SoftadastraError) {
    guard let deadline, let timeout else { return }
    while true {
      guard !deadline.hasPassed else {
        throw SoftadastraError(
          .io,
          "\(peerName) did not finish the exchange within \(Int(timeout)) seconds; what was applied so far is kept",
          remedy: .allowMoreTime)
      }
      var poller = pollfd(fd: descriptor, events: events, revents: 0)
      let ready = poll(&poller, 1, Int32(deadline.millisecondsLeft(atMost: 60_000)))
      if ready > 0 || (ready < 0 && errno != EINTR) { return }
    }
  }

  /// Up to `count` bytes: fewer only when the stream ends. Memory grows with the bytes that
  /// arrive, not with `count`.
  private func read(_ count: Int) throws(SoftadastraError) -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: min(count, 1 << 16))
    var done = 0
    while done < count {
      try wait(for: Int16(POLLIN), on: input)
      let want = min(chunk.count, count - done)
      let got = chunk.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress!, want) }
      if got < 0, errno == EINTR { continue }
      if got < 0 { throw SoftadastraError(.io, "cannot read from \(peerName): \(String(cString: strerror(errno)))") }
      if got == 0 { return bytes }
      bytes.append(contentsOf: chunk[0..<got])
      done += got
    }
    return bytes
  }
}
