#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The exclusive lock that makes a process the only writer of a log: `flock` on `<wal>.lock`.
///
/// Readers never take it. The lock file stays in place; the kernel releases the lock when the
/// holder closes it or dies, so a crash never leaves a stale lock behind. The holder writes its
/// process id and command line into the file (`LockHolder`), for the message of a wait that
/// gives up and for `status`.
///
/// Waiting is fair enough that a process committing in a tight loop cannot starve the others:
/// a waiter marks itself in a waiting room (a shared OFD lock on byte 1 of the lock file), and
/// while anyone waits, a process that wants the lock waits its turn in the room instead of
/// taking the lock the moment it is released.
///
/// The file's second page holds the log's change count (`ChangeCounter`), which the holder writes
/// when it is missing: a holder that lets the lock go advances it, unless it says it changed
/// nothing or advanced it itself (`WALWriter`).
package final class WriterLock {
  package let path: String
  private let walPath: String
  private let file: SystemFile
  /// The log's change count, shared with every process that has the log open; nil where there
  /// is none (`ChangeCounter`). Set once the lock is first taken.
  package private(set) var changes: ChangeCounter?
  private var countPrepared = false
  /// Whether this process holds it now (not after `suspend()` or `release()`).
  package private(set) var holds = false

  private init(path: String, walPath: String, file: SystemFile) {
    self.path = path
    self.walPath = walPath
    self.file = file
  }

  /// A lock dropped while held (an error between taking and letting go) counts as a change.
  deinit { if holds { advanceChanges() } }

  /// Advances the log's change count; only while holding the lock. A failure (an I/O error on
  /// the lock file's page, which its creation allocated) leaves other processes to notice the
  /// change at their next look, within a tick of the coarse clock (`ChangeWatch`).
  package func advanceChanges() {
    guard holds else { return }
    changes?.advance(through: file.descriptor)
  }

  /// The lock file that guards the log at `walPath`.
  package static func lockPath(forWAL walPath: String) -> String { walPath + ".lock" }

  /// Takes the lock of the log at `walPath`, waiting up to `timeout` seconds for another writer.
  ///
  /// - Throws: `lockTimeout` naming the lock file (and its holder) when it stays held; file
  ///   errors otherwise.
  package static func acquire(walPath: String, timeout: Double) throws(SoftadastraError) -> WriterLock {
    let path = lockPath(forWAL: walPath)
    let lock = WriterLock(path: path, walPath: walPath, file: try SystemFile.openOrCreate(path))
    try lock.take(timeout: timeout)
    return lock
  }

  /// Takes the lock (again, after `suspend()`), waiting up to `timeout` seconds as `acquire` does.
  package func take(timeout: Double) throws(SoftadastraError) {
    guard !holds else { return }
    let deadline = Deadline(secondsFromNow: timeout)
    var free = false
    if !Self.someoneWaits(file.descriptor) { free = try Self.tryLock(file, path) }
    if !free {
      guard Self.waitingRoom(file.descriptor, enter: true) else {
        throw .system(errno, "cannot wait for \(path)", path: path)
      }
      defer { _ = Self.waitingRoom(file.descriptor, enter: false) }
      var pause: UInt32 = 200
      while try !Self.tryLock(file, path) {
        if deadline.hasPassed {
          let holder = Self.holder(walPath: walPath)
          throw SoftadastraError(
            .lockTimeout,
            "another process is writing \(walPath): lock \(path) still held\(holder.map { " by \($0)" } ?? "") after \(formatSeconds(timeout)) s",
            path: path, detail: LockHeld(lockPath: path, holderPID: holder?.pid), remedy: .waitLonger)
        }
        usleep(pause)
        pause = min(pause * 2, 5_000)
      }
    }
    holds = true
    if !countPrepared {
      do throws(SoftadastraError) { changes = try ChangeCounter.prepare(lockFile: file) } catch {
        suspend(advancing: false)
        throw error
      }
      countPrepared = true
    }
    // Who holds it, for the message of a wait that gives up and for `status` (a longer line an
    // earlier holder left is cut off by this one's newline). Written only when another holder's
    // is there: a page dirtied at every commit would be flushed with the WAL at every sync.
    let line = LockHolder.current.line
    if (try? file.read(count: line.count, at: 0)) != line { try? file.write(line, at: 0) }
  }

  /// Lets the lock go and keeps the lock file open, for the next `take(timeout:)`. The holder's
  /// line stays: it is read only while the lock is held, and the next holder writes its own.
  ///
  /// - Parameter advancing: whether to advance the change count first: pass false only when the
  ///   holder changed nothing or advanced it after each change itself.
  package func suspend(advancing: Bool = true) {
    guard holds else { return }
    if advancing { advanceChanges() }
    flock(file.descriptor, LOCK_UN)
    holds = false
  }

  /// Releases the lock now rather than when the object goes away (`advancing` as for `suspend`).
  package func release(advancing: Bool = true) {
    suspend(advancing: advancing)
    file.close()
  }

  /// Takes the lock if it is free.
  private static func tryLock(_ file: SystemFile, _ path: String) throws(SoftadastraError) -> Bool {
    if flock(file.descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
    guard errno == EWOULDBLOCK || errno == EINTR else { throw .system(errno, "cannot lock \(path)", path: path) }
    return false
  }

  /// Byte 1 of the lock file, locked shared by every process waiting for the lock (open file
  /// description locks: independent of `flock`, and of other descriptors in the same process).
  private static func waitingRoom(_ descriptor: Int32, enter: Bool) -> Bool {
    var region = flock()
    region.l_type = Int16(enter ? F_RDLCK : F_UNLCK)
    region.l_whence = Int16(SEEK_SET)
    region.l_start = 1
    region.l_len = 1
    return fcntl(descriptor, openFileDescriptionSetLock, &region) == 0
  }

  /// Whether any process is in the waiting room.
  private static func someoneWaits(_ descriptor: Int32) -> Bool {
    var region = flock()
    region.l_type = Int16(F_WRLCK)
    region.l_whence = Int16(SEEK_SET)
    region.l_start = 1
    region.l_len = 1
    guard fcntl(descriptor, openFileDescriptionGetLock, &region) == 0 else { return false }
    return region.l_type != Int16(F_UNLCK)
  }

  /// `F_OFD_SETLK` and `F_OFD_GETLK` (Linux 3.15), which Glibc's module does not export.
  private static let openFileDescriptionGetLock: Int32 = 36
  private static let openFileDescriptionSetLock: Int32 = 37

  /// Who holds the lock of the log at `walPath` now, as the holder recorded it; nil when it is
  /// free or the holder is not known.
  package static func holder(walPath: String) -> LockHolder? {
    guard isHeld(walPath: walPath), let file = try? SystemFile.openForReading(lockPath(forWAL: walPath)),
      let bytes = try? file.read(count: 512, at: 0)
    else { return nil }
    return LockHolder.parse(bytes)
  }

  /// Whether a writer holds the lock of the log at `walPath` right now. Checks with a shared,
  /// non-blocking `flock` that is released at once, so it never waits and never blocks a writer
  /// for longer than the check.
  package static func isHeld(walPath: String) -> Bool {
    let descriptor = open(lockPath(forWAL: walPath), O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    return flock(descriptor, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK
  }

}

func formatSeconds(_ seconds: Double) -> String {
  seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
}
