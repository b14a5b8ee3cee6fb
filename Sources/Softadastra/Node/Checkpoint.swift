import SoftadastraWAL

/// What a checkpoint did.
public struct CheckpointResult: Sendable, Equatable {
  public var snapshot: SnapshotInfo
  /// The old live WAL, kept under its archive name.
  public var archivedWAL: String
  /// Snapshots and archived WALs removed by the retention policy.
  public var removed: [String]
}

/// A log a checkpoint sealed: its records (to `lastLSN`) are kept as the archived WAL
/// `segmentPath`, and the live WAL that follows it starts with `successor`.
package struct SealedLog: Sendable, Equatable {
  package var segmentPath: String
  package var lastLSN: UInt64
  /// The CRC of record `lastLSN`: the snapshot names it, so that it is used only with this history.
  package var lastRecordChecksum: UInt32
  /// The node's clock when the log was sealed: no later record is older.
  package var lastTimestamp: HybridTimestamp
  /// The header of the live WAL started after it.
  package var successor: WALHeader
}

/// Saves a node's state as a snapshot, in three steps so that no commit waits for the snapshot
/// to be built:
///
/// 1. **seal** (under the writer lock, milliseconds): keep the live WAL as an archived segment (a
///    hard link) and start an empty live WAL after it, whose header says it continues a snapshot
///    at the sealed log's last LSN. Readers meanwhile rebuild the state as before: the older
///    snapshot and the archived segments after it, then the live WAL.
/// 2. **build** (no writer lock, seconds on a large node): rebuild the state at the sealed log's
///    end from the files, write the snapshot beside them as a temporary file, sync it, read it
///    back whole and check it.
/// 3. **publish** (under the writer lock, milliseconds): unless the node was replaced meanwhile
///    (a restore), rename the snapshot into place (directory synced), apply the retention policy,
///    and mark the live WAL as changed so that open clients move to the new snapshot.
///
/// One process checkpoints a node at a time (`CheckpointLock`, held from seal to publish). A crash
/// at any point leaves a node that reads the same: before publishing, the older snapshot and the
/// segments; after, the new snapshot. A seal whose snapshot was never published is finished by
/// the next checkpoint (`finishing`).
///
/// What is written: while the changes since the newest full snapshot stay under an eighth of its
/// entries (`deltaFraction`), a **delta snapshot** holding only them (format version 8), read over
/// that full snapshot; it replaces the delta before it, so a node reads two files at most. Past
/// that, or when asked (`full`), a full snapshot merging them all.
///
/// Retention: the new snapshot (and the full one under it, when it is a delta) and the newest
/// sound snapshot older than both (with its own base) are kept, with every archived WAL that holds
/// records after the older (so one damaged file still leaves a way back); while no sound older
/// snapshot exists, every archived WAL back to LSN 1 is kept.
package enum Checkpoint {
  /// A checkpoint writes a delta while the entries it would hold (the changes since the full
  /// snapshot, counted as records) are at most this fraction of the full snapshot's entries.
  package static let deltaFraction = 8

  /// A snapshot built and checked, not yet in place.
  struct Staged: Sendable {
    var sealed: SealedLog
    /// Where it goes, and where it is until then.
    var path: String
    var temporaryPath: String
  }

  /// Seals `writer`'s log (step 1). The caller holds the writer lock and the checkpoint lock.
  /// Nil when the log holds no record.
  static func seal(_ writer: WALWriter, files: NodeFiles) throws(SoftadastraError) -> SealedLog? {
    let lastLSN = writer.nextLSN - 1
    guard writer.endOffset > UInt64(writer.header.size), lastLSN >= writer.header.firstLSN else { return nil }
    let sealed = SealedLog(
      segmentPath: files.segmentPath(firstLSN: writer.header.firstLSN), lastLSN: lastLSN,
      lastRecordChecksum: writer.lastChecksum, lastTimestamp: writer.clock.last,
      successor: WALHeader(
        nodeID: writer.header.nodeID, createdMilliseconds: Int64(HybridTimestamp.wallClockMilliseconds()),
        firstLSN: lastLSN + 1, continuesSnapshot: true))
    try writer.startNewLog(sealed.successor, archivingAs: sealed.segmentPath)
    return sealed
  }

  /// The seal of an earlier checkpoint that never published its snapshot (it crashed or failed
  /// after sealing): the live WAL is still empty, continues a snapshot that is not there, and the
  /// newest archived WAL ends right before it. Nil when there is none. Under the writer lock.
  static func unfinished(_ writer: WALWriter, files: NodeFiles) throws(SoftadastraError) -> SealedLog? {
    let live = writer.header
    guard writer.endOffset == UInt64(live.size), live.continuesSnapshot, live.firstLSN > 1,
      !FileSystem.exists(files.snapshotPath(lsn: live.firstLSN - 1)),
      let segment = files.segments().last, segment.firstLSN < live.firstLSN
    else { return nil }
    var scanner = try WALScanner(path: segment.path, materialize: false)
    var last: ScannedRecord?
    while let scanned = try scanner.next() { last = scanned }
    guard case .clean = scanner.ending, let last, last.record.nextLSN == live.firstLSN else { return nil }
    return SealedLog(
      segmentPath: segment.path, lastLSN: live.firstLSN - 1, lastRecordChecksum: last.checksum,
      lastTimestamp: last.record.timestamp, successor: live)
  }

  /// Builds and checks the snapshot of a sealed log (step 2), without the writer lock: a delta
  /// over the newest full snapshot while the changes since it are few enough, unless `full`.
  /// Nil when a snapshot past the sealed log is in place already. With no `level`,
  /// `Client.checkpointLevel`, or `Client.checkpointLevelWithoutDictionary` when no snapshot
  /// comes before this one to sample a dictionary from.
  static func build(_ sealed: SealedLog, files: NodeFiles, level: Int?, full: Bool = false)
    throws(SoftadastraError) -> Staged?
  {
    if let level { try Zlib.checkLevel(level) }
    let path = files.snapshotPath(lsn: sealed.lastLSN)
    guard !FileSystem.exists(path) else { return nil }
    // Temporary files of checkpoints that died before publishing are of no use (this process
    // holds the checkpoint lock, so none is another's work in progress).
    for leftover in files.leftoverSnapshotTemporaries() { FileSystem.removeFile(leftover) }
    guard
      let node = try NodeRecovery.recover(
        files, nodeID: sealed.successor.nodeID, throughSegment: sealed.segmentPath, endingAt: sealed.lastLSN,
        spillingTo: files.spillPath(lsn: sealed.lastLSN))
    else { return nil }
    // Decoded first: a table that does not decode is damage, not a header to write.
    let syncTable = try node.state.syncTable()
    let base = full ? nil : deltaBase(for: node.state.snapshot, endingAt: sealed.lastLSN, files: files)
    let dictionary = node.state.snapshot?.dictionarySample() ?? []
    let writer = try SnapshotWriter(
      path: path,
      header: SnapshotHeader(
        nodeID: sealed.successor.nodeID, createdMilliseconds: sealed.successor.createdMilliseconds,
        lsn: sealed.lastLSN, lastTimestamp: sealed.lastTimestamp, lastRecordChecksum: sealed.lastRecordChecksum,
        successorChecksum: sealed.successor.checksum, localOperations: node.localOperations,
        syncTable: node.state.syncTableBytes,
        base: base.map { SnapshotHeader.Base(lsn: $0.lsn, headerChecksum: $0.checksum) }),
      level: level ?? (dictionary.isEmpty ? Client.checkpointLevelWithoutDictionary : Client.checkpointLevel),
      staging: true, dictionary: dictionary)
    // A tombstone stays until every known peer has acknowledged the delete (with no peer known,
    // none has to see it); after that no older write can reach this node to bring the key back.
    // A delta keeps them all: the full snapshot under it may hold the key.
    let tombstonesSeenUpTo = base != nil ? 0 : syncTable.acknowledgedByAll?.lsn ?? UInt64.max
    try node.state.forEach(includingTombstones: true, sinceWholeSnapshot: base != nil) {
      (key, entry) throws(SoftadastraError) -> Bool in
      if !entry.isTombstone || entry.lsn > tombstonesSeenUpTo { try writer.add(key: key, entry: entry) }
      return true
    }
    try writer.finish()
    let temporaryPath = SnapshotWriter.temporaryPath(for: path)
    try SnapshotReader(path: temporaryPath).verify()
    return Staged(sealed: sealed, path: path, temporaryPath: temporaryPath)
  }

  /// The header of the full snapshot a checkpoint at `lsn` writes a delta over, from the state's
  /// `stack`: its full snapshot, while the entries a delta would hold (the delta's and one per
  /// record since) come to at most `1/deltaFraction` of its entries, and a way back that does not
  /// need it is there (a sound older snapshot, or the archived WALs from LSN 1), so that it is never the
  /// one file the node cannot lose (after a restore, the first checkpoint is full). Nil for a full
  /// snapshot.
  static func deltaBase(for stack: SnapshotStack?, endingAt lsn: UInt64, files: NodeFiles) -> SnapshotHeader? {
    guard let stack else { return nil }
    let full = stack.base ?? stack.top
    let held = stack.base == nil ? 0 : stack.top.entryCount
    let estimate = held + (lsn - stack.header.lsn)
    guard full.entryCount > 0, estimate <= full.entryCount / UInt64(deltaFraction),
      files.segments().first?.firstLSN == 1
        || files.snapshots().contains(where: { $0.lsn < full.header.lsn && isSound($0.path) })
    else { return nil }
    return full.header
  }

  /// Puts a built snapshot in place (step 3). The caller holds the writer lock. Nil, with the
  /// snapshot dropped, when the live WAL is no longer the one the seal started (a restore
  /// replaced the node meanwhile).
  static func publish(_ staged: Staged, files: NodeFiles) throws(SoftadastraError) -> CheckpointResult? {
    let live = try SystemFile.openForReading(files.walPath)
    defer { live.close() }
    guard try WALScanner(file: live, materialize: false).header.checksum == staged.sealed.successor.checksum else {
      FileSystem.removeFile(staged.temporaryPath)
      return nil
    }
    try FileSystem.renameDurably(staged.temporaryPath, to: staged.path)
    let snapshot = SnapshotInfo(try SnapshotReader(path: staged.path))
    let removed = try applyRetention(files, liveFirstLSN: staged.sealed.successor.firstLSN)
    try live.touch()
    return CheckpointResult(snapshot: snapshot, archivedWAL: staged.sealed.segmentPath, removed: removed)
  }

  /// What building and publishing a sealed log's snapshot came to.
  enum Outcome {
    case published(CheckpointResult)
    /// A snapshot past the sealed log was in place already.
    case alreadyThere
    /// A restore replaced the node while the snapshot was built: it was dropped.
    case replaced
  }

  /// Steps 2 and 3 for a sealed log: builds its snapshot, then publishes it under a writer lock
  /// of its own (taken, waiting up to `lockTimeout`, only to publish). The caller holds the
  /// checkpoint lock and not the writer lock.
  static func finish(
    _ sealed: SealedLog, files: NodeFiles, level: Int?, full: Bool = false, lockTimeout: Double
  ) throws(SoftadastraError) -> Outcome {
    guard let staged = try build(sealed, files: files, level: level, full: full) else {
      // The sealed log is no longer in the node's history: a snapshot covers it, or a restore
      // put another history in place.
      let live = try WALScanner(path: files.walPath, materialize: false).header
      return live.checksum == sealed.successor.checksum ? .alreadyThere : .replaced
    }
    let writerLock: WriterLock
    do throws(SoftadastraError) {
      writerLock = try WriterLock.acquire(walPath: files.walPath, timeout: lockTimeout)
    } catch {
      FileSystem.removeFile(staged.temporaryPath)
      throw error
    }
    defer { writerLock.release() }
    return try publish(staged, files: files).map { .published($0) } ?? .replaced
  }

  /// Why a built snapshot was dropped: the node was replaced while it was built.
  static func replacedMeanwhile(_ files: NodeFiles) -> SoftadastraError {
    SoftadastraError(
      .cannotCreate,
      "\(files.walPath) was replaced (restored) while the checkpoint built its snapshot: the snapshot was dropped; nothing changed",
      path: files.walPath)
  }

  /// Keeps the newest snapshot (with its base, when it is a delta) and the newest sound one older
  /// than both (every block of it and of its base checked; damaged ones are no way back and go)
  /// with its base, and the archived WALs after that one, and those holding records continuous
  /// archiving has not shipped yet (a damaged archiving state keeps them all).
  static func applyRetention(_ files: NodeFiles, liveFirstLSN: UInt64) throws(SoftadastraError) -> [String] {
    let snapshots = files.snapshots()
    guard let newest = snapshots.first else { return [] }
    let newestBase = baseLSN(of: newest.path)
    // The way back shares no file with the newest: one damaged file leaves the other.
    let readFirst = newestBase ?? newest.lsn
    guard
      let olderIndex = snapshots.indices.first(where: {
        snapshots[$0].lsn < readFirst && isSound(snapshots[$0].path)
      })
    else {
      // No way back but the logs: they all stay, and so does every snapshot but the deltas the
      // newest replaced (its base and the logs after it do what they did).
      guard let newestBase else { return [] }
      let replaced = snapshots.dropFirst().filter { $0.lsn > newestBase && baseLSN(of: $0.path) == newestBase }
      for snapshot in replaced { FileSystem.removeFile(snapshot.path) }
      if !replaced.isEmpty { try FileSystem.syncDirectory(files.directory) }
      return replaced.map(\.path)
    }
    let older = snapshots[olderIndex].lsn
    let kept: Set<UInt64?> = [newest.lsn, newestBase, older, baseLSN(of: snapshots[olderIndex].path)]
    // Continuous archiving goes on after the record it shipped last: the log that holds it and the
    // logs after it stay, and so does a snapshot at that LSN (what proves the next log continues it).
    let shipped: UInt64 =
      if FileSystem.exists(ArchiveState.path(walPath: files.walPath)) {
        (try? ArchiveState.load(walPath: files.walPath))??.shippedLSN ?? 0
      } else {
        .max
      }
    var removed = snapshots.filter { !kept.contains($0.lsn) && $0.lsn != shipped }.map(\.path)
    let segments = files.segments()
    for (index, segment) in segments.enumerated() {
      let nextStart = index + 1 < segments.count ? segments[index + 1].firstLSN : liveFirstLSN
      if nextStart <= older + 1, nextStart <= shipped { removed.append(segment.path) }
    }
    for path in removed { FileSystem.removeFile(path) }
    if !removed.isEmpty { try FileSystem.syncDirectory(files.directory) }
    return removed
  }

  /// The LSN of the full snapshot the delta at `path` is read over; nil for a full snapshot (or
  /// an unreadable header).
  private static func baseLSN(of path: String) -> UInt64? { (try? SnapshotHeader.read(path: path))?.base?.lsn }

  private static func isSound(_ path: String) -> Bool {
    guard let stack = try? SnapshotStack.open(path) else { return false }
    return (try? stack.checkBlockChecksums()) != nil
  }
}
