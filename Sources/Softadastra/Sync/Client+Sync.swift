import SoftadastraWAL

/// What importing a bundle did.
public struct SyncImportResult: Sendable, Equatable {
  public var sender: String
  /// Operations in the bundle.
  public var received: Int
  /// Operations that won the conflict rule and were applied (and appended to the WAL).
  public var applied: Int
  /// Operations this node already had, or that lose to what it holds.
  public var ignored: Int
  /// The part of the sender's log the bundle covered.
  public var fromLSN: UInt64
  public var endLSN: UInt64
  public var isFullState: Bool
  /// LSNs of this node's log that the sender had already received from an earlier history of
  /// this node (it was restored from a backup); they were skipped so that new writes get new
  /// numbers. Empty normally.
  public var skippedLSNs: ClosedRange<UInt64>?
}

extension Client {
  /// What this node has recorded for propagation to peers (see `SyncState`).
  public func syncState() throws(SoftadastraError) -> SyncState {
    try checkOpen()
    guard options.isPersistent else { return SyncState(outboxSize: Int(memoryLSN), queuedCount: Int(memoryLSN)) }
    let table = try reading { state throws(SoftadastraError) in try state.syncTable() }
    return SyncState(localOperations: localOperations, table: table)
  }

  /// The version (hybrid timestamp and origin node) of the write that holds `key` now, a delete
  /// included; nil when no write to it is known. Which of two clashing writes wins depends only
  /// on it (see `WriteVersion`).
  public func writeVersion(of key: [UInt8]) throws(SoftadastraError) -> WriteVersion? {
    try reading { state throws(SoftadastraError) in try state.entryOrTombstone(for: key) }?.version(localNode: options.nodeID)
  }

  /// Makes the bundle for `peer`: the operations of this node's log after the peer's
  /// acknowledged position (without the peer's own), or the whole state (values and
  /// tombstones) when `fullState` is set or the log before the snapshot is needed. Records
  /// durably that it was sent (a sync-table record) before returning it.
  ///
  /// - Throws: `invalidArgument` for a bad peer id, this node's own id, a memory or read-only
  ///   client, or a 257th peer; file errors.
  public func makeSyncBundle(for peer: String, fullState: Bool = false) throws(SoftadastraError) -> SyncBundle {
    let writer = try syncWriter()
    try checkPeer(peer)
    try checkpointIfDue()
    let node = try NodeRecovery.recover(walPath: writer.path, nodeID: options.nodeID, keepingRecords: true)
    var table = try node.state.syncTable()
    var record = try peerRecord(peer, in: table)
    let base = node.state.snapshot?.header.lsn ?? 0
    let full = fullState || record.acknowledged.lsn < base
    let end = LogPosition(lsn: writer.nextLSN - 1, localOperations: node.localOperations)
    var operations: [SyncOperation] = []
    var resent: UInt64 = 0
    if full {
      try node.state.forEach(includingTombstones: true) { (key, entry) throws(SoftadastraError) -> Bool in
        let operation: StoreOperation = entry.isTombstone ? .delete(key: key) : .put(key: key, value: entry.value)
        operations.append(SyncOperation(operation, origin: entry.origin ?? Origin(nodeID: options.nodeID, lsn: entry.lsn, timestamp: entry.timestamp)))
        if entry.lsn <= record.sent.lsn { resent += 1 }
        return true
      }
    } else {
      for logRecord in node.records where logRecord.lsn > record.acknowledged.lsn {
        guard case .operation(let operation, let remote) = logRecord.body else { continue }
        let origin = remote ?? Origin(nodeID: options.nodeID, lsn: logRecord.lsn, timestamp: logRecord.timestamp)
        if origin.nodeID == peer { continue }
        operations.append(SyncOperation(operation, origin: origin))
        if logRecord.lsn <= record.sent.lsn { resent += 1 }
      }
    }
    let bundle = SyncBundle(
      sender: options.nodeID, recipient: peer, createdMilliseconds: Int64(HybridTimestamp.wallClockMilliseconds()),
      isFullState: full, fromLSN: full ? 0 : record.acknowledged.lsn, end: end, acknowledgement: record.received,
      operations: operations)
    record.sent = max(record.sent, end)
    record.retries += resent
    record.lastExchangeMilliseconds = bundle.createdMilliseconds
    table.peers[peer] = record
    try append([.syncTable(payload: table.encoded())])
    return bundle
  }

  /// Applies a bundle from a peer atomically: the operations that win the conflict rule and
  /// the sender's acknowledgement go into the WAL as one batch (one sync), or nothing does.
  /// Importing the same bundle again changes no value.
  ///
  /// - Throws: `malformedInput` for a bundle meant for another node, from this node, or that
  ///   starts after what this node has received from its sender (a bundle in between is
  ///   missing); `invalidArgument` for a memory or read-only client; file errors. Nothing is
  ///   changed when it throws.
  @discardableResult
  public func applySyncBundle(_ bundle: SyncBundle) throws(SoftadastraError) -> SyncImportResult {
    let writer = try syncWriter()
    guard !bundle.isGreeting else {
      throw SoftadastraError(.malformedInput, "the bundle is the greeting of a live exchange (sync with), not for importing; nothing was imported")
    }
    guard bundle.recipient == options.nodeID else {
      throw SoftadastraError(
        .malformedInput, "the bundle is for node '\(bundle.recipient)', and this is node '\(options.nodeID)'; nothing was imported")
    }
    guard bundle.sender != options.nodeID else {
      throw SoftadastraError(.malformedInput, "the bundle comes from this node ('\(options.nodeID)') itself; nothing was imported")
    }
    try checkpointIfDue()
    var table = try reading { state throws(SoftadastraError) in try state.syncTable() }
    var record = try peerRecord(bundle.sender, in: table)
    if !bundle.isFullState, bundle.fromLSN > record.received.lsn {
      throw SoftadastraError(
        .malformedInput,
        "the bundle holds node '\(bundle.sender)''s log after LSN \(bundle.fromLSN), but this node has applied it only up to LSN \(record.received.lsn): import the bundles made before it first, or, if this node was restored from a backup, ask for a full one (softadastra sync export --peer \(options.nodeID) --full on '\(bundle.sender)'); nothing was imported"
      )
    }

    // The conflict rule: an operation is applied when its version is above the key's current
    // one (value or tombstone); everything else is already here or older.
    let keys = Set(bundle.operations.map(\.operation.key))
    let current = try reading { state throws(SoftadastraError) in try state.entriesOrTombstones(for: keys) }
    var versions = current.mapValues { $0.version(localNode: options.nodeID) }
    var accepted: [WALRecord.Body] = []
    var newest = HybridTimestamp(rawValue: 0)
    for item in bundle.operations {
      newest = max(newest, item.origin.timestamp)
      let key = item.operation.key
      if let version = versions[key], item.version <= version { continue }
      versions[key] = item.version
      accepted.append(.operation(item.operation, origin: item.origin))
    }

    // A sender that holds more of this node's log than the log has saw an earlier history (this
    // node was restored from a backup): skip those LSNs so that new writes are not taken for old.
    var skipped: ClosedRange<UInt64>?
    let lastLSN = writer.nextLSN - 1
    if bundle.acknowledgement.lsn > lastLSN {
      skipped = lastLSN + 1...bundle.acknowledgement.lsn
      try append([.lostRange(count: bundle.acknowledgement.lsn - lastLSN, offset: 0, bytes: 0)])
    }
    record.received = max(record.received, bundle.end)
    record.acknowledged = bundle.acknowledgement
    record.sent = max(record.sent, record.acknowledged)
    record.lastExchangeMilliseconds = Int64(HybridTimestamp.wallClockMilliseconds())
    table.peers[bundle.sender] = record
    if !accepted.isEmpty { table.lastAppliedRemoteLSN = writer.nextLSN + UInt64(accepted.count) - 1 }
    writer.observe(newest)
    try append(accepted + [.syncTable(payload: table.encoded())])
    return SyncImportResult(
      sender: bundle.sender, received: bundle.operations.count, applied: accepted.count,
      ignored: bundle.operations.count - accepted.count, fromLSN: bundle.fromLSN, endLSN: bundle.end.lsn,
      isFullState: bundle.isFullState, skippedLSNs: skipped)
  }

  /// Where this node's log ends: its last LSN and how many operations it wrote itself.
  public func logEnd() throws(SoftadastraError) -> LogPosition {
    let writer = try syncWriter()
    _ = try loadedState()
    return LogPosition(lsn: writer.nextLSN - 1, localOperations: localOperations)
  }

  /// Records that an exchange with `peer` failed after it started (`failedCount`).
  public func recordSyncFailure(peer: String) throws(SoftadastraError) {
    _ = try syncWriter()
    try checkPeer(peer)
    var table = try reading { state throws(SoftadastraError) in try state.syncTable() }
    var record = try peerRecord(peer, in: table)
    record.failures += 1
    table.peers[peer] = record
    try append([.syncTable(payload: table.encoded())])
  }

  // MARK: - Helpers

  private func syncWriter() throws(SoftadastraError) -> WALWriter {
    try checkOpen()
    guard let writer else {
      throw SoftadastraError(
        .invalidArgument,
        options.isPersistent
          ? "this client was opened read-only; sync needs the writer (open it without readOnly)"
          : "a memory client has no WAL to sync; use ClientOptions.persistent")
    }
    return writer
  }

  private func checkPeer(_ peer: String) throws(SoftadastraError) {
    if let problem = NodeID.problem(with: peer) { throw SoftadastraError(.invalidArgument, "bad peer id: \(problem)") }
    guard peer != options.nodeID else {
      throw SoftadastraError(.invalidArgument, "'\(peer)' is this node's own id; name another node as the peer")
    }
  }

  private func peerRecord(_ peer: String, in table: SyncTable) throws(SoftadastraError) -> PeerRecord {
    if let record = table.peers[peer] { return record }
    guard table.peers.count < SyncTable.maxPeers else {
      throw SoftadastraError(.invalidArgument, "this node already knows \(SyncTable.maxPeers) peers, the most it can track")
    }
    return PeerRecord()
  }
}
