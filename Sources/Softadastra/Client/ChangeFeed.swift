@_spi(Storage) import SoftadastraWAL

#if canImport(Glibc)
  import Glibc
#endif

/// A node's committed changes as they happen, by this client and by any other process, in log
/// order: `Client.changes(prefix:)`.
///
/// A thread of its own reads the live WAL from where the client's state ended when the feed was
/// made, looking at the file (one `lstat`) every poll interval: it delivers each whole batch once
/// it is committed, follows checkpoints into the next log, and says `reset` when a restore or a
/// repair put another log in place (then goes on after that log's records). It stops when the
/// consumer stops iterating or its task is cancelled; damage met in the log ends it with the error.
public struct NodeChanges: AsyncSequence, Sendable {
  public typealias Element = NodeChange
  private let stream: AsyncThrowingStream<NodeChange, any Error>

  public func makeAsyncIterator() -> AsyncThrowingStream<NodeChange, any Error>.Iterator {
    stream.makeAsyncIterator()
  }

  /// Starts following `log` (positioned where the feed starts) on a thread of its own.
  init(following log: WALScanner, walPath: String, prefix: [UInt8], pollInterval: Duration) throws(SoftadastraError) {
    let (stream, continuation) = AsyncThrowingStream.makeStream(of: NodeChange.self)
    self.stream = stream
    let stopped = StopFlag()
    continuation.onTermination = { _ in stopped.value.withLock { $0 = true } }
    let (seconds, attoseconds) = pollInterval.components
    let pause = UInt32(clamping: Swift.max(1, seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
    let box = LogBox(log)
    try NativeThread.startDetached {
      do throws(SoftadastraError) {
        try Self.follow(box.take(), walPath: walPath, prefix: prefix, pause: pause, stopped: stopped) {
          continuation.yield($0)
        }
        continuation.finish()
      } catch {
        continuation.finish(throwing: error)
      }
    }
  }

  /// Reads the log as it grows until `stopped`, passing each change under `prefix` to `deliver`.
  private static func follow(
    _ log: consuming WALScanner, walPath: String, prefix: [UInt8], pause: UInt32, stopped: StopFlag,
    deliver: (NodeChange) -> Void
  ) throws(SoftadastraError) {
    var log = log
    let files = NodeFiles(walPath: walPath)
    var seen: FileStatus?
    while !stopped.value.withLock({ $0 }) {
      guard log.ending == nil || log.mayHaveChanged(since: seen) else {
        usleep(pause)
        continue
      }
      seen = try? log.fileStatus()
      while let scanned = try log.next() {
        if let change = NodeChange(scanned.record), change.key!.starts(with: prefix) { deliver(change) }
      }
      if case .corrupt(let corruption) = log.ending { throw SoftadastraError.damaged(path: log.path, corruption) }
      let replacements = log.replacements
      try log.refresh(sealed: files.sealedLogs)
      if log.replacements != replacements {
        // Another history: say so, then go on after what it holds now (every later record is
        // delivered; the consumer reads the state again).
        deliver(.reset)
        while try log.next() != nil {}
      }
    }
  }

  /// Set when the consumer is done.
  private final class StopFlag: Sendable {
    let value = Locked(false)
  }

  /// Hands the reader to the feed's thread (it is used there only).
  private final class LogBox: @unchecked Sendable {
    private var log: WALScanner?
    init(_ log: WALScanner) { self.log = log }
    func take() -> WALScanner {
      defer { log = nil }
      return log!
    }
  }
}

extension Client {
  /// The changes committed to the node from the present on, by this client and by any other
  /// process, whose key starts with `prefix`: a writing client's own commits too. The feed
  /// starts where this client's state ends (it delivers every commit the state does not show
  /// yet) and looks at the log every `pollInterval`.
  ///
  /// ```swift
  /// for try await change in try client.changes(prefix: Array("settings/".utf8)) {
  ///   if case .put(let key, let value, _, _) = change { apply(key, value) }
  /// }
  /// ```
  ///
  /// - Throws: `invalidArgument` for a memory-only client (it has no log); file errors.
  public func changes(prefix: [UInt8] = [], pollInterval: Duration = .milliseconds(20)) throws(SoftadastraError)
    -> NodeChanges
  {
    try checkOpen()
    guard let walPath else {
      throw SoftadastraError(.invalidArgument, "a memory-only client has no log to follow; give it a walPath")
    }
    return try NodeChanges(
      following: try feedStart(walPath), walPath: walPath, prefix: prefix, pollInterval: pollInterval)
  }

  /// A reader of the live WAL of its own, where this client's state ends (after catching up with
  /// the present); at the log's end when the client holds no position in that file.
  private func feedStart(_ walPath: String) throws(SoftadastraError) -> WALScanner {
    if state != nil { try seePresent() }
    let file = try SystemFile.openForReading(walPath)
    let identity = try file.identity()
    let known: (header: WALHeader, tail: LogTail)? =
      if let writer, try writer.fileIdentity() == identity {
        (writer.header, writer.tail)
      } else if let log = follower?.log, try log.fileIdentity() == identity {
        (log.header, log.tail)
      } else {
        nil
      }
    if let known { return try WALScanner(file: file, header: known.header, from: known.tail) }
    var log = try WALScanner(file: file, materialize: false)
    while try log.next() != nil {}
    return try WALScanner(file: file, header: log.header, from: log.tail)
  }
}

extension Client {
  /// `key`'s value now, then each value it takes as commits change it (nil when it is deleted),
  /// by any process; after a restore, its value in the restored node. Ends when the consumer
  /// stops iterating.
  ///
  /// ```swift
  /// for try await theme in try client.values(of: Array("settings/theme".utf8)) { apply(theme) }
  /// ```
  public func values(of key: [UInt8], pollInterval: Duration = .milliseconds(20)) throws(SoftadastraError)
    -> AsyncThrowingStream<Value?, any Error>
  {
    // The feed first, then the value: every change after the value's own is delivered (changes
    // the value already holds are told by their LSN and skipped).
    let feed = try changes(prefix: key, pollInterval: pollInterval)
    let entry = try entryOrTombstone(key)
    guard let walPath else { throw SoftadastraError(.notOpen, "the client is not open; call open() first") }
    let nodeID = options.nodeID
    return AsyncThrowingStream { continuation in
      continuation.yield(entry.flatMap { $0.isTombstone ? nil : Value($0.value) })
      let task = Task {
        do {
          var shown = entry?.lsn ?? 0
          for try await change in feed {
            switch change {
            case .put(key, let value, let lsn, _) where lsn > shown:
              continuation.yield(value)
              shown = lsn
            case .delete(key, let lsn, _) where lsn > shown:
              continuation.yield(nil)
              shown = lsn
            case .reset:
              // Another history: the key's value in it, read for that key alone; later changes
              // to it are told by their LSN in that history.
              let node = try NodeRecovery.recover(walPath: walPath, nodeID: nodeID, onlyKey: key)
              let restored = try node.state.entryOrTombstone(for: key)
              continuation.yield(restored.flatMap { $0.isTombstone ? nil : Value($0.value) })
              shown = restored?.lsn ?? 0
            default: break
            }
          }
          continuation.finish()
        } catch {
          continuation.finish(throwing: error)
        }
      }
      continuation.onTermination = { _ in task.cancel() }
    }
  }
}
