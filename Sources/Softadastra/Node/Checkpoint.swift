import SoftadastraWAL

/// What a checkpoint did.
public struct CheckpointResult: Sendable, Equatable {
  public var snapshot: SnapshotInfo
  /// The old live WAL, kept under its archive name.
  public var archivedWAL: String
  /// Snapshots and archived WALs removed by the retention policy.
  public var removed: [String]
}

/// Saves a node's state as a snapshot and starts a fresh WAL after it.
///
/// The steps, each durable before the next: write the snapshot (temporary file, sync, rename,
/// directory sync); read it back whole and check it; keep the live WAL as an archived segment
/// (a hard link); replace the live WAL with an empty one whose first LSN follows the snapshot;
/// then apply the retention policy. A crash at any point leaves the old state or the new one.
///
/// Retention: the new snapshot and the newest sound older one are kept, with every archived WAL
/// that holds records after the older (so a damaged newest snapshot still has a way back); while
/// no sound older snapshot exists, every archived WAL back to LSN 1 is kept.
public enum Checkpoint {
  /// The zlib level of snapshots by default: level 1 compresses this data to within a few percent
  /// of level 6, in a fraction of the time, and a checkpoint runs in a writer's path.
  public static let defaultLevel = 1

  /// Checkpoints `state`, the state after every record of `writer`'s log, in which this node
  /// wrote `localOperations` operations itself. The caller holds the writer (and so the lock);
  /// returns nil when the log holds no record after the snapshot.
  static func run(
    state: NodeState, writer: WALWriter, files: NodeFiles, localOperations: UInt64, level: Int = defaultLevel
  ) throws(SoftadastraError) -> CheckpointResult? {
    try Zlib.checkLevel(level)
    let lastLSN = writer.nextLSN - 1
    guard writer.endOffset > UInt64(writer.header.size), lastLSN >= writer.header.firstLSN else { return nil }
    let newHeader = WALHeader(
      nodeID: writer.header.nodeID, createdMilliseconds: Int64(HybridTimestamp.wallClockMilliseconds()),
      firstLSN: lastLSN + 1, continuesSnapshot: true)
    let path = files.snapshotPath(lsn: lastLSN)
    // A snapshot at this LSN can only be left by a checkpoint that crashed before starting the
    // new log; the live log still holds everything it holds. Temporary files of checkpoints
    // killed before their rename are of no use either (this writer holds the lock).
    FileSystem.removeFile(path)
    for leftover in files.leftoverSnapshotTemporaries() { FileSystem.removeFile(leftover) }
    let snapshotWriter = try SnapshotWriter(
      path: path,
      header: SnapshotHeader(
        nodeID: writer.header.nodeID, createdMilliseconds: newHeader.createdMilliseconds, lsn: lastLSN,
        lastTimestamp: writer.clock.last, lastRecordChecksum: writer.lastChecksum,
        successorChecksum: newHeader.checksum,
        localOperations: localOperations, syncTable: state.syncTableBytes),
      level: level)
    // A tombstone stays until every known peer has acknowledged the delete (with no peer known,
    // none has to see it); after that no older write can reach this node to bring the key back.
    let tombstonesSeenUpTo = try state.syncTable().acknowledgedByAll?.lsn ?? UInt64.max
    try state.forEach(includingTombstones: true) { (key, entry) throws(SoftadastraError) -> Bool in
      if !entry.isTombstone || entry.lsn > tombstonesSeenUpTo { try snapshotWriter.add(key: key, entry: entry) }
      return true
    }
    try snapshotWriter.finish()
    let written = try SnapshotReader(path: path)
    try written.verify()
    let archive = files.segmentPath(firstLSN: writer.header.firstLSN)
    try writer.startNewLog(newHeader, archivingAs: archive)
    let removed = try applyRetention(files, liveFirstLSN: newHeader.firstLSN)
    return CheckpointResult(snapshot: SnapshotInfo(written), archivedWAL: archive, removed: removed)
  }

  /// Keeps the newest snapshot and the newest sound one before it (every block checked; damaged
  /// ones are no way back and go), and the archived WALs after that one.
  static func applyRetention(_ files: NodeFiles, liveFirstLSN: UInt64) throws(SoftadastraError) -> [String] {
    let snapshots = files.snapshots()
    guard let olderIndex = snapshots.indices.dropFirst().first(where: { isSound(snapshots[$0].path) }) else {
      return []
    }
    let older = snapshots[olderIndex].lsn
    var removed = snapshots.indices.dropFirst().filter { $0 != olderIndex }.map { snapshots[$0].path }
    let segments = files.segments()
    for (index, segment) in segments.enumerated() {
      let nextStart = index + 1 < segments.count ? segments[index + 1].firstLSN : liveFirstLSN
      if nextStart <= older + 1 { removed.append(segment.path) }
    }
    for path in removed { FileSystem.removeFile(path) }
    if !removed.isEmpty { try FileSystem.syncDirectory(files.directory) }
    return removed
  }

  private static func isSound(_ path: String) -> Bool {
    guard let reader = try? SnapshotReader(path: path) else { return false }
    return (try? reader.checkBlockChecksums()) != nil
  }
}
