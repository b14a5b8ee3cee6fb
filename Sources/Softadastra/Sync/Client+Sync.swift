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
  /// The sender made the bundle no later than one already imported from it (a duplicate, or
  /// one overtaken by a newer one): nothing was applied or recorded.
  public var isStale: Bool
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
    try reading { state throws(SoftadastraError) in try state.entryOrTombstone(for: key) }?.version(
      localNode: options.nodeID)
  }

  /// Makes the bundle for `peer`: the operations of this node's log after the peer's
  /// acknowledged position, or the whole state (values and tombstones) when `fullState` is set,
  /// when that position is in the part of the log a snapshot replaced, or when it is not in this
  /// node's history (its record has another CRC: this node was restored from an older backup).
  /// Records durably that it was sent (a sync-table record) before returning it; use
  /// `sendSyncBundle(for:fullState:through:)` to record that only once it is delivered.
  ///
  /// - Throws: `invalidArgument` for a bad peer id, this node's own id, a memory or read-only
  ///   client, or a 257th peer; file errors.
  @discardableResult
  public func makeSyncBundle(for peer: String, fullState: Bool = false) throws(SoftadastraError) -> SyncBundle {
    try sendSyncBundle(for: peer, fullState: fullState) { _ throws(SoftadastraError) in }
  }

  /// Makes the bundle for `peer` (see `makeSyncBundle(for:fullState:)`), passes it to `deliver`,
  /// and records that it was sent only when `deliver` returns: a bundle that could not be
  /// written or sent is neither in flight nor counted.
  ///
  /// - Throws: what `makeSyncBundle` throws, and what `deliver` throws (then nothing is recorded).
  @discardableResult
  public func sendSyncBundle(
    for peer: String, fullState: Bool = false, through deliver: (SyncBundle) throws(SoftadastraError) -> Void
  ) throws(SoftadastraError) -> SyncBundle {
    let writer = try syncWriter()
    try checkPeer(peer)
    // The bundle acknowledges what this node has received: that must be on disk first, even
    // with autoFlush off.
    try writer.flush()
    try writing { _ throws(SoftadastraError) in checkpointIfDue() }
    // Made and delivered without the writer lock (a reader sees whole commits), so that a slow
    // or stalled peer never holds up this node's writers; then recorded as sent, under the lock,
    // in the sync table as it is by then.
    let (bundle, resent) = try makeBundle(for: peer, fullState: fullState, walPath: writer.path, clock: writer)
    try deliver(bundle)
    try writing { _ throws(SoftadastraError) in
      var table = try currentSyncTable()
      var record = try peerRecord(peer, in: table)
      record.sent = max(record.sent, bundle.end)
      record.retries += resent
      record.lastExchangeMilliseconds = Int64(HybridTimestamp.wallClockMilliseconds())
      table.peers[peer] = record
      try append([.syncTable(payload: table.encoded())])
    }
    return bundle
  }

  /// The bundle for `peer` from the node's files as they are, and how many of its operations
  /// were sent before.
  private func makeBundle(for peer: String, fullState: Bool, walPath: String, clock: WALWriter)
    throws(SoftadastraError) -> (bundle: SyncBundle, resent: UInt64)
  {
    let node = try NodeRecovery.recover(walPath: walPath, nodeID: options.nodeID, keepingRecords: true)
    let record = try peerRecord(peer, in: try node.state.syncTable())
    let end = Self.end(of: node)
    let full = fullState || !Self.history(of: node, holds: record.acknowledged)
    var operations: [SyncOperation] = []
    var resent: UInt64 = 0
    if full {
      try node.state.forEach(includingTombstones: true) { (key, entry) throws(SoftadastraError) -> Bool in
        let operation: StoreOperation = entry.isTombstone ? .delete(key: key) : .put(key: key, value: entry.value)
        operations.append(
          SyncOperation(
            operation,
            origin: entry.origin ?? Origin(nodeID: options.nodeID, lsn: entry.lsn, timestamp: entry.timestamp)))
        if entry.lsn <= record.sent.lsn { resent += 1 }
        return true
      }
    } else {
      for logRecord in node.records where logRecord.lsn > record.acknowledged.lsn {
        guard case .operation(let operation, let remote) = logRecord.body else { continue }
        // The peer's own operations go back too: a peer restored from an older backup gets the
        // ones it lost this way (one it still has is a tie, and changes nothing there).
        let origin = remote ?? Origin(nodeID: options.nodeID, lsn: logRecord.lsn, timestamp: logRecord.timestamp)
        operations.append(SyncOperation(operation, origin: origin))
        if logRecord.lsn <= record.sent.lsn { resent += 1 }
      }
    }
    let bundle = SyncBundle(
      sender: options.nodeID, recipient: peer, created: clock.readClock(),
      isFullState: full, fromLSN: full ? 0 : record.acknowledged.lsn, end: end, acknowledgement: record.received,
      operations: operations)
    return (bundle, resent)
  }

  /// The sync table as the log holds it now: from the state when it is loaded (and caught up),
  /// else read from the files applying sync tables only.
  private func currentSyncTable() throws(SoftadastraError) -> SyncTable {
    if state != nil { return try reading { state throws(SoftadastraError) in try state.syncTable() } }
    guard let walPath else { throw SoftadastraError(.notOpen, "the client is not open; call open() first") }
    return try NodeRecovery.recover(walPath: walPath, nodeID: options.nodeID, onlyKey: []).state.syncTable()
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
    _ = try syncWriter()
    return try writing { writer throws(SoftadastraError) in try applySyncBundleUnderLock(bundle, writer: writer) }
  }

  private func applySyncBundleUnderLock(_ bundle: SyncBundle, writer: WALWriter) throws(SoftadastraError)
    -> SyncImportResult
  {
    try bundle.checkAddressed(to: options.nodeID)
    try bundle.checkTimestamps()
    checkpointIfDue()
    var table = try reading { state throws(SoftadastraError) in try state.syncTable() }
    var record = try peerRecord(bundle.sender, in: table)
    guard bundle.created > record.newestBundle else {
      // Old news: applying it again could undo a delete whose tombstone has been dropped since.
      return SyncImportResult(
        sender: bundle.sender, received: bundle.operations.count, applied: 0, ignored: bundle.operations.count,
        fromLSN: bundle.fromLSN, endLSN: bundle.end.lsn, isFullState: bundle.isFullState, isStale: true)
    }
    try bundle.checkFollows(received: record.received)

    // The conflict rule: of the bundle's operations on a key, the one with the highest version
    // is applied when it beats the key's current version (value or tombstone); everything else
    // is already here, older, or superseded within the bundle.
    var newestInBundle: [ByteKey: Int] = [:]
    newestInBundle.reserveCapacity(bundle.operations.count)
    var newest = HybridTimestamp(rawValue: 0)
    for (index, item) in bundle.operations.enumerated() {
      newest = max(newest, item.origin.timestamp)
      let key = ByteKey(item.operation.key)
      if let best = newestInBundle[key], bundle.operations[best].version >= item.version { continue }
      newestInBundle[key] = index
    }
    let candidates = newestInBundle.values.sorted()
    let current = try reading { state throws(SoftadastraError) in
      try state.entriesOrTombstones(for: candidates.map { bundle.operations[$0].operation.key })
    }
    var accepted: [WALRecord.Body] = []
    for (index, entry) in zip(candidates, current) {
      let item = bundle.operations[index]
      if let entry, item.version <= entry.version(localNode: options.nodeID) { continue }
      accepted.append(.operation(item.operation, origin: item.origin))
    }

    // A full state replaces what was received (the sender may have been restored and written
    // another history); parts of a log only move forward (an older bundle may arrive late).
    record.received = bundle.isFullState ? bundle.end : max(record.received, bundle.end)
    record.newestBundle = bundle.created
    // Tombstones are dropped on acknowledgements: only one naming a record of this node's own
    // history counts (a peer may hold an earlier history of a node restored from a backup).
    record.acknowledged = try holds(bundle.acknowledgement, writer: writer) ? bundle.acknowledgement : .start
    record.sent = max(record.sent, record.acknowledged)
    record.lastExchangeMilliseconds = Int64(HybridTimestamp.wallClockMilliseconds())
    table.peers[bundle.sender] = record
    if !accepted.isEmpty { table.lastAppliedRemoteLSN = writer.nextLSN + UInt64(accepted.count) - 1 }
    writer.observe(newest)
    try append(accepted + [.syncTable(payload: table.encoded())])
    try writer.flush()  // what an import applied is durable before anyone is told, autoFlush or not
    return SyncImportResult(
      sender: bundle.sender, received: bundle.operations.count, applied: accepted.count,
      ignored: bundle.operations.count - accepted.count, fromLSN: bundle.fromLSN, endLSN: bundle.end.lsn,
      isFullState: bundle.isFullState, isStale: false)
  }

  /// How far into `peer`'s log this node has applied everything (the start for an unknown peer).
  public func receivedPosition(from peer: String) throws(SoftadastraError) -> LogPosition {
    try reading { state throws(SoftadastraError) in try state.syncTable() }.peers[peer]?.received ?? .start
  }

  /// Forgets `peer`: it no longer counts for the outbox, and tombstones no longer wait for its
  /// acknowledgement. For a node retired for good, or a peer id mistyped in an export. If it
  /// syncs again later, it is a new peer and gets the whole state.
  ///
  /// - Returns: whether the peer was known.
  @discardableResult
  public func forgetPeer(_ peer: String) throws(SoftadastraError) -> Bool {
    _ = try syncWriter()
    return try writing { _ throws(SoftadastraError) in
      var table = try reading { state throws(SoftadastraError) in try state.syncTable() }
      guard table.peers.removeValue(forKey: peer) != nil else { return false }
      try append([.syncTable(payload: table.encoded())])
      return true
    }
  }

  /// Records that an exchange with `peer` failed after it started (`failedCount`).
  public func recordSyncFailure(peer: String) throws(SoftadastraError) {
    _ = try syncWriter()
    try checkPeer(peer)
    try writing { _ throws(SoftadastraError) in
      var table = try reading { state throws(SoftadastraError) in try state.syncTable() }
      var record = try peerRecord(peer, in: table)
      record.failures += 1
      table.peers[peer] = record
      try append([.syncTable(payload: table.encoded())])
    }
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

  /// Whether `position` names a record of this node's history (its LSN and CRC), or lies in the
  /// part a snapshot replaced (shared by every history the node had since).
  private func holds(_ position: LogPosition, writer: WALWriter) throws(SoftadastraError) -> Bool {
    if position.lsn == 0 { return true }
    guard position.lsn < writer.nextLSN else { return false }
    if position.lsn == writer.nextLSN - 1, writer.endOffset > UInt64(writer.header.size) {
      return position.checksum == writer.lastChecksum
    }
    guard let checksum = try NodeRecovery.recordChecksum(at: position.lsn, walPath: writer.path, nodeID: options.nodeID)
    else {
      return position.lsn < writer.header.firstLSN
    }
    return checksum == position.checksum
  }

  /// Where the log of `node` ends: its last LSN, that record's CRC (the snapshot names it when
  /// no record follows the snapshot), and this node's own operations up to it.
  private static func end(of node: RecoveredNode) -> LogPosition {
    let checksum = node.recordChecksums.last ?? node.state.snapshot?.header.lastRecordChecksum ?? 0
    return LogPosition(lsn: node.lastLSN, checksum: checksum, localOperations: node.localOperations)
  }

  /// Whether `position` is in the history of `node` with every record after it at hand: the
  /// record there has the same CRC, and is the snapshot's or one of the records after it.
  private static func history(of node: RecoveredNode, holds position: LogPosition) -> Bool {
    let base = node.state.snapshot?.header.lsn ?? node.records.first.map { $0.lsn - 1 } ?? node.lastLSN
    guard position.lsn >= base else { return false }
    if position.lsn == base {
      guard let snapshot = node.state.snapshot else { return base == 0 }
      return position.checksum == snapshot.header.lastRecordChecksum
    }
    guard let index = node.records.firstIndex(where: { $0.lsn == position.lsn }) else { return false }
    return node.recordChecksums[index] == position.checksum
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
      throw SoftadastraError(
        .invalidArgument, "this node already knows \(SyncTable.maxPeers) peers, the most it can track")
    }
    return PeerRecord()
  }
}
