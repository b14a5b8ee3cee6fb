#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The exclusive lock that makes a process the only writer of a log: `flock` on `<wal>.lock`.
///
/// Readers never take it. The lock file stays in place; the kernel releases the lock when the
/// holder closes it or dies, so a crash never leaves a stale lock behind.
public final class WriterLock {
  public let path: String
  private let file: SystemFile

  private init(path: String, file: SystemFile) {
    self.path = path
    self.file = file
  }

  /// The lock file that guards the log at `walPath`.
  public static func lockPath(forWAL walPath: String) -> String { walPath + ".lock" }

  /// Takes the lock of the log at `walPath`, waiting up to `timeout` seconds for another writer.
  ///
  /// - Throws: `lockTimeout` naming the lock file when it stays held; file errors otherwise.
  public static func acquire(walPath: String, timeout: Double) throws(SoftadastraError) -> WriterLock {
    let path = lockPath(forWAL: walPath)
    let file = try SystemFile.openOrCreate(path)
    let deadline = Deadline(secondsFromNow: timeout)
    var pause: UInt32 = 1_000
    while flock(file.descriptor, LOCK_EX | LOCK_NB) != 0 {
      guard errno == EWOULDBLOCK || errno == EINTR else {
        throw .system(errno, "cannot lock \(path)", path: path)
      }
      if deadline.hasPassed {
        throw SoftadastraError(
          .lockTimeout,
          "another process is writing \(walPath): lock \(path) still held after \(formatSeconds(timeout)) s; retry later or raise --lock-timeout",
          path: path, detail: LockHeld(lockPath: path))
      }
      usleep(pause)
      pause = min(pause * 2, 50_000)
    }
    return WriterLock(path: path, file: file)
  }

  /// Whether a writer holds the lock of the log at `walPath` right now. Checks with a shared,
  /// non-blocking `flock` that is released at once, so it never waits and never blocks a writer
  /// for longer than the check.
  public static func isHeld(walPath: String) -> Bool {
    let descriptor = open(lockPath(forWAL: walPath), O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    return flock(descriptor, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK
  }

  /// Releases the lock now rather than when the object goes away.
  public func release() { file.close() }
}

func formatSeconds(_ seconds: Double) -> String {
  seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
}
