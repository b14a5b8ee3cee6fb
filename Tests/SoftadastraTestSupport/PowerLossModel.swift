import Foundation
import SoftadastraWAL

/// Records the file-system operations the library makes under `root` (through the `IOObserver`
/// seam) and rebuilds the states a power cut after any of them could leave, in the manner of
/// ALICE and CrashMonkey:
///
/// - a file's content is what its last `fsync`/`fdatasync` made durable, plus any prefix, in
///   order, of the writes and truncations made since, the last of them possibly torn;
/// - a directory's entries are what its last `fsync` made durable, plus any prefix, in order, of
///   the creations, renames, links and removals made in it since (each directory on its own, as a
///   journaling file system commits metadata in order).
///
/// So a missing file sync before a rename, or a missing directory sync after one, shows up as a
/// crash state that loses acknowledged data.
public final class PowerLossModel: IOObserver, @unchecked Sendable {
  public let root: String
  private let lock = NSLock()

  /// What one file holds: durable content and the changes made since.
  struct FileState {
    var durable: [UInt8] = []
    var current: [UInt8] = []
    var pending: [Change] = []
  }
  enum Change {
    case write(offset: Int, bytes: [UInt8])
    case truncate(Int)
  }
  /// An entry of a directory: a file (by identity) or a subdirectory.
  enum Entry: Equatable {
    case file(Int)
    case directory
  }
  enum DirectoryChange {
    case set(name: String, entry: Entry)
    case remove(name: String)
  }
  struct DirectoryState {
    var durable: [String: Entry] = [:]
    var current: [String: Entry] = [:]
    var pending: [DirectoryChange] = []
  }

  private var files: [Int: FileState] = [:]
  private var directories: [String: DirectoryState] = [:]
  private var handles: [ObjectIdentifier: Int] = [:]
  private var nextFile = 0
  /// The recorded state after each event: crash point `n` is a power cut right after event `n`
  /// (copies share storage until changed, so keeping them all is cheap).
  private var points: [(files: [Int: FileState], directories: [String: DirectoryState])] = []

  /// The number of crash points recorded so far (events under the root).
  public var eventCount: Int {
    lock.lock()
    defer { lock.unlock() }
    return points.count
  }

  /// Starts recording under `root`, an empty directory that is taken as durable.
  public init(root: String) {
    self.root = root
    directories[root] = DirectoryState()
  }

  /// Takes the files and directories already under the root as durable, as they are on disk
  /// now (for recording a command that works on an existing node).
  public func adoptExistingFiles() throws {
    lock.lock()
    defer { lock.unlock() }
    func adopt(_ directory: String) throws {
      directories[directory] = DirectoryState()
      for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
        let path = directory + "/" + name
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let entry: Entry
        if isDirectory.boolValue {
          try adopt(path)
          entry = .directory
        } else {
          let id = nextFile
          nextFile += 1
          let bytes = [UInt8](FileManager.default.contents(atPath: path) ?? Data())
          files[id] = FileState(durable: bytes, current: bytes, pending: [])
          entry = .file(id)
        }
        directories[directory]!.durable[name] = entry
        directories[directory]!.current[name] = entry
      }
    }
    try adopt(root)
  }

  package func observe(_ event: IOEvent) {
    lock.lock()
    defer { lock.unlock() }
    switch event {
    case .opened(let handle, let path, let created):
      guard let (directory, name) = split(path) else { return }
      if created {
        let id = nextFile
        nextFile += 1
        files[id] = FileState()
        change(directory, .set(name: name, entry: .file(id)))
        handles[handle] = id
      } else if case .file(let id)? = directories[directory]?.current[name] {
        handles[handle] = id
      } else {
        handles[handle] = nil
        return
      }
    case .wrote(let handle, let offset, let bytes):
      guard let id = handles[handle] else { return }
      apply(.write(offset: Int(offset), bytes: bytes), to: id)
    case .truncated(let handle, let size):
      guard let id = handles[handle] else { return }
      apply(.truncate(Int(size)), to: id)
    case .synced(let handle):
      guard let id = handles[handle] else { return }
      files[id]!.durable = files[id]!.current
      files[id]!.pending = []
    case .syncedDirectory(let path):
      let path = normalized(path)
      guard directories[path] != nil else { return }
      directories[path]!.durable = directories[path]!.current
      directories[path]!.pending = []
    case .renamed(let from, let to):
      guard let (fromDirectory, fromName) = split(from), let (toDirectory, toName) = split(to),
        let entry = directories[fromDirectory]?.current[fromName]
      else { return }
      change(toDirectory, .set(name: toName, entry: entry))
      change(fromDirectory, .remove(name: fromName))
    case .linked(let from, let to):
      guard let (fromDirectory, fromName) = split(from), let (toDirectory, toName) = split(to),
        let entry = directories[fromDirectory]?.current[fromName]
      else { return }
      change(toDirectory, .set(name: toName, entry: entry))
    case .unlinked(let path):
      guard let (directory, name) = split(path) else { return }
      change(directory, .remove(name: name))
    case .madeDirectory(let path):
      guard let (directory, name) = split(path) else { return }
      directories[normalized(path)] = DirectoryState()
      change(directory, .set(name: name, entry: .directory))
    case .removedDirectory(let path):
      guard let (directory, name) = split(path) else { return }
      change(directory, .remove(name: name))
    }
    points.append((files, directories))
  }

  /// How much of what was not synced survives a power cut in a crash state.
  public enum Survival {
    /// Only what was synced.
    case nothingUnsynced
    /// Everything (the page cache made it to disk).
    case everything
    /// A random prefix of each file's and each directory's unsynced changes.
    case randomPrefixes
    /// A random prefix as above, the last write of it torn: only its first bytes reached the disk.
    case tornWrite
  }

  /// Writes into `target` (an empty directory) a state a power cut right after event `point`
  /// could leave.
  public func materializeCrashState(
    at point: Int, into target: String, survival: Survival, using random: inout some RandomNumberGenerator
  ) throws {
    lock.lock()
    let (files, directories) = points[point]
    lock.unlock()
    func kept(_ count: Int) -> Int {
      switch survival {
      case .nothingUnsynced: 0
      case .everything: count
      case .randomPrefixes, .tornWrite: Int.random(in: 0...count, using: &random)
      }
    }
    var contents: [Int: [UInt8]] = [:]
    func content(_ id: Int) -> [UInt8] {
      if let cached = contents[id] { return cached }
      let state = files[id]!
      var bytes = state.durable
      var changes = Array(state.pending.prefix(kept(state.pending.count)))
      if survival == .tornWrite, case .write(let offset, let written)? = changes.last, !written.isEmpty {
        changes[changes.count - 1] = .write(
          offset: offset, bytes: Array(written.prefix(Int.random(in: 0..<written.count, using: &random))))
      }
      for change in changes { Self.apply(change, to: &bytes) }
      contents[id] = bytes
      return bytes
    }
    func entries(of directory: String) -> [String: Entry] {
      let state = directories[directory]!
      var entries = state.durable
      for change in state.pending.prefix(kept(state.pending.count)) {
        switch change {
        case .set(let name, let entry): entries[name] = entry
        case .remove(let name): entries[name] = nil
        }
      }
      return entries
    }
    // A file with several names (hard links) is one file in the crash state too.
    var written: [Int: String] = [:]
    func build(_ directory: String, at destination: String) throws {
      for (name, entry) in entries(of: directory).sorted(by: { $0.key < $1.key }) {
        let path = destination + "/" + name
        switch entry {
        case .file(let id):
          if let first = written[id] {
            try FileManager.default.linkItem(atPath: first, toPath: path)
          } else {
            FileBytes.write(content(id), to: path)
            written[id] = path
          }
        case .directory:
          try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
          if directories[directory + "/" + name] != nil { try build(directory + "/" + name, at: path) }
        }
      }
    }
    try build(root, at: target)
  }

  // MARK: - Bookkeeping

  private func apply(_ change: Change, to id: Int) {
    Self.apply(change, to: &files[id]!.current)
    files[id]!.pending.append(change)
  }

  private static func apply(_ change: Change, to bytes: inout [UInt8]) {
    switch change {
    case .write(let offset, let written):
      if bytes.count < offset + written.count {
        bytes += [UInt8](repeating: 0, count: offset + written.count - bytes.count)
      }
      bytes.replaceSubrange(offset..<offset + written.count, with: written)
    case .truncate(let size):
      if size < bytes.count {
        bytes.removeLast(bytes.count - size)
      } else {
        bytes += [UInt8](repeating: 0, count: size - bytes.count)
      }
    }
  }

  private func change(_ directory: String, _ change: DirectoryChange) {
    guard directories[directory] != nil else { return }
    switch change {
    case .set(let name, let entry): directories[directory]!.current[name] = entry
    case .remove(let name): directories[directory]!.current[name] = nil
    }
    directories[directory]!.pending.append(change)
  }

  /// The directory and the name of `path`, when it lies under the root.
  private func split(_ path: String) -> (String, String)? {
    let path = normalized(path)
    guard path.hasPrefix(root + "/"), let slash = path.lastIndex(of: "/") else { return nil }
    return (String(path[..<slash]), String(path[path.index(after: slash)...]))
  }

  private func normalized(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
  }
}
