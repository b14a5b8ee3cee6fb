@_spi(Storage) import SoftadastraWAL

#if canImport(Glibc)
  import Glibc
#endif

/// The commit point of a restore, and how an interrupted one is finished: a small file,
/// `<base>.restore-journal` beside the node's WAL, listing the renames that turn the old node
/// into the restored one.
///
/// A restore stages the new files in a scratch directory beside the node and syncs them; nothing
/// of the node has changed yet, and a crash leaves it as it was. Writing the journal durably
/// (temporary file, `fsync`, rename, directory `fsync`) is the one moment the restore takes
/// effect. The moves follow: every file of the old node to its kept-aside name, then the new
/// snapshot and the new WAL into place. Any process that opens the node first finishes the moves
/// of a journal it finds (under the writer lock), as SQLite replays a hot journal, then removes
/// it. A restore that fails after writing the journal undoes its moves and removes the journal,
/// so it leaves the node's files as they were.
///
/// Each move is a hard link then an unlink of the old name, so a move never replaces a file and
/// its progress can be read off the files: done (source gone, destination there), half done
/// (both names, one inode), or not started. Moves run in order, so the done ones are a prefix.
/// The byte format is in `docs/snapshot-format.md` ("Restore journal").
package struct RestoreJournal: Sendable, Equatable {
  /// One rename, by names relative to the node's directory.
  package struct Move: Sendable, Equatable {
    package var from: String
    package var to: String
  }

  package var moves: [Move]
  /// The scratch directory (relative to the node's directory) removed once the moves are done.
  package var scratch: String

  static let magic: [UInt8] = Array("SDRJ".utf8)
  static let version: UInt8 = 1
  /// Names are file names, short; this bounds what a damaged journal can make us allocate.
  static let maxNameBytes = 4096
  static let maxMoves = 1 << 16

  /// The journal's path for the node whose files `files` names.
  package static func path(for files: NodeFiles) -> String { files.path(files.baseName + suffix) }
  static let suffix = ".restore-journal"

  /// The bytes of the journal: magic, version, scratch name, move count, each move's two names
  /// (u16 length + bytes), then the CRC-32C of everything before it.
  func encoded() -> [UInt8] {
    var bytes = Self.magic
    bytes.append(Self.version)
    func name(_ text: String) {
      bytes.appendLittleEndian(UInt16(text.utf8.count))
      bytes.append(contentsOf: text.utf8)
    }
    name(scratch)
    bytes.appendLittleEndian(UInt32(moves.count))
    for move in moves {
      name(move.from)
      name(move.to)
    }
    bytes.appendLittleEndian(CRC32C.checksum(bytes))
    return bytes
  }

  /// Decodes a journal; nil when the bytes are not a whole, intact journal of this version.
  static func decode(_ bytes: [UInt8]) -> RestoreJournal? {
    guard bytes.count >= 13, Array(bytes[0..<4]) == magic, bytes[4] == version else { return nil }
    let body = Array(bytes[..<(bytes.count - 4)])
    return bytes.withUnsafeBytes { raw -> RestoreJournal? in
      guard raw.loadLittleEndian(at: bytes.count - 4, as: UInt32.self) == CRC32C.checksum(body) else { return nil }
      var reader = FieldReader(raw, from: 5, to: bytes.count - 4)
      func name() -> String? {
        guard let length = reader.read(UInt16.self), Int(length) <= maxNameBytes,
          let text = reader.readBytes(Int(length)),
          let string = String(validating: text, as: UTF8.self), !string.isEmpty, !string.hasPrefix("/"),
          !string.split(separator: "/").contains("..")
        else { return nil }
        return string
      }
      guard let scratch = name(), let count = reader.read(UInt32.self), count <= maxMoves else { return nil }
      var moves: [Move] = []
      for _ in 0..<count {
        guard let from = name(), let to = name() else { return nil }
        moves.append(Move(from: from, to: to))
      }
      guard reader.remaining == 0 else { return nil }
      return RestoreJournal(moves: moves, scratch: scratch)
    }
  }

  // MARK: - Committing and applying

  /// Writes the journal durably: from this moment the restore has taken effect. Refuses to
  /// replace another's journal (an unfinished restore is finished first).
  func commit(for files: NodeFiles) throws(SoftadastraError) {
    let path = Self.path(for: files)
    guard !FileSystem.exists(path) else {
      throw SoftadastraError(
        .cannotCreate, "\(path) is there already: an unfinished restore must be finished first", path: path)
    }
    try FileSystem.writeAtomically(encoded(), to: path)
  }

  /// Commits the journal and makes its moves; when that fails, undoes what was done, so that the
  /// node's files are as they were. The caller holds the writer lock.
  ///
  /// - Throws: what failed; when undoing failed too, the error says so, and the change is
  ///   finished when the node is next opened.
  func apply(for files: NodeFiles) throws(SoftadastraError) {
    do throws(SoftadastraError) {
      try commit(for: files)
      try complete(for: files)
    } catch {
      do throws(SoftadastraError) { try rollBack(for: files) } catch let undo {
        var both = error
        both.message += "; undoing it failed too (\(undo.message))"
        if Self.isPending(for: files) { both.message += ", so it will be finished when the node is next opened" }
        throw both
      }
      throw error
    }
  }

  /// Makes every move, from where an interrupted run stopped, then removes the journal and the
  /// scratch directory. The caller holds the writer lock.
  func complete(for files: NodeFiles) throws(SoftadastraError) {
    let directory = files.directory
    var start = 0
    for index in moves.indices.reversed() where try progress(of: moves[index], in: directory) != .notStarted {
      start = index
      break
    }
    for move in moves[start...] { try make(move, in: directory) }
    try FileSystem.syncDirectory(directory)
    try finish(for: files)
  }

  /// Undoes the moves made so far (newest first) and removes the journal: the node is as it was
  /// before the restore. The caller holds the writer lock.
  func rollBack(for files: NodeFiles) throws(SoftadastraError) {
    for move in moves.reversed() where try progress(of: move, in: files.directory) != .notStarted {
      try make(Move(from: move.to, to: move.from), in: files.directory, undoing: true)
    }
    FileSystem.removeFile(Self.path(for: files))
    try FileSystem.syncDirectory(files.directory)
  }

  private func finish(for files: NodeFiles) throws(SoftadastraError) {
    FileSystem.removeFile(Self.path(for: files))
    try FileSystem.syncDirectory(files.directory)
    FileSystem.removeFlatDirectory(files.path(scratch))
  }

  enum Progress { case notStarted, halfDone, done }

  private func progress(of move: Move, in directory: String) throws(SoftadastraError) -> Progress {
    let source = FileSystem.identity(of: "\(directory)/\(move.from)")
    let destination = FileSystem.identity(of: "\(directory)/\(move.to)")
    switch (source, destination) {
    case (nil, .some): return .done
    case (.some(let a), .some(let b)) where a == b: return .halfDone
    case (.some, _): return .notStarted
    case (nil, nil):
      throw SoftadastraError(
        .corrupt,
        "cannot finish the interrupted restore in \(directory): \(move.from) and \(move.to) are both missing; restore the node again from its backup",
        path: "\(directory)/\(move.from)")
    }
  }

  /// Links `move.to` to `move.from`'s file, then unlinks `move.from`; resumes a half-done move.
  private func make(_ move: Move, in directory: String, undoing: Bool = false) throws(SoftadastraError) {
    let source = "\(directory)/\(move.from)"
    let destination = "\(directory)/\(move.to)"
    let sourceIdentity = FileSystem.identity(of: source)
    let destinationIdentity = FileSystem.identity(of: destination)
    if sourceIdentity == nil, destinationIdentity != nil { return }
    if destinationIdentity == nil {
      // The new name is durable before the old one goes, whatever order the file system
      // persists changes to two directories in.
      try FileSystem.hardLink(source, to: destination)
      try FileSystem.syncDirectory(FileSystem.directory(of: destination))
    } else if destinationIdentity != sourceIdentity {
      throw SoftadastraError(
        .cannotCreate,
        "cannot \(undoing ? "undo" : "finish") the restore in \(directory): \(move.to) is in the way of \(move.from); move it elsewhere and open the node again",
        path: destination)
    }
    try FileSystem.unlink(source)
  }

  // MARK: - Finding and finishing an interrupted restore

  /// Whether an interrupted restore's journal is beside the node's WAL (one `stat`).
  package static func isPending(for files: NodeFiles) -> Bool { FileSystem.exists(path(for: files)) }

  /// Finishes an interrupted restore of this node, if there is one. The caller holds the writer
  /// lock.
  ///
  /// - Throws: `corrupt` for a journal that cannot be read whole or names missing files;
  ///   file errors.
  package static func completePending(for files: NodeFiles) throws(SoftadastraError) {
    let journalPath = path(for: files)
    guard FileSystem.exists(journalPath) else { return }
    let file = try SystemFile.openForReading(journalPath)
    defer { file.close() }
    let size = try file.size()
    guard size <= 1 << 24, let journal = decode(try file.read(count: Int(size), at: 0)) else {
      throw SoftadastraError(
        .corrupt,
        "restore journal \(journalPath) is damaged, so an interrupted restore cannot be finished; restore the node again from its backup",
        path: journalPath)
    }
    try journal.complete(for: files)
  }

  /// Finishes an interrupted restore of the node at `walPath` without holding its writer lock
  /// (a reader): takes the lock, finishes it, releases the lock. One `stat` when there is none.
  package static func completePending(walPath: String, lockTimeout: Double) throws(SoftadastraError) {
    let files = NodeFiles(walPath: walPath)
    guard isPending(for: files) else { return }
    let lock = try WriterLock.acquire(walPath: files.walPath, timeout: lockTimeout)
    defer { lock.release() }
    try completePending(for: files)
  }
}
