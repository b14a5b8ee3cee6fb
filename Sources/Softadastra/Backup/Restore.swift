import SoftadastraWAL

#if canImport(Glibc)
  import Glibc
#endif

/// What a restore puts back: a backup archive, or a chain of continuous archiving (a base and
/// the segments after it).
public protocol RestoreSource {
  /// The manifest of the backup the state starts from (a chain's base).
  var manifest: BackupManifest { get }
  /// The last LSN it holds.
  var lastLSN: UInt64 { get }
  /// How many keys hold a value at `lastLSN`, when known without counting them.
  var keyCountAtEnd: UInt64? { get }
  /// Writes the node's files (its WAL and snapshot) into `directory`, checked and synced.
  func extract(into directory: String, progress: ((RestoreStage) -> Void)?) throws(SoftadastraError)
    -> BackupArchive.Extracted
}

extension BackupArchive: RestoreSource {
  public var lastLSN: UInt64 { manifest.lastLSN }
  public var keyCountAtEnd: UInt64? { manifest.keyCount }
}

/// What a restore did, or would do with `dryRun`.
public struct RestoreResult: Sendable {
  public var manifest: BackupManifest
  public var walPath: String
  public var nodeID: String
  /// The LSN the restored state ends at, and its number of keys.
  public var lsn: UInt64
  public var keys: Int
  /// Files written into the target directory.
  public var written: [String]
  /// Files that were in the way, kept under `*.pre-restore-<UTC time>` names.
  public var keptAside: [String]
  public var dryRun: Bool
}

/// Restores a node from a backup archive, atomically.
///
/// The whole archive is extracted and checked in a temporary directory beside the target first
/// (nothing in the target changes when that fails), cut to the requested point in time, synced,
/// and only then moved into place under the writer lock, through a `RestoreJournal` whose
/// durable write is the one moment the restore takes effect (an interrupted restore is finished
/// by the next process that opens the node; a failed one is undone). Files in the way are kept
/// as `*.pre-restore-<UTC time>` (with a counter when that name is taken), and only with `force`.
public enum Restore {
  /// Restores the node whose WAL is at `walPath` from `archive`.
  ///
  /// - Parameters:
  ///   - archive: the backup, opened (its manifest read and checked).
  ///   - walPath: the WAL to restore to; its directory is created if missing.
  ///   - nodeID: the node id to restore as (the archive's unless the caller asked for another).
  ///   - target: the point in time to stop at (the archive's last LSN when empty).
  ///   - force: replace a node that is there (its files are kept aside); without it, refuse.
  ///   - dryRun: check everything a restore would, and change nothing.
  ///   - lockTimeout: seconds to wait for the node's writers to let it go.
  ///   - progress: told what the restore is doing as it goes.
  /// - Throws: `corrupt` when the archive is damaged; `invalidArgument` for an invalid node id
  ///   or a target outside the archive's range; `cannotCreate` when node files exist and `force` is off;
  ///   `lockTimeout` when a writer holds the node.
  public static func run(
    archive: some RestoreSource, walPath: String, nodeID: String, target: ReplayTarget = ReplayTarget(),
    force: Bool = false,
    dryRun: Bool = false, lockTimeout: Double = 10, progress: ((RestoreStage) -> Void)? = nil
  ) throws(SoftadastraError) -> RestoreResult {
    let manifest = archive.manifest
    // The id names files (`<id>.wal`): one that is not a valid id could name a path elsewhere.
    if let problem = NodeID.problem(with: nodeID) { throw SoftadastraError(.invalidArgument, problem) }
    try check(target, against: manifest, lastLSN: archive.lastLSN)
    let files = NodeFiles(walPath: walPath)
    // A symbolic link to the WAL is followed: the real file is replaced, the link stays.
    let walPath = files.walPath
    // The archiving state goes aside too: it follows the node's old history, and the next
    // archiver starts a new chain for the restored one.
    func existingFiles() -> [String] {
      ([walPath] + files.archivingFiles).filter(FileSystem.exists) + files.snapshots().map(\.path)
        + files.segments().map(\.path)
    }
    var existing = existingFiles()
    if !existing.isEmpty, !force {
      throw SoftadastraError(
        .cannotCreate,
        "\(existing[0]) already exists", path: existing[0], remedy: .restoreElsewhereOrReplace)
    }
    let createdDirectory = !FileSystem.isDirectory(files.directory)
    let scratchParent = dryRun ? FileSystem.temporaryDirectory : files.directory
    var committed = false
    // A directory this restore created goes again when it fails (with the lock file in it), unless
    // another process started a node in it meanwhile: then its lock file stays (processes that
    // have it open would no longer exclude new ones, nor share their change count with them).
    func removeCreatedDirectory() {
      guard !committed, createdDirectory, !dryRun else { return }
      let lockPath = WriterLock.lockPath(forWAL: walPath)
      if FileSystem.names(in: files.directory) == [fileName(lockPath)] { FileSystem.removeFile(lockPath) }
      _ = FileSystem.removeEmptyDirectory(files.directory)
    }
    if !dryRun {
      do throws(SoftadastraError) { try FileSystem.createDirectories(files.directory) } catch {
        removeCreatedDirectory()
        throw error
      }
      removeAbandonedScratch(in: files.directory)
    }
    let scratch: String
    do throws(SoftadastraError) {
      scratch = try FileSystem.makeTemporaryDirectory(in: scratchParent, prefix: "\(scratchPrefix)\(getpid())-")
    } catch {
      removeCreatedDirectory()
      throw error
    }
    defer {
      if !committed { FileSystem.removeFlatDirectory(scratch) }
      removeCreatedDirectory()
    }
    var extracted = try archive.extract(into: scratch, progress: progress)
    let lsn = try cut(extracted.walPath, to: target)
    if nodeID != manifest.nodeID { extracted = try rename(extracted, to: nodeID, in: scratch) }
    if manifest.snapshotLSN == 0, let snapshot = extracted.snapshotPath {
      FileSystem.removeFile(snapshot)
      extracted.snapshotPath = nil
    }
    // Extraction counted the archive's keys against its manifest; only a cut changes the count.
    let keys =
      lsn == archive.lastLSN && archive.keyCountAtEnd != nil
      ? Int(archive.keyCountAtEnd!) : try NodeRecovery.recover(walPath: extracted.walPath, nodeID: nodeID).state.count()
    try FileSystem.syncDirectory(scratch)
    let snapshotTarget = extracted.snapshotPath.map { _ in files.snapshotPath(lsn: manifest.snapshotLSN) }
    var result = RestoreResult(
      manifest: manifest, walPath: walPath, nodeID: nodeID, lsn: lsn, keys: keys,
      written: [snapshotTarget, walPath].compactMap { $0 }, keptAside: existing, dryRun: dryRun)
    guard !dryRun else { return result }

    progress?(.committing)
    let lock = try WriterLock.acquire(walPath: walPath, timeout: lockTimeout)
    defer { lock.release() }
    try RestoreJournal.completePending(for: files)
    existing = existingFiles()
    if !existing.isEmpty, !force {
      throw SoftadastraError(
        .cannotCreate, "\(existing[0]) appeared while restoring; nothing was changed", path: existing[0])
    }
    // Every file of the old node is kept aside under a name nothing has, then the new snapshot
    // and WAL go in: all as one journal, whose durable write is the restore's commit point.
    let stamp = ISO8601.compactString(milliseconds: HybridTimestamp.wallClockMilliseconds())
    var taken = Set(FileSystem.names(in: files.directory) ?? [])
    var moves: [RestoreJournal.Move] = []
    var keptAside: [String] = []
    for path in existing {
      let name = fileName(path)
      var aside = "\(name).pre-restore-\(stamp)"
      var counter = 1
      while taken.contains(aside) {
        counter += 1
        aside = "\(name).pre-restore-\(stamp)-\(counter)"
      }
      taken.insert(aside)
      moves.append(.init(from: name, to: aside))
      keptAside.append(files.path(aside))
    }
    let scratchName = fileName(scratch)
    if let snapshot = extracted.snapshotPath, let snapshotTarget {
      moves.append(.init(from: "\(scratchName)/\(fileName(snapshot))", to: fileName(snapshotTarget)))
    }
    moves.append(.init(from: "\(scratchName)/\(fileName(extracted.walPath))", to: fileName(walPath)))
    let journal = RestoreJournal(moves: moves, scratch: scratchName)
    do throws(SoftadastraError) {
      committed = true
      try journal.apply(for: files)
    } catch {
      // Undone, the scratch directory goes; not undone, the node's next opening finishes it.
      committed = RestoreJournal.isPending(for: files)
      throw error
    }
    result.keptAside = keptAside
    return result
  }

  static func fileName(_ path: String) -> String {
    path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
  }

  /// Scratch directories are named after the restoring process: `.softadastra-restore-<pid>-XXXXXX`.
  static let scratchPrefix = ".softadastra-restore-"

  /// Removes the scratch directories of restores whose process is gone (killed mid-way), unless
  /// an interrupted restore's journal is in the directory: its new files are in one of them.
  static func removeAbandonedScratch(in directory: String) {
    let names = FileSystem.names(in: directory) ?? []
    guard !names.contains(where: { $0.hasSuffix(RestoreJournal.suffix) }) else { return }
    for name in names {
      guard name.hasPrefix(scratchPrefix), let pid = Int32(name.dropFirst(scratchPrefix.count).prefix { $0 != "-" })
      else { continue }
      if kill(pid, 0) != 0, errno == ESRCH { FileSystem.removeFlatDirectory("\(directory)/\(name)") }
    }
  }

  static func check(_ target: ReplayTarget, against manifest: BackupManifest, lastLSN: UInt64) throws(SoftadastraError)
  {
    let range =
      "LSN \(manifest.snapshotLSN) to \(lastLSN); restore within that range, or from an older backup (softadastra backup list DIR shows each one's range)"
    if let lsn = target.lsn {
      guard lsn >= manifest.snapshotLSN + (target.exclusive ? 1 : 0),
        lsn <= lastLSN + (target.exclusive ? 1 : 0)
      else {
        throw SoftadastraError(.invalidArgument, "LSN \(lsn) is outside this backup, which holds \(range)")
      }
    }
    if let time = target.milliseconds, manifest.snapshotLSN > 0, time < manifest.snapshotMilliseconds {
      throw SoftadastraError(
        .invalidArgument,
        "\(ISO8601.string(milliseconds: time)) is before this backup, which starts at \(ISO8601.string(milliseconds: manifest.snapshotMilliseconds)) (\(range))"
      )
    }
  }

  /// Cuts the WAL after the last whole batch within `target`; returns the last LSN kept.
  static func cut(_ walPath: String, to target: ReplayTarget) throws(SoftadastraError) -> UInt64 {
    var scanner = try WALScanner(path: walPath, materialize: false)
    var keptEnd = UInt64(scanner.header.size)
    var keptLSN = scanner.header.firstLSN - 1
    while let scanned = try scanner.next() {
      guard target.includes(scanned.record) else { break }
      if !scanned.record.batch.continues {
        keptEnd = scanned.offset + UInt64(scanned.size)
        keptLSN = scanned.record.nextLSN - 1
      }
    }
    if keptEnd < scanner.fileSize {
      let file = try SystemFile.openForUpdate(walPath)
      try file.truncate(to: keptEnd)
      try file.sync()
    }
    return keptLSN
  }

  /// Rewrites the extracted files under another node id (the id is inside both headers).
  static func rename(_ extracted: BackupArchive.Extracted, to nodeID: String, in directory: String)
    throws(SoftadastraError)
    -> BackupArchive.Extracted
  {
    let files = NodeFiles(walPath: "\(directory)/\(nodeID).wal")
    var scanner = try WALScanner(path: extracted.walPath)
    let header = WALHeader(
      nodeID: nodeID, createdMilliseconds: scanner.header.createdMilliseconds, firstLSN: scanner.header.firstLSN,
      continuesSnapshot: scanner.header.continuesSnapshot)
    var bytes = header.encoded()
    var seed = header.checksum
    while let scanned = try scanner.next() { seed = RecordEncoder.append(scanned.record, seed: seed, to: &bytes) }
    try FileSystem.writeAtomically(bytes, to: files.walPath)
    FileSystem.removeFile(extracted.walPath)
    guard let oldSnapshot = extracted.snapshotPath else {
      return BackupArchive.Extracted(walPath: files.walPath, snapshotPath: nil)
    }
    let source = try SnapshotReader(path: oldSnapshot)
    let old = source.header
    // A table that does not decode is damage, not a header to write (it could outgrow one).
    _ = try SyncTable.decode(old.syncTable, source: oldSnapshot)
    let path = files.snapshotPath(lsn: old.lsn)
    let writer = try SnapshotWriter(
      path: path,
      header: SnapshotHeader(
        nodeID: nodeID, createdMilliseconds: old.createdMilliseconds, lsn: old.lsn, lastTimestamp: old.lastTimestamp,
        lastRecordChecksum: old.lastRecordChecksum, successorChecksum: header.checksum,
        localOperations: old.localOperations, syncTable: old.syncTable),
      dictionary: SnapshotDictionary.sample(source))
    try source.forEach(includingTombstones: true) { (key, entry) throws(SoftadastraError) -> Bool in
      try writer.add(key: key, entry: entry)
      return true
    }
    try writer.finish()
    FileSystem.removeFile(oldSnapshot)
    return BackupArchive.Extracted(walPath: files.walPath, snapshotPath: path)
  }
}
