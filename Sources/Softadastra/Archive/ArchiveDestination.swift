@_spi(Storage) import SoftadastraWAL

#if canImport(Glibc)
  import Glibc
#endif

/// Where continuous archiving stores its files: a directory here, or any carrier a command
/// reaches (`softadastra archive --archive-command`).
public protocol ArchiveDestination: Sendable {
  /// Says where the files go. The archiving state records it: another destination starts a new
  /// chain there, with a base.
  var identity: String { get }
  /// Stores the file at `path` as `name`, durably, before returning. Storing a name again with
  /// the same bytes (after a crash) must succeed; a name is never given other bytes.
  func store(_ path: String, as name: String) throws(SoftadastraError)
}

/// Where a restore finds the files of archive chains: a directory here, or any carrier commands
/// reach (`softadastra restore --list-command --restore-command`).
public protocol ArchiveLocation: Sendable {
  /// Says where the files are, in messages.
  var description: String { get }
  /// The names of the files there (other names are ignored).
  func names() throws(SoftadastraError) -> [String]
  /// Copies the file `name` to `path` (which does not exist).
  func fetch(_ name: String, to path: String) throws(SoftadastraError)
  /// How reports name the file `name` there: its path, when it has one here.
  func displayPath(of name: String) -> String
}

extension ArchiveLocation {
  public func displayPath(of name: String) -> String { name }
}

/// A directory (local, or a network file system mounted here): each file is copied as a hidden
/// `.<name>.part`, synced, renamed to its name and the directory synced, so a file with its
/// final name is always complete. A file of that name already there is kept when its bytes are
/// the same, and never replaced when they differ.
public struct ArchiveDirectory: ArchiveDestination, ArchiveLocation {
  public let directory: String

  public init(_ directory: String) { self.directory = directory }

  /// The directory's real path, so that the same directory named another way is the same.
  public func displayPath(of name: String) -> String { "\(directory)/\(name)" }

  public var identity: String {
    guard let real = realpath(directory, nil) else { return "dir:\(directory)" }
    defer { free(real) }
    return "dir:\(String(cString: real))"
  }
  public var description: String { directory }

  public func names() throws(SoftadastraError) -> [String] {
    guard let names = FileSystem.names(in: directory) else {
      if !FileSystem.exists(directory) {
        throw SoftadastraError(.notFound, "archive directory \(directory) does not exist", path: directory)
      }
      throw .system(errno, "cannot list \(directory)", path: directory)
    }
    return names.filter { !$0.hasPrefix(".") }
  }

  public func fetch(_ name: String, to path: String) throws(SoftadastraError) {
    let source = try SystemFile.openForReading("\(directory)/\(name)")
    defer { source.close() }
    let file = try SystemFile.createExclusive(path)
    defer { file.close() }
    _ = try BackupWriter.copy(source, range: 0, size: try source.size(), to: file)
  }

  public func store(_ path: String, as name: String) throws(SoftadastraError) {
    guard FileSystem.isDirectory(directory) else {
      if FileSystem.exists(directory) {
        throw SoftadastraError(
          .cannotCreate, "cannot archive into \(directory): it is not a directory", path: directory)
      }
      throw SoftadastraError(
        .notFound, "archive directory \(directory) does not exist", path: directory,
        remedy: .createDirectory(directory))
    }
    let target = "\(directory)/\(name)"
    let source = try SystemFile.openForReading(path)
    defer { source.close() }
    let size = try source.size()
    if FileSystem.exists(target) {
      guard try Self.sameBytes(source, size: size, as: target) else {
        throw SoftadastraError(
          .cannotCreate, "\(target) already exists with other contents; it is never replaced", path: target)
      }
      // Stored before a crash, perhaps not yet durably: make it so before saying it is stored.
      try SystemFile.openForReading(target).sync()
      try FileSystem.syncDirectory(directory)
      return
    }
    let part = "\(directory)/.\(name).part"
    FileSystem.removeFile(part)
    let file = try SystemFile.createExclusive(part)
    defer { file.close() }
    do throws(SoftadastraError) {
      _ = try BackupWriter.copy(source, range: 0, size: size, to: file)
      try file.sync()
      try FileSystem.renameDurably(part, to: target)
    } catch {
      FileSystem.removeFile(part)
      throw error
    }
  }

  private static func sameBytes(_ source: SystemFile, size: UInt64, as path: String) throws(SoftadastraError) -> Bool {
    let other = try SystemFile.openForReading(path)
    defer { other.close() }
    guard try other.size() == size else { return false }
    var offset: UInt64 = 0
    while offset < size {
      let count = Int(min(1 << 20, size - offset))
      let chunk = try source.read(count: count, at: offset)
      guard !chunk.isEmpty, try other.read(count: count, at: offset) == chunk else { return false }
      offset += UInt64(chunk.count)
    }
    return true
  }
}
