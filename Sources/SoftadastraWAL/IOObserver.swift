import Synchronization

/// A file-system operation that changes what is on disk, as `SystemFile` and `FileSystem` make it.
///
/// This is the seam under the library's file I/O: tests install an `IOObserver` that records
/// these events and rebuilds every state a power cut could leave (synced data kept, unsynced
/// writes and directory changes dropped or kept in order). Paths are as the library passed them.
public enum IOEvent: Sendable {
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

/// Receives every `IOEvent` while installed. For tests; nothing is installed in normal use.
public protocol IOObserver: AnyObject, Sendable {
  func observe(_ event: IOEvent)
}

/// The installed observer, if any (one at a time).
public enum IOObservation {
  private static let current = Mutex<(any IOObserver)?>(nil)

  /// Installs `observer` for the duration of `body`.
  public static func with<T>(_ observer: any IOObserver, _ body: () throws -> T) rethrows -> T {
    current.withLock { $0 = observer }
    defer { current.withLock { $0 = nil } }
    return try body()
  }

  @inline(__always)
  static func report(_ event: @autoclosure () -> IOEvent) {
    current.withLock { observer in observer?.observe(event()) }
  }
}
