#if canImport(Glibc)
  import Glibc
#endif

/// The lock that makes a process the only checkpointer of a node, from sealing its log to
/// publishing the snapshot: an open-file-description lock on byte 2 of the writer's lock file
/// (`<wal>.lock`).
///
/// It is independent of the writer lock (`flock` on the same file) and of the waiting room on
/// byte 1: a checkpointer holds it for seconds without keeping anyone from committing. The
/// kernel releases it when the holder closes it or dies. Take it before the writer lock, never
/// while holding the writer lock except with `tryAcquire`, so that no two processes wait for
/// each other.
///
/// `@unchecked Sendable`: a lock is handed from the thread that seals a log to the one that
/// builds the snapshot, never used by two threads at once.
///
/// The same kind of lock on byte 3 makes a process the node's only archiver
/// (`softadastra archive`), independent of the checkpointer and the writers.
package final class CheckpointLock: @unchecked Sendable {
  /// Which byte of the lock file: which role the lock gives.
  package enum Role: Int, Sendable {
    case checkpointer = 2
    case archiver = 3
  }

  private let file: SystemFile

  private init(file: SystemFile) { self.file = file }

  /// The lock when no other process holds it in that role; nil when one does.
  package static func tryAcquire(walPath: String, role: Role = .checkpointer) throws(SoftadastraError)
    -> CheckpointLock?
  {
    let path = WriterLock.lockPath(forWAL: walPath)
    let file = try SystemFile.openOrCreate(path)
    guard try lockByte(file, path, role) else {
      file.close()
      return nil
    }
    return CheckpointLock(file: file)
  }

  /// The lock, waiting up to `timeout` seconds for another checkpointer to finish.
  ///
  /// - Throws: `lockTimeout` when another checkpoint still runs after `timeout` seconds.
  package static func acquire(walPath: String, timeout: Double) throws(SoftadastraError) -> CheckpointLock {
    let deadline = Deadline(secondsFromNow: timeout)
    var pause: UInt32 = 1_000
    while true {
      if let lock = try tryAcquire(walPath: walPath) { return lock }
      if deadline.hasPassed {
        throw SoftadastraError(
          .lockTimeout,
          "another process is checkpointing \(walPath) and still was after \(formatSeconds(timeout)) s",
          path: WriterLock.lockPath(forWAL: walPath), remedy: .waitLonger)
      }
      usleep(pause)
      pause = min(pause * 2, 50_000)
    }
  }

  /// Whether a checkpointer holds the lock of the log at `walPath` now.
  package static func isHeld(walPath: String, role: Role = .checkpointer) -> Bool {
    guard let file = try? SystemFile.openForReading(WriterLock.lockPath(forWAL: walPath)) else { return false }
    defer { file.close() }
    var region = region(role, type: F_WRLCK)
    guard fcntl(file.descriptor, openFileDescriptionGetLock, &region) == 0 else { return false }
    return region.l_type != Int16(F_UNLCK)
  }

  /// Lets the lock go (as does the object going away).
  package func release() { file.close() }

  private static func lockByte(_ file: SystemFile, _ path: String, _ role: Role) throws(SoftadastraError) -> Bool {
    var region = region(role, type: F_WRLCK)
    if fcntl(file.descriptor, openFileDescriptionSetLock, &region) == 0 { return true }
    guard errno == EAGAIN || errno == EACCES || errno == EINTR else {
      throw .system(errno, "cannot lock \(path) for \(role == .archiver ? "archiving" : "a checkpoint")", path: path)
    }
    return false
  }

  private static func region(_ role: Role, type: Int32) -> flock {
    var region = flock()
    region.l_type = Int16(type)
    region.l_whence = Int16(SEEK_SET)
    region.l_start = off_t(role.rawValue)
    region.l_len = 1
    return region
  }

  /// `F_OFD_GETLK` and `F_OFD_SETLK` (Linux 3.15), which Glibc's module does not export.
  private static let openFileDescriptionGetLock: Int32 = 36
  private static let openFileDescriptionSetLock: Int32 = 37
}
