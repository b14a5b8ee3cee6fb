@_spi(Storage) import SoftadastraWAL

#if canImport(Glibc)
  import Glibc
#endif

/// A full state imported into a node that holds nothing yet (a new node joining its peers),
/// written straight into the node's first snapshot instead of into its log: the snapshot a
/// checkpoint would have made of that log, without writing the log.
///
/// The import means what `Client.applySyncBundle` means: every operation is applied (the node
/// holds no version one could lose to, and a full state names each key once), at LSNs 1 to n,
/// stamped by the node's clock, and the sync table recording the exchange is the snapshot's (in
/// its header, as of LSN n). The snapshot and the empty live WAL that continues it are written in
/// a scratch directory beside the node, synced and checked, then moved into place through a
/// `RestoreJournal`, whose durable write is the import's one commit point: a crash before it
/// leaves the node empty, a crash after it the node seeded (whoever opens it next finishes the
/// moves).
///
/// No log ever holds record n, so the snapshot names its history by the CRC-32C of its entries
/// instead of that record's (docs/snapshot-format.md), and no archived WAL holds the operations:
/// the sender, and the bundle, do.
enum FullStateSeed {
  /// Whether `bundle` can seed the node whose log `writer` has open: a full state with operations
  /// in key order, into a log that never held a record, of a node with no snapshot, archived WAL,
  /// continuous archiving or unfinished restore. Under the writer lock.
  static func applies(to bundle: ReceivedSyncBundle, writer: WALWriter, files: NodeFiles) -> Bool {
    bundle.header.isFullState && bundle.keysAscending && bundle.operationCount > 0 && writer.header.firstLSN == 1
      && writer.nextLSN == 1 && !files.hasHistoryFiles && !files.archivingFiles.contains(where: FileSystem.exists)
      && !RestoreJournal.isPending(for: files)
  }

  /// Writes the snapshot of `bundle`'s operations, with `syncTable` in its header, and puts it in
  /// place with an empty live WAL after it. The caller holds the writer lock, and goes on in the
  /// new live WAL (the one `writer` has open is gone).
  ///
  /// - Throws: what reading the bundle again or writing the files throws; the node is then as it
  ///   was, unless the error says that undoing failed (then whoever opens the node next finishes
  ///   the import).
  static func seed(
    _ bundle: ReceivedSyncBundle, syncTable: [UInt8], writer: WALWriter, files: NodeFiles, level: Int
  ) throws(SoftadastraError) {
    try writer.checkUsable()
    Restore.removeAbandonedScratch(in: files.directory)
    let scratch = try FileSystem.makeTemporaryDirectory(
      in: files.directory, prefix: "\(Restore.scratchPrefix)\(getpid())-")
    var committed = false
    defer { if !committed { FileSystem.removeFlatDirectory(scratch) } }
    let lsn = UInt64(bundle.operationCount)
    let nodeID = writer.header.nodeID
    let successor = WALHeader(
      nodeID: nodeID, createdMilliseconds: Int64(HybridTimestamp.wallClockMilliseconds()), firstLSN: lsn + 1,
      continuesSnapshot: true)
    func header(lastTimestamp: HybridTimestamp, checksum: UInt32) -> SnapshotHeader {
      SnapshotHeader(
        nodeID: nodeID, createdMilliseconds: successor.createdMilliseconds, lsn: lsn, lastTimestamp: lastTimestamp,
        lastRecordChecksum: checksum, successorChecksum: successor.checksum, localOperations: 0,
        syncTable: syncTable)
    }
    let snapshotName = Restore.fileName(files.snapshotPath(lsn: lsn))
    let walName = Restore.fileName(files.walPath)
    let snapshotPath = "\(scratch)/\(snapshotName)"
    // The last record's time and checksum are known once every entry is in.
    let snapshot = try SnapshotWriter(
      path: snapshotPath, header: header(lastTimestamp: HybridTimestamp(rawValue: 0), checksum: 0), level: level,
      checksumsEntries: true)
    var operations = try bundle.operations()
    var entryLSN: UInt64 = 0
    var timestamp = HybridTimestamp(rawValue: 0)
    while let item = try operations.next() {
      entryLSN += 1
      timestamp = writer.readClock()
      var entry = LocalStore.Entry(value: [], lsn: entryLSN, timestamp: timestamp, origin: item.origin)
      switch item.operation {
      case .put(_, let value): entry.value = value
      case .delete: entry.isTombstone = true
      }
      try snapshot.add(key: item.operation.key, entry: entry)
    }
    try snapshot.finish { header(lastTimestamp: timestamp, checksum: $0) }
    try SnapshotReader(path: snapshotPath).verify()
    try FileSystem.writeAtomically(successor.encoded(), to: "\(scratch)/\(walName)")

    // The old live WAL (a header, no record) goes into the scratch directory, removed once the
    // moves are done.
    let scratchName = Restore.fileName(scratch)
    let journal = RestoreJournal(
      moves: [
        .init(from: walName, to: "\(scratchName)/\(walName).empty"),
        .init(from: "\(scratchName)/\(snapshotName)", to: snapshotName),
        .init(from: "\(scratchName)/\(walName)", to: walName),
      ], scratch: scratchName)
    do throws(SoftadastraError) { try journal.apply(for: files) } catch {
      committed = RestoreJournal.isPending(for: files)
      throw error
    }
    committed = true
  }
}
