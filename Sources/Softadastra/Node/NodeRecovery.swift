import SoftadastraWAL

/// Rebuilds a node from its files: the newest usable snapshot, then every WAL record after it.
///
/// A snapshot is used only with the log that continues it: the live WAL starts right after it
/// with the header checksum the snapshot names, or holds the snapshot's last record with the
/// checksum the snapshot names, or archived segments bridge the gap. A damaged snapshot, or one
/// from another history, is skipped (and reported) in favour of an older one or the full WAL.
package enum NodeRecovery {
  /// Checks that the log at `walPath` is there to be read, after finishing a restore of it that
  /// was interrupted (`RestoreJournal`; waits up to `lockTimeout` seconds for the writer lock
  /// only then). Every reader of a node or a log file asks this one question.
  ///
  /// - Throws: `notFound` when nothing was ever written there; `corrupt` when the WAL is gone but
  ///   snapshots or archived WALs of it remain.
  package static func requireWAL(at walPath: String, lockTimeout: Double) throws(SoftadastraError) {
    try RestoreJournal.completePending(walPath: walPath, lockTimeout: lockTimeout)
    if !FileSystem.exists(walPath) {
      // A restore that started since may have moved the old WAL aside: it has a journal until done.
      try RestoreJournal.completePending(walPath: walPath, lockTimeout: lockTimeout)
    }
    guard !FileSystem.exists(walPath) else { return }
    throw missingWAL(walPath, files: NodeFiles(walPath: walPath))
  }

  /// Why there is no WAL at `walPath`, given the node's other files.
  package static func missingWAL(_ walPath: String, files: NodeFiles) -> SoftadastraError {
    if files.hasHistoryFiles {
      return SoftadastraError(
        .corrupt,
        "WAL \(walPath) is missing but snapshots or archived WALs of it are in \(files.directory); restore the node from a backup (softadastra restore)",
        path: walPath)
    }
    return SoftadastraError(
      .notFound, "no WAL at \(walPath): nothing has been written for this node yet, or the path is wrong", path: walPath
    )
  }

  /// Recovers the node whose live WAL is `walPath`.
  ///
  /// - Throws: `notFound` when there is no WAL; `configuration` for another node's WAL;
  ///   `corrupt` for damage in the WAL, or when no snapshot or archived WAL covers the LSNs
  ///   before the live WAL's first.
  /// - Parameters:
  ///   - known: snapshots already found damaged, with why; they are not tried again.
  ///   - keepingRecords: keep the records after the snapshot in the result (for backups).
  ///   - checkingBlocks: check every block's checksum of the snapshot used, and fall back past
  ///     it when one fails (for work that reads the whole snapshot).
  ///   - onlyKey: apply only the WAL's changes to this key (a single read needs no more) and its
  ///     sync tables, so the result answers `entry(for: onlyKey)` and `syncTable()` and nothing
  ///     else, in constant memory.
  ///   - lockTimeout: how long to wait for the writer lock when an interrupted restore must be
  ///     finished first (`RestoreJournal`); no lock is taken otherwise.
  package static func recover(
    walPath: String, nodeID: String? = nil, skipping known: [String: SoftadastraError] = [:],
    keepingRecords: Bool = false,
    checkingBlocks: Bool = false, onlyKey: [UInt8]? = nil, lockTimeout: Double = 10
  ) throws(SoftadastraError) -> RecoveredNode {
    let files = NodeFiles(walPath: walPath)
    try requireWAL(at: walPath, lockTimeout: lockTimeout)
    var skipped = known
    var rereads = 0
    while true {
      let chain: Chain
      do throws(SoftadastraError) { chain = try resolve(files, nodeID: nodeID, skipping: &skipped) } catch {
        // A restore is moving the node's files right now: wait for it (its lock), then read again.
        guard rereads < 10, RestoreJournal.isPending(for: files) else { throw error }
        try RestoreJournal.completePending(walPath: walPath, lockTimeout: lockTimeout)
        rereads += 1
        continue
      }
      do throws(SoftadastraError) {
        if checkingBlocks { try chain.snapshot?.checkBlockChecksums() }
        var node = try replay(chain, keepingRecords: keepingRecords, onlyKey: onlyKey)
        node.skippedSnapshots = skipped.values.sorted { $0.message < $1.message }
        return node
      } catch {
        // A checkpoint or a restore by another process replaced the live WAL while this reader
        // was reading (readers take no lock): nothing is wrong with the files, so read them again.
        if rereads < 10, RestoreJournal.isPending(for: files) {
          try RestoreJournal.completePending(walPath: walPath, lockTimeout: lockTimeout)
          rereads += 1
          continue
        }
        // So did a checkpoint that published a snapshot meanwhile (its retention removes files).
        if rereads < 10,
          (try? WALScanner(path: files.walPath, materialize: false).header.checksum) != chain.liveChecksum
            || files.snapshots().first(where: { skipped[$0.path] == nil })?.path != chain.snapshot?.path
        {
          rereads += 1
          continue
        }
        guard let failed = chain.snapshot?.failedFile(error) else { throw error }
        skipped[failed] = error
      }
    }
  }

  /// The node's state at the end of the archived WAL `segmentPath`, which a checkpoint sealed at
  /// `lastLSN`: the newest usable snapshot before it (every block checked; a damaged one is
  /// passed over) and the logs up to it. Nil when a snapshot past it is in place already, so that
  /// the live WAL's history no longer goes through it. Takes no lock.
  /// With `spillPath`, its changes go to a spill file there as they outgrow memory: the state
  /// then answers `forEach` and its sync table only, in memory that does not grow with the node.
  static func recover(
    _ files: NodeFiles, nodeID: String, throughSegment segmentPath: String, endingAt lastLSN: UInt64,
    spillingTo spillPath: String? = nil
  ) throws(SoftadastraError) -> RecoveredNode? {
    var skipped: [String: SoftadastraError] = [:]
    while true {
      var chain = try resolve(files, nodeID: nodeID, skipping: &skipped)
      guard let end = chain.logs.firstIndex(of: segmentPath) else { return nil }
      chain.logs = Array(chain.logs[...end])
      do throws(SoftadastraError) {
        try chain.snapshot?.checkBlockChecksums()
        let node = try replay(chain, keepingRecords: false, spillingTo: spillPath)
        guard node.lastLSN == lastLSN else {
          throw SoftadastraError(
            .corrupt, "sealed WAL \(segmentPath) ends at LSN \(node.lastLSN), not \(lastLSN)", path: segmentPath)
        }
        return node
      } catch {
        guard let failed = chain.snapshot?.failedFile(error) else { throw error }
        skipped[failed] = error
      }
    }
  }

  /// The state a log that continues a snapshot starts from while that snapshot is not published
  /// (a checkpoint is building it, or died after sealing): the older snapshot and the archived
  /// WALs up to the log's first LSN. Nil when the files do not hold it that way either.
  package static func stateBeforeUnpublishedSnapshot(of walPath: String, header: WALHeader) throws(SoftadastraError)
    -> RecoveredNode?
  {
    let files = NodeFiles(walPath: walPath)
    guard header.continuesSnapshot, header.firstLSN > 1,
      let segment = files.segments().last(where: { $0.firstLSN < header.firstLSN })
    else { return nil }
    return try recover(files, nodeID: header.nodeID, throughSegment: segment.path, endingAt: header.firstLSN - 1)
  }

  /// The snapshot a log that continues one (its header says so) starts from: the one beside it
  /// at the LSN before the log's first, naming the log's header checksum as its successor.
  ///
  /// - Throws: `corrupt` when it is missing, damaged or of another history.
  package static func snapshot(continuedBy walPath: String, header: WALHeader) throws(SoftadastraError)
    -> SnapshotStack
  {
    let files = NodeFiles(walPath: walPath)
    let lsn = header.firstLSN - 1
    let path = files.snapshotPath(lsn: lsn)
    let reason: String
    if FileSystem.exists(path) {
      do throws(SoftadastraError) {
        let snapshot = try SnapshotStack.open(path)
        if snapshot.header.successorChecksum == header.checksum, snapshot.header.nodeID == header.nodeID {
          return snapshot
        }
        reason = "\(path) belongs to another history"
      } catch {
        reason = error.message
      }
    } else {
      reason = "\(path) is missing"
    }
    throw SoftadastraError(
      .corrupt,
      "WAL \(walPath) continues a snapshot at LSN \(lsn), and \(reason); restore the node from a backup (softadastra restore)",
      path: walPath, lsn: lsn)
  }

  /// The CRC of record `lsn` in the node's history, read without decoding any payload: the
  /// snapshot names it at its own LSN, the logs after it hold the later ones. Nil when the
  /// files at hand do not hold it (before the snapshot, or past the end).
  package static func recordChecksum(at lsn: UInt64, walPath: String, nodeID: String?) throws(SoftadastraError)
    -> UInt32?
  {
    var skipped: [String: SoftadastraError] = [:]
    let chain = try resolve(NodeFiles(walPath: walPath), nodeID: nodeID, skipping: &skipped)
    if let snapshot = chain.snapshot, snapshot.header.lsn == lsn { return snapshot.header.lastRecordChecksum }
    for path in chain.logs {
      var scanner = try WALScanner(path: path, materialize: false)
      while let scanned = try scanner.next(), scanned.record.lsn <= lsn {
        if scanned.record.lsn == lsn { return scanned.checksum }
      }
    }
    return nil
  }

  /// Checks, cheaply, that readers would find where the live WAL's history starts (what a
  /// writer checks before it appends): a log from LSN 1 needs nothing; a log that continues a
  /// snapshot needs that snapshot's header to name it (one header read, no index); anything else
  /// goes through the readers' full choice of snapshot and archived WALs.
  ///
  /// - Throws: what recovery would throw for a node whose history cannot be found.
  static func checkPairing(_ files: NodeFiles, nodeID: String) throws(SoftadastraError) {
    let live = try WALScanner(path: files.walPath, materialize: false).header
    if live.firstLSN == 1 { return }
    if live.continuesSnapshot, let header = try? SnapshotHeader.read(path: files.snapshotPath(lsn: live.firstLSN - 1)),
      header.successorChecksum == live.checksum, header.nodeID == live.nodeID,
      header.base.map({ hasBase($0, of: header, files: files) }) ?? true
    {
      return
    }
    var skipped: [String: SoftadastraError] = [:]
    _ = try resolve(files, nodeID: nodeID, skipping: &skipped)
  }

  /// Whether the full snapshot `base` that the delta with `header` names is beside it (by its header).
  private static func hasBase(_ base: SnapshotHeader.Base, of header: SnapshotHeader, files: NodeFiles) -> Bool {
    guard let found = try? SnapshotHeader.read(path: files.snapshotPath(lsn: base.lsn)) else { return false }
    return found.checksum == base.headerChecksum && found.nodeID == header.nodeID && found.base == nil
  }

  /// A snapshot and the logs whose records follow it, oldest first; the live WAL is last.
  struct Chain {
    var snapshot: SnapshotStack?
    var logs: [String]
    /// Whether the first log is known to continue the snapshot (by its header checksum).
    var linked: Bool
    /// The LSN the state before the logs ends at: the snapshot's, or the one before a
    /// self-contained log's first record (a compacted WAL).
    var base: UInt64
    /// The live WAL's header checksum when the chain was chosen; another one later means a
    /// checkpoint replaced the live WAL meanwhile.
    var liveChecksum: UInt32

    init(snapshot: SnapshotStack?, logs: [String], linked: Bool, live: WALHeader, base: UInt64? = nil) {
      self.snapshot = snapshot
      self.logs = logs
      self.linked = linked
      self.base = base ?? snapshot?.header.lsn ?? 0
      self.liveChecksum = live.checksum
    }
  }

  static func resolve(_ files: NodeFiles, nodeID: String?, skipping skipped: inout [String: SoftadastraError])
    throws(SoftadastraError) -> Chain
  {
    let live = try WALScanner(path: files.walPath, materialize: false).header
    if let nodeID, live.nodeID != nodeID {
      throw SoftadastraError(
        .configuration, "WAL \(files.walPath) belongs to node '\(live.nodeID)', not '\(nodeID)'", path: files.walPath)
    }
    // Archived WALs are older than the live one. One that is not is the live WAL itself under
    // its archive name: a checkpoint sealing it right now, or one that died between the link
    // and putting the next log in place.
    let segments = files.segments().filter { $0.firstLSN < live.firstLSN }
    for (lsn, path) in files.snapshots() where skipped[path] == nil {
      let snapshot: SnapshotStack
      do throws(SoftadastraError) { snapshot = try SnapshotStack.open(path) } catch {
        // A delta whose base fails to open is no use either.
        if let failed = error.failedSnapshot?.path, failed != path {
          skipped[failed] = error
          skipped[path] = unusableDelta(path, base: failed, error)
        } else {
          skipped[path] = error
        }
        continue
      }
      if let base = snapshot.base, let problem = skipped[base.path] {
        skipped[path] = unusableDelta(path, base: base.path, problem)
        continue
      }
      let header = snapshot.header
      guard header.nodeID == live.nodeID, header.lsn == lsn else {
        skipped[path] = SoftadastraError(
          .configuration, "snapshot \(path) belongs to node '\(header.nodeID)' at LSN \(header.lsn), not to this WAL",
          path: path, detail: SnapshotFailure(path: path))
        continue
      }
      if live.firstLSN == lsn + 1 {
        if live.checksum == header.successorChecksum {
          return Chain(snapshot: snapshot, logs: [files.walPath], linked: true, live: live)
        }
      } else if live.firstLSN <= lsn {
        return Chain(snapshot: snapshot, logs: [files.walPath], linked: false, live: live)
      } else if let bridge = segments.first(where: { $0.firstLSN == lsn + 1 }),
        (try? WALScanner(path: bridge.path, materialize: false).header.checksum) == header.successorChecksum
      {
        let logs = segments.filter { $0.firstLSN > lsn }.map(\.path) + [files.walPath]
        return Chain(snapshot: snapshot, logs: logs, linked: true, live: live)
      }
      skipped[path] = SoftadastraError(
        .corrupt,
        "snapshot \(path) (LSN \(lsn)) is not continued by WAL \(files.walPath) or an archived WAL: it belongs to another history",
        path: path, detail: SnapshotFailure(path: path))
    }
    if live.firstLSN == 1 { return Chain(snapshot: nil, logs: [files.walPath], linked: true, live: live) }
    if segments.first?.firstLSN == 1 {
      return Chain(snapshot: nil, logs: segments.map(\.path) + [files.walPath], linked: true, live: live)
    }
    if !live.continuesSnapshot, segments.isEmpty {
      // A self-contained log that starts after LSN 1 (wal-replay --output writes these).
      return Chain(snapshot: nil, logs: [files.walPath], linked: true, live: live, base: live.firstLSN - 1)
    }
    let reasons = skipped.values.map(\.message).sorted().joined(separator: "; ")
    throw SoftadastraError(
      .corrupt,
      "WAL \(files.walPath) starts at LSN \(live.firstLSN), and no usable snapshot or archived WAL holds the LSNs before it"
        + (reasons.isEmpty ? "" : " (\(reasons))") + "; restore the node from a backup (softadastra restore)",
      path: files.walPath, lsn: live.firstLSN)
  }

  /// Why the delta at `path` is passed over: its base is set aside for `problem`.
  private static func unusableDelta(_ path: String, base: String, _ problem: SoftadastraError) -> SoftadastraError {
    SoftadastraError(
      .corrupt, "delta snapshot \(path) is unusable: its base \(base) is set aside (\(problem.message))", path: path,
      detail: SnapshotFailure(path: path))
  }

  static func replay(_ chain: Chain, keepingRecords: Bool, onlyKey: [UInt8]? = nil, spillingTo spillPath: String? = nil)
    throws(SoftadastraError) -> RecoveredNode
  {
    var state =
      spillPath.map { NodeState(snapshot: chain.snapshot, spillingTo: $0) } ?? NodeState(snapshot: chain.snapshot)
    var records: [WALRecord] = []
    var checksums: [UInt32] = []
    var localOperations = chain.snapshot?.header.localOperations ?? 0
    let base = chain.base
    var matchedBase = chain.linked || base == 0
    var expected = base + 1
    var lastTimestamp = chain.snapshot?.header.lastTimestamp ?? HybridTimestamp(rawValue: 0)
    var summary: WALSummary?
    var liveLog: WALScanner?
    func mismatch(_ reason: String) -> SoftadastraError {
      SoftadastraError(
        .corrupt, "snapshot \(chain.snapshot!.path) does not match WAL \(chain.logs[0]): \(reason)",
        path: chain.snapshot!.path, detail: SnapshotFailure(path: chain.snapshot!.path))
    }
    for (index, path) in chain.logs.enumerated() {
      let isLive = index == chain.logs.count - 1
      var scanner = try WALScanner(path: path)
      if index > 0 || chain.linked, scanner.header.firstLSN != expected {
        throw SoftadastraError(
          .corrupt,
          "WAL \(path) starts at LSN \(scanner.header.firstLSN) but LSN \(expected) was expected: a WAL segment is missing",
          path: path, lsn: expected)
      }
      if isLive { summary = WALSummary(path: path, header: scanner.header, fileSize: scanner.fileSize) }
      while let scanned = try scanner.next() {
        if isLive { summary!.count(scanned) }
        let record = scanned.record
        if record.lsn <= base {
          if record.lsn == base {
            guard scanned.checksum == chain.snapshot!.header.lastRecordChecksum else {
              throw mismatch("its record \(base) has another checksum")
            }
            matchedBase = true
          }
          continue
        }
        guard matchedBase else { throw mismatch("it does not hold the snapshot's last record \(base)") }
        if let onlyKey {
          switch record.body {
          case .operation(let operation, _) where operation.key == onlyKey: state.apply(record)
          case .syncTable: state.apply(record)
          default: break
          }
        } else {
          try state.applySpilling(record)
        }
        if case .operation(_, origin: nil) = record.body { localOperations += 1 }
        if keepingRecords {
          records.append(record)
          checksums.append(scanned.checksum)
        }
        expected = record.nextLSN
        lastTimestamp = max(lastTimestamp, record.timestamp)
      }
      switch scanner.ending {
      case .corrupt(let corruption): throw SoftadastraError.damaged(path: path, corruption)
      case .tornTail(let torn):
        guard isLive else {
          throw SoftadastraError(
            .corrupt, "archived WAL \(path) ends with \(torn.bytes) damaged bytes at offset \(torn.offset)", path: path,
            offset: torn.offset)
        }
        summary!.tornTail = torn
      case .clean, nil: break
      }
      if isLive { liveLog = scanner }
    }
    guard matchedBase else { throw mismatch("it does not hold the snapshot's last record \(base)") }
    return RecoveredNode(
      state: state, summary: summary!, lastLSN: expected - 1, lastTimestamp: lastTimestamp, skippedSnapshots: [],
      records: records, recordChecksums: checksums, localOperations: localOperations, liveLog: liveLog)
  }
}
