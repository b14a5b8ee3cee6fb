#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file as the file system knows it, whatever its names.
package struct FileIdentity: Sendable, Equatable, Hashable {
  package var device: UInt64
  package var inode: UInt64

  init(_ info: stat) {
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
  }
}

/// File-system operations on paths.
package enum FileSystem {
  /// Whether something exists at `path` (a dangling symbolic link counts as missing). A path
  /// that cannot be checked for lack of permission counts as existing, so that opening it
  /// reports the permission problem rather than a missing file.
  package static func exists(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 || (errno != ENOENT && errno != ENOTDIR)
  }

  /// `path` with a symbolic link at its end resolved (to an absolute path, or, for a link to a
  /// file that does not exist yet, to the link's target), so that files created beside a WAL,
  /// and atomic renames over it, happen where the file really is and the link stays; `path`
  /// itself when it is not a symbolic link.
  package static func resolvingSymbolicLink(_ path: String) -> String {
    var info = stat()
    guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK else { return path }
    if let resolved = realpath(path, nil) {
      defer { free(resolved) }
      return String(cString: resolved)
    }
    var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink(path, &target, target.count - 1)
    guard length > 0 else { return path }
    let text = String(decoding: target[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return text.hasPrefix("/") ? text : directory(of: path) + "/" + text
  }

  /// Whether `path` is a directory (following symbolic links).
  package static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }

  /// The directory part of `path` ("." for a bare file name).
  package static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let parent = String(path[..<slash])
    return parent.isEmpty ? "/" : parent
  }

  /// Makes the directory entry changes in `directory` durable (after a create or rename).
  package static func syncDirectory(_ directory: String) throws(SoftadastraError) {
    if let code = IOObservation.injectedFailure(.syncDirectory(path: directory)) {
      throw .system(code, "cannot sync \(directory) to disk", path: directory)
    }
    let file = try SystemFile.openForReading(directory)
    while fsync(file.descriptor) != 0 {
      if errno != EINTR { throw .system(errno, "cannot sync \(directory) to disk", path: directory) }
    }
    IOObservation.report(.syncedDirectory(path: directory))
  }

  /// Renames `source` to `destination` atomically, then syncs the destination's directory.
  package static func renameDurably(_ source: String, to destination: String) throws(SoftadastraError) {
    try rename(source, to: destination)
    try syncDirectory(directory(of: destination))
  }

  /// Puts `bytes` at `path` atomically: writes `path` + `temporarySuffix` (mode 0600), syncs it,
  /// renames it over `path` and syncs the directory. A crash leaves the old file or the new one,
  /// never a partial one.
  package static func writeAtomically(_ bytes: [UInt8], to path: String, temporarySuffix: String = ".new")
    throws(SoftadastraError)
  {
    let temporary = path + temporarySuffix
    removeFile(temporary)
    let file = try SystemFile.createExclusive(temporary)
    do throws(SoftadastraError) {
      try file.write(bytes, at: 0)
      try file.sync()
      file.close()
      try rename(temporary, to: path)
    } catch {
      file.close()
      removeFile(temporary)
      throw error
    }
    try syncDirectory(directory(of: path))
  }

  /// Creates `path` and missing parents with mode 0700; syncs each parent it changed.
  package static func createDirectories(_ path: String) throws(SoftadastraError) {
    if isDirectory(path) { return }
    let parent = directory(of: path)
    if parent != path, !isDirectory(parent) { try createDirectories(parent) }
    if let code = IOObservation.injectedFailure(.makeDirectory(path: path)) {
      throw .system(code, "cannot create directory \(path)", path: path, creating: true)
    }
    if mkdir(path, 0o700) != 0 {
      if errno != EEXIST { throw .system(errno, "cannot create directory \(path)", path: path, creating: true) }
    } else {
      IOObservation.report(.madeDirectory(path: path))
    }
    guard isDirectory(path) else {
      throw SoftadastraError(.cannotCreate, "cannot create directory \(path): a file is in the way", path: path)
    }
    try syncDirectory(parent)
  }

  /// Gives the file at `source` a second name `destination` (a hard link, in the same file
  /// system), then syncs the destination's directory.
  package static func link(_ source: String, to destination: String) throws(SoftadastraError) {
    try hardLink(source, to: destination)
    try syncDirectory(directory(of: destination))
  }

  /// Gives the file at `source` a second name `destination` (a hard link, never replacing a
  /// file), without syncing: the caller syncs the directory once for several changes.
  package static func hardLink(_ source: String, to destination: String) throws(SoftadastraError) {
    if let code = IOObservation.injectedFailure(.link(from: source, to: destination)) {
      throw .system(code, "cannot link \(source) to \(destination)", path: destination, creating: true)
    }
    guard Glibc.link(source, destination) == 0 else {
      throw .system(errno, "cannot link \(source) to \(destination)", path: destination, creating: true)
    }
    IOObservation.report(.linked(from: source, to: destination))
  }

  /// Removes the name `path`, failing when it cannot (no sync).
  package static func unlink(_ path: String) throws(SoftadastraError) {
    if let code = IOObservation.injectedFailure(.unlink(path: path)) {
      throw .system(code, "cannot remove \(path)", path: path)
    }
    guard Glibc.unlink(path) == 0 else { throw .system(errno, "cannot remove \(path)", path: path) }
    IOObservation.report(.unlinked(path: path))
  }

  /// The device and inode of the file at `path` (a symbolic link itself, not its target), or nil
  /// when nothing is there: two names with one identity are one file.
  package static func identity(of path: String) -> FileIdentity? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return FileIdentity(info)
  }

  /// Creates a new directory (mode 0700) named `prefix` plus six random characters in `parent`.
  package static func makeTemporaryDirectory(in parent: String, prefix: String) throws(SoftadastraError) -> String {
    var template = Array("\(parent)/\(prefix)XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else {
      throw .system(errno, "cannot create a temporary directory in \(parent)", path: parent, creating: true)
    }
    let path = String(cString: made)
    IOObservation.report(.madeDirectory(path: path))
    return path
  }

  /// The directory for scratch files: $TMPDIR, or /tmp.
  package static var temporaryDirectory: String {
    guard let value = getenv("TMPDIR"), value.pointee != 0 else { return "/tmp" }
    return String(cString: value)
  }

  /// The names in `directory` (without "." and ".."), or nil when it cannot be listed (`errno`
  /// says why).
  package static func names(in directory: String) -> [String]? {
    guard let handle = opendir(directory) else { return nil }
    defer { closedir(handle) }
    var names: [String] = []
    while let entry = readdir(handle) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  /// Removes a directory that holds only files (no subdirectories), and the files.
  package static func removeFlatDirectory(_ path: String) {
    for name in names(in: path) ?? [] { removeFile("\(path)/\(name)") }
    _ = removeEmptyDirectory(path)
  }

  /// Renames `source` to `destination` (no sync: the caller syncs the directory once).
  package static func rename(_ source: String, to destination: String) throws(SoftadastraError) {
    if let code = IOObservation.injectedFailure(.rename(from: source, to: destination)) {
      throw .system(code, "cannot rename \(source) to \(destination)", path: destination)
    }
    guard Glibc.rename(source, destination) == 0 else {
      throw .system(errno, "cannot rename \(source) to \(destination)", path: destination)
    }
    IOObservation.report(.renamed(from: source, to: destination))
  }

  /// Removes `path` if it is an empty directory; returns whether it did.
  package static func removeEmptyDirectory(_ path: String) -> Bool {
    guard rmdir(path) == 0 else { return false }
    IOObservation.report(.removedDirectory(path: path))
    return true
  }

  /// Removes the file at `path` if there is one.
  package static func removeFile(_ path: String) {
    if Glibc.unlink(path) == 0 { IOObservation.report(.unlinked(path: path)) }
  }
}

/// A file's size, link count and status-change time, as `SystemFile.status()` reads them. A
/// change in any means someone wrote, truncated, linked, renamed or unlinked it; equal twice
/// means nobody appended, truncated or linked it, but not always that nobody renamed it or
/// changed it otherwise: the status-change time only ticks once per clock tick of the kernel on
/// some systems (a few milliseconds), so whether another file took its place at its path is
/// checked by identity (`FileSystem.identity(of:)`), not by this.
package struct FileStatus: Sendable, Equatable {
  package var size: UInt64
  package var links: UInt64
  package var changeNanoseconds: UInt64

  init(_ info: stat) {
    size = UInt64(info.st_size)
    links = UInt64(info.st_nlink)
    changeNanoseconds =
      UInt64(max(0, info.st_ctim.tv_sec)) &* 1_000_000_000 &+ UInt64(max(0, info.st_ctim.tv_nsec))
  }
}
