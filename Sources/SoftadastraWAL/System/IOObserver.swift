/// A file-system operation that changes what is on disk, as `SystemFile` and `FileSystem` make it.
///
/// This is the seam under the library's file I/O: tests install an `IOObserver` that records
/// these events and rebuilds every state a power cut could leave (synced data kept, unsynced
/// writes and directory changes dropped or kept in order). Paths are as the library passed them.
package enum IOEvent: Sendable {
  /// A file was opened (`created`: the call created it); `handle` names it in later events.
  case opened(handle: ObjectIdentifier, path: String, created: Bool)
  case wrote(handle: ObjectIdentifier, offset: UInt64, bytes: [UInt8])
  case truncated(handle: ObjectIdentifier, size: UInt64)
  /// `fsync` or `fdatasync` of the file returned.
  case synced(handle: ObjectIdentifier)
  /// `fsync` of a directory returned: its entries as they are now are durable.
  case syncedDirectory(path: String)
  case renamed(from: String, to: String)
  case linked(from: String, to: String)
  case unlinked(path: String)
  case madeDirectory(path: String)
  case removedDirectory(path: String)
}

/// An operation about to be made, which an observer may make fail (fault injection).
package enum IOOperation: Sendable {
  case write(path: String, offset: UInt64, count: Int)
  case sync(path: String)
  /// `fsync` of a directory.
  case syncDirectory(path: String)
  case rename(from: String, to: String)
  case link(from: String, to: String)
  case unlink(path: String)
  case makeDirectory(path: String)
  case truncate(path: String)
  /// A file is created (opened with `O_CREAT` where nothing was).
  case create(path: String)

  /// The path the operation changes (the new name for a rename or link).
  package var path: String {
    switch self {
    case .write(let path, _, _), .sync(let path), .syncDirectory(let path), .unlink(let path), .makeDirectory(let path),
      .truncate(let path), .create(let path):
      path
    case .rename(_, let to), .link(_, let to): to
    }
  }
}

/// Receives every `IOEvent` while installed, and may make operations fail. For tests; nothing is
/// installed in normal use.
package protocol IOObserver: AnyObject, Sendable {
  func observe(_ event: IOEvent)
  /// An `errno` to fail `operation` with instead of making it, or nil to let it happen.
  func failure(for operation: IOOperation) -> Int32?
}

extension IOObserver {
  package func failure(for operation: IOOperation) -> Int32? { nil }
}

/// The installed observer, if any (one at a time).
package enum IOObservation {
  private static let current = Locked<(any IOObserver)?>(nil)

  /// Held while an observer is installed, so that two callers (tests running in parallel) take
  /// turns instead of replacing each other's observer.
  private static let installation = Locked<Void>(())

  /// Installs `observer` for the duration of `body`; waits while another one is installed.
  package static func with<T>(_ observer: any IOObserver, _ body: () throws -> T) rethrows -> T {
    try installation.withLock { _ in
      current.withLock { $0 = observer }
      defer { current.withLock { $0 = nil } }
      return try body()
    }
  }

  /// Whether an observer is installed.
  static var isObserving: Bool { current.withLock { $0 != nil } }

  @inline(__always)
  static func report(_ event: @autoclosure () -> IOEvent) {
    current.withLock { observer in observer?.observe(event()) }
  }

  /// The `errno` the installed observer wants `operation` to fail with, if any.
  @inline(__always)
  static func injectedFailure(_ operation: @autoclosure () -> IOOperation) -> Int32? {
    current.withLock { observer in observer?.failure(for: operation()) }
  }
}
