#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An open file descriptor with the few operations the log needs, each retried on EINTR and
/// turned into a `SoftadastraError` that names the file.
package final class SystemFile {
  package let path: String
  package private(set) var descriptor: Int32
  /// The device and inode, once read: an open descriptor's never change.
  private var knownIdentity: FileIdentity?

  private init(path: String, descriptor: Int32) {
    self.path = path
    self.descriptor = descriptor
  }

  deinit { if descriptor >= 0 { _ = Glibc.close(descriptor) } }

  /// Opens `path` read-only.
  package static func openForReading(_ path: String) throws(SoftadastraError) -> SystemFile {
    try open(path, flags: O_RDONLY | O_CLOEXEC, mode: 0, doing: "open")
  }

  /// Opens an existing `path` for reading and writing.
  package static func openForUpdate(_ path: String) throws(SoftadastraError) -> SystemFile {
    try open(path, flags: O_RDWR | O_CLOEXEC, mode: 0, doing: "open")
  }

  /// Creates `path`, which must not exist, with mode 0600.
  package static func createExclusive(_ path: String) throws(SoftadastraError) -> SystemFile {
    try open(path, flags: O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o600, doing: "create")
  }

  /// Opens `path`, creating it with mode 0600 when missing.
  package static func openOrCreate(_ path: String) throws(SoftadastraError) -> SystemFile {
    try open(path, flags: O_RDWR | O_CREAT | O_CLOEXEC, mode: 0o600, doing: "create")
  }

  /// Opens `path`, creating it with mode 0600 when missing, never through a symbolic link at
  /// its end.
  package static func openOrCreateNotFollowing(_ path: String) throws(SoftadastraError) -> SystemFile {
    try open(path, flags: O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode: 0o600, doing: "create")
  }

  private static func open(_ path: String, flags: Int32, mode: mode_t, doing action: String)
    throws(SoftadastraError) -> SystemFile
  {
    // Whether the call creates the file matters only to an observer (an extra stat otherwise).
    let existed = flags & O_CREAT != 0 && IOObservation.isObserving && FileSystem.exists(path)
    if flags & O_CREAT != 0, !existed, let code = IOObservation.injectedFailure(.create(path: path)) {
      throw .system(code, "cannot \(action) \(path)", path: path, creating: true)
    }
    while true {
      let fd = Glibc.open(path, flags, mode)
      if fd >= 0 {
        let file = SystemFile(path: path, descriptor: fd)
        IOObservation.report(
          .opened(handle: ObjectIdentifier(file), path: path, created: flags & O_CREAT != 0 && !existed))
        return file
      }
      if errno != EINTR { throw .system(errno, "cannot \(action) \(path)", path: path, creating: action == "create") }
    }
  }

  /// The file's current size in bytes.
  package func size() throws(SoftadastraError) -> UInt64 {
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw .system(errno, "cannot stat \(path)", path: path) }
    return UInt64(info.st_size)
  }

  /// What one `fstat` says of the open file that changes when someone changes it: its size, its
  /// link count and its status-change time (see `FileStatus` for what it does not tell).
  package func status() throws(SoftadastraError) -> FileStatus { try identityAndStatus().status }

  /// `identity()` and `status()` from one `fstat`.
  package func identityAndStatus() throws(SoftadastraError) -> (identity: FileIdentity, status: FileStatus) {
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw .system(errno, "cannot stat \(path)", path: path) }
    let identity = FileIdentity(info)
    knownIdentity = identity
    return (identity, FileStatus(info))
  }

  /// This file's status, read with one `lstat` of `path`, when `path` still names this file;
  /// nil when another file (or nothing) is there now. Equal to `status()`, one `fstat` fewer.
  package func status(ifStillAt path: String) throws(SoftadastraError) -> FileStatus? {
    var info = stat()
    guard lstat(path, &info) == 0, FileIdentity(info) == (try identity()) else { return nil }
    return FileStatus(info)
  }

  /// Moves the file's status-change time without changing its bytes or its mode (a `fchmod` to
  /// the mode it has), so that others who watch `status()` look at it again.
  package func touch() throws(SoftadastraError) {
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw .system(errno, "cannot stat \(path)", path: path) }
    guard fchmod(descriptor, info.st_mode & 0o7777) == 0 else {
      throw .system(errno, "cannot mark \(path) as changed", path: path)
    }
  }

  /// The device and inode of the open file: whether a path still names it.
  package func identity() throws(SoftadastraError) -> FileIdentity {
    if let knownIdentity { return knownIdentity }
    return try identityAndStatus().identity
  }

  /// Whether the four bytes before `offset` are `checksum`: a record (or a log's header) ending
  /// there with that CRC is still in place.
  package func endsRecord(at offset: UInt64, withChecksum checksum: UInt32) throws(SoftadastraError) -> Bool {
    guard offset >= 4 else { return false }
    let bytes = try read(count: 4, at: offset - 4)
    return bytes.count == 4 && bytes.withUnsafeBytes { $0.loadLittleEndian(at: 0, as: UInt32.self) } == checksum
  }

  /// Reads up to `count` bytes at `offset` into `buffer`; fewer only at the end of the file.
  package func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(SoftadastraError) -> Int {
    var done = 0
    while done < buffer.count {
      let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
      if n == 0 { break }
      if n < 0 {
        if errno == EINTR { continue }
        throw .system(errno, "cannot read \(path) at offset \(offset + UInt64(done))", path: path)
      }
      done += n
    }
    return done
  }

  /// Reads `count` bytes at `offset`; fewer only at the end of the file.
  package func read(count: Int, at offset: UInt64) throws(SoftadastraError) -> [UInt8] {
    var failure: SoftadastraError?
    // Not zeroed first (a get in a new process reads a whole index): only what `pread` filled is
    // kept.
    let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
      do throws(SoftadastraError) {
        initialized = try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
      } catch {
        failure = error
        initialized = 0
      }
    }
    if let failure { throw failure }
    return bytes
  }

  /// Writes all of `bytes` at `offset`.
  package func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(SoftadastraError) {
    if let code = IOObservation.injectedFailure(.write(path: path, offset: offset, count: bytes.count)) {
      throw .system(code, "cannot write \(path) at offset \(offset)", path: path)
    }
    var done = 0
    while done < bytes.count {
      let n = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
      if n < 0 {
        if errno == EINTR { continue }
        throw .system(errno, "cannot write \(path) at offset \(offset + UInt64(done))", path: path)
      }
      done += n
    }
    IOObservation.report(.wrote(handle: ObjectIdentifier(self), offset: offset, bytes: Array(bytes)))
  }

  /// Writes all of `bytes` at `offset`.
  package func write(_ bytes: [UInt8], at offset: UInt64) throws(SoftadastraError) {
    try bytes.withUnsafeBytes { buffer in
      Result { () throws(SoftadastraError) in try write(buffer, at: offset) }
    }.get()
  }

  /// Makes written data durable (`fdatasync`).
  package func syncData() throws(SoftadastraError) {
    if let code = IOObservation.injectedFailure(.sync(path: path)) {
      throw .system(code, "cannot sync \(path) to disk", path: path)
    }
    while fdatasync(descriptor) != 0 {
      if errno != EINTR { throw .system(errno, "cannot sync \(path) to disk", path: path) }
    }
    IOObservation.report(.synced(handle: ObjectIdentifier(self)))
  }

  /// Makes written data and metadata durable (`fsync`).
  package func sync() throws(SoftadastraError) {
    if let code = IOObservation.injectedFailure(.sync(path: path)) {
      throw .system(code, "cannot sync \(path) to disk", path: path)
    }
    while fsync(descriptor) != 0 {
      if errno != EINTR { throw .system(errno, "cannot sync \(path) to disk", path: path) }
    }
    IOObservation.report(.synced(handle: ObjectIdentifier(self)))
  }

  /// Cuts the file to `size` bytes.
  package func truncate(to size: UInt64) throws(SoftadastraError) {
    if let code = IOObservation.injectedFailure(.truncate(path: path)) {
      throw .system(code, "cannot truncate \(path)", path: path)
    }
    while ftruncate(descriptor, off_t(size)) != 0 {
      if errno != EINTR { throw .system(errno, "cannot truncate \(path)", path: path) }
    }
    IOObservation.report(.truncated(handle: ObjectIdentifier(self), size: size))
  }

  /// Closes the descriptor; later calls fail.
  package func close() {
    if descriptor >= 0 { _ = Glibc.close(descriptor) }
    descriptor = -1
  }
}

extension SoftadastraError {
  /// An error for a failed system call, classified by `errno`.
  public static func system(_ code: Int32, _ what: String, path: String, creating: Bool = false) -> SoftadastraError {
    // A directory where a file was expected: the input is wrong, not the disk.
    if code == EISDIR, !creating {
      return SoftadastraError(
        .notFound, "\(path) is a directory, not a file", path: path, detail: SystemCallFailure(errno: code))
    }
    let reason = String(cString: strerror(code))
    let kind: Kind =
      switch code {
      case ENOENT, ENOTDIR: creating ? .cannotCreate : .notFound
      case EACCES, EPERM, EROFS: .permissionDenied
      case EEXIST, EISDIR: creating ? .cannotCreate : .io
      default: .io
      }
    return SoftadastraError(kind, "\(what): \(reason)", path: path, detail: SystemCallFailure(errno: code))
  }
}
