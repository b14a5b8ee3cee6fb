@_spi(Storage) import SoftadastraWAL

/// A bundle as it was sent: its header, and how many operations it held.
public struct SentSyncBundle: Sendable, Equatable {
  public var header: SyncBundleHeader
  public var operationCount: Int
}

/// What importing a bundle did.
public struct SyncImportResult: Sendable, Equatable {
  public var sender: String
  /// Operations in the bundle.
  public var received: Int
  /// Operations that won the conflict rule and were applied (appended to the WAL, or written
  /// into the first snapshot of a new node a whole state seeded).
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

  /// Makes the bundle for `peer`, in memory: the operations of this node's log after the peer's
  /// acknowledged position, or the whole state (values and tombstones) when `fullState` is set,
  /// when that position is in the part of the log a snapshot replaced, or when it is not in this
  /// node's history (its record has another CRC: this node was restored from an older backup).
  /// Records durably that it was sent (a sync-table record) before returning it; use
  /// `sendSyncBundle(for:fullState:to:)` to stream a bundle of any size, and to record that it
  /// was sent only once it is delivered.
  ///
  /// - Throws: `invalidArgument` for a bad peer id, this node's own id, a memory or read-only
  ///   client, or a 257th peer; file errors.
  @discardableResult
  public func makeSyncBundle(for peer: String, fullState: Bool = false) throws(SoftadastraError) -> SyncBundle {
    var bundle: SyncBundle?
    try sendSyncBundle(for: peer, fullState: fullState) { plan throws(SoftadastraError) in
      var operations: [SyncOperation] = []
      try plan.forEachOperation { operation throws(SoftadastraError) in operations.append(operation) }
      bundle = SyncBundle(header: plan.header, operations: operations)
    }
    return bundle!
  }

  /// Makes the bundle for `peer` (see `makeSyncBundle(for:fullState:)`) and writes it to `sink`
  /// as it is made, a chunk at a time: memory does not grow with the bundle. It is recorded as
  /// sent only once `sink.finish()` returns: a bundle that could not be written or delivered is
  /// neither in flight nor counted.
  ///
  /// - Throws: what `makeSyncBundle` throws, and what `sink` throws (then nothing is recorded).
  @discardableResult
  public func sendSyncBundle(for peer: String, fullState: Bool = false, to sink: some SyncBundleSink)
    throws(SoftadastraError) -> SentSyncBundle
  {
    try sendSyncBundle(for: peer, fullState: fullState) { plan throws(SoftadastraError) in
      var encoder = try SyncBundleEncoder(header: plan.header, to: sink)
      try plan.forEachOperation { operation throws(SoftadastraError) in try encoder.add(operation) }
      try encoder.finish()
      try sink.finish()
    }
  }

  /// Plans the bundle for `peer`, passes the plan to `deliver` (which reads its operations and
  /// delivers them), then records that it was sent.
  private func sendSyncBundle(
    for peer: String, fullState: Bool, through deliver: (BundlePlan) throws(SoftadastraError) -> Void
  ) throws(SoftadastraError) -> SentSyncBundle {
    let writer = try syncWriter()
    try checkPeer(peer)
    // The bundle acknowledges what this node has received: that must be on disk first, even
    // with autoFlush off.
    try writer.flush()
    try writing { _ throws(SoftadastraError) in checkpointIfDue() }
    // Made and delivered without the writer lock (a reader sees whole commits), so that a slow
    // or stalled peer never holds up this node's writers; then recorded as sent, under the lock,
    // in the sync table as it is by then.
    let plan = try BundlePlan(for: peer, fullState: fullState, client: self, walPath: writer.path, clock: writer)
    try deliver(plan)
    try writing { _ throws(SoftadastraError) in
      var table = try currentSyncTable()
      var record = try peerRecord(peer, in: table)
      record.sent = max(record.sent, plan.header.end)
      record.retries += plan.resent
      record.lastExchangeMilliseconds = Int64(HybridTimestamp.wallClockMilliseconds())
      table.peers[peer] = record
      try append([.syncTable(payload: table.encoded())])
    }
    return SentSyncBundle(header: plan.header, operationCount: plan.count)
  }

  /// What the bundle for a peer holds, from the node's files as they are: its header, and its
  /// operations, read when they are asked for.
  private final class BundlePlan {
    let header: SyncBundleHeader
    private let node: RecoveredNode
    private let nodeID: String
    private let acknowledged: UInt64
    private let sent: UInt64
    /// Operations read, and how many of them were sent before.
    private(set) var count = 0
    private(set) var resent: UInt64 = 0

    init(for peer: String, fullState: Bool, client: Client, walPath: String, clock: WALWriter)
      throws(SoftadastraError)
    {
      nodeID = client.options.nodeID
      node = try NodeRecovery.recover(walPath: walPath, nodeID: nodeID, keepingRecords: true)
      let record = try client.peerRecord(peer, in: try node.state.syncTable())
      let full = fullState || !Client.history(of: node, holds: record.acknowledged)
      acknowledged = full ? 0 : record.acknowledged.lsn
      sent = record.sent.lsn
      header = SyncBundleHeader(
        sender: nodeID, recipient: peer, created: clock.readClock(), isFullState: full, fromLSN: acknowledged,
        end: Client.end(of: node), acknowledgement: record.received)
    }

    /// Passes each operation to `body`: the whole state in key order, or the log's operations
    /// after the peer's acknowledged position in log order.
    func forEachOperation(_ body: (SyncOperation) throws(SoftadastraError) -> Void) throws(SoftadastraError) {
      if header.isFullState {
        try node.state.forEach(includingTombstones: true) { (key, entry) throws(SoftadastraError) -> Bool in
          let operation: StoreOperation = entry.isTombstone ? .delete(key: key) : .put(key: key, value: entry.value)
          try emit(
            SyncOperation(
              operation, origin: entry.origin ?? Origin(nodeID: nodeID, lsn: entry.lsn, timestamp: entry.timestamp)),
            lsn: entry.lsn, body)
          return true
        }
        return
      }
      for logRecord in node.records where logRecord.lsn > acknowledged {
        guard case .operation(let operation, let remote) = logRecord.body else { continue }
        // The peer's own operations go back too: a peer restored from an older backup gets the
        // ones it lost this way (one it still has is a tie, and changes nothing there).
        let origin = remote ?? Origin(nodeID: nodeID, lsn: logRecord.lsn, timestamp: logRecord.timestamp)
        try emit(SyncOperation(operation, origin: origin), lsn: logRecord.lsn, body)
      }
    }

    private func emit(
      _ operation: SyncOperation, lsn: UInt64, _ body: (SyncOperation) throws(SoftadastraError) -> Void
    ) throws(SoftadastraError) {
      try body(operation)
      count += 1
      if lsn <= sent { resent += 1 }
    }
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
  /// Importing the same bundle again changes no value. A whole state imported into a node that
  /// holds nothing yet, with `checkpointBytes` above 0, becomes the node's first snapshot
  /// instead (`FullStateSeed`), as atomically.
  ///
  /// - Throws: `malformedInput` for a bundle meant for another node, from this node, or that
  ///   starts after what this node has received from its sender (a bundle in between is
  ///   missing); `invalidArgument` for a memory or read-only client; file errors. Nothing is
  ///   changed when it throws, unless the error says that the bundle was imported (a seed that
  ///   took effect, after which the client could not reopen the node's log).
  @discardableResult
  public func applySyncBundle(_ bundle: SyncBundle) throws(SoftadastraError) -> SyncImportResult {
    try applySyncBundle(ReceivedSyncBundle(bundle))
  }

  /// Applies a received bundle atomically (see `applySyncBundle(_:)`), reading its operations
  /// a chunk at a time: memory does not grow with the bundle when its keys come in order (a
  /// full state), and holds one entry per key of the bundle when they do not (a part of a log).
  @discardableResult
  public func applySyncBundle(_ bundle: ReceivedSyncBundle) throws(SoftadastraError) -> SyncImportResult {
    _ = try syncWriter()
    return try writing { writer throws(SoftadastraError) in try applySyncBundleUnderLock(bundle, writer: writer) }
  }

  /// The most accepted operations (and bytes of their keys and values) held in memory and
  /// applied to a loaded state as they are appended; past either, they stream into the WAL
  /// and the state is loaded again at the next read.
  static let appliedInMemoryLimit = 1 << 16
  static let appliedInMemoryBytes = 64 << 20

  private func applySyncBundleUnderLock(_ bundle: ReceivedSyncBundle, writer: WALWriter) throws(SoftadastraError)
    -> SyncImportResult
  {
    let header = bundle.header
    try header.checkAddressed(to: options.nodeID)
    try header.checkTimestamps(newest: bundle.newest)
    checkpointIfDue()
    var table = try reading { state throws(SoftadastraError) in try state.syncTable() }
    var record = try peerRecord(header.sender, in: table)
    func result(applied: Int, isStale: Bool = false) -> SyncImportResult {
      SyncImportResult(
        sender: header.sender, received: bundle.operationCount, applied: applied,
        ignored: bundle.operationCount - applied, fromLSN: header.fromLSN, endLSN: header.end.lsn,
        isFullState: header.isFullState, isStale: isStale)
    }
    // Old news: applying it again could undo a delete whose tombstone has been dropped since.
    guard header.created > record.newestBundle else { return result(applied: 0, isStale: true) }
    try header.checkFollows(received: record.received)

    // A new node joining gets a full state as its first snapshot; otherwise the conflict rule
    // decides, and the operations it applies go into the log.
    let files = NodeFiles(walPath: writer.path)
    let seeding = options.checkpointBytes > 0 && FullStateSeed.applies(to: bundle, writer: writer, files: files)
    let accepted = seeding ? nil : try acceptedOperations(of: bundle)
    let appliedCount = accepted?.count ?? bundle.operationCount

    // A full state replaces what was received (the sender may have been restored and written
    // another history); parts of a log only move forward (an older bundle may arrive late).
    record.received = header.isFullState ? header.end : max(record.received, header.end)
    record.newestBundle = header.created
    // Tombstones are dropped on acknowledgements: only one naming a record of this node's own
    // history counts (a peer may hold an earlier history of a node restored from a backup).
    record.acknowledged = try holds(header.acknowledgement, writer: writer) ? header.acknowledgement : .start
    record.sent = max(record.sent, record.acknowledged)
    record.lastExchangeMilliseconds = Int64(HybridTimestamp.wallClockMilliseconds())
    table.peers[header.sender] = record
    if appliedCount > 0 { table.lastAppliedRemoteLSN = writer.nextLSN + UInt64(appliedCount) - 1 }
    if let newest = bundle.newest { writer.observe(newest.timestamp) }
    guard let accepted else {
      try FullStateSeed.seed(
        bundle, syncTable: table.encoded(), writer: writer, files: files, level: Client.checkpointLevelWithoutDictionary
      )
      do throws(SoftadastraError) { try reopenReplacedLog() } catch {
        var imported = error
        imported.message = "the bundle was imported (the node's first snapshot holds it), but \(error.message)"
        throw imported
      }
      return result(applied: appliedCount)
    }
    let tableRecord = WALRecord.Body.syncTable(payload: table.encoded())
    if let bodies = accepted.bodies {
      try append(bodies + [tableRecord])
    } else {
      // Streamed: read the bundle once more, appending the accepted operations as they pass.
      var operations = try bundle.operations()
      var index = 0
      var tableWritten = false
      try writer.appendRecordBatch({ () throws(SoftadastraError) -> WALRecord.Body? in
        while let item = try operations.next() {
          index += 1
          if accepted.contains(index - 1) { return .operation(item.operation, origin: item.origin) }
        }
        guard !tableWritten else { return nil }
        tableWritten = true
        return tableRecord
      })
      // The records are in the log, not in the state.
      if state != nil { (state, summary) = (nil, nil) }
    }
    try writer.flush()  // what an import applied is durable before anyone is told, autoFlush or not
    checkpointIfDue()  // as after any commit: a large import is not replayed at every open
    return result(applied: accepted.count)
  }

  /// Which operations of a bundle are applied, by their index in it.
  private struct AcceptedOperations {
    private var bits: [UInt64]
    private(set) var count = 0
    /// Their records, while they are within `appliedInMemoryLimit` and `appliedInMemoryBytes`.
    private(set) var bodies: [WALRecord.Body]? = []
    private var bytes = 0

    init(operationCount: Int) { bits = Array(repeating: 0, count: (operationCount + 63) / 64) }

    func contains(_ index: Int) -> Bool { index >> 6 < bits.count && bits[index >> 6] & (1 << UInt64(index & 63)) != 0 }

    mutating func insert(_ index: Int, _ item: SyncOperation) {
      bits[index >> 6] |= 1 << UInt64(index & 63)
      count += 1
      bytes += item.operation.key.count
      if case .put(_, let value) = item.operation { bytes += value.count }
      if count > Client.appliedInMemoryLimit || bytes > Client.appliedInMemoryBytes {
        bodies = nil
      } else {
        bodies?.append(.operation(item.operation, origin: item.origin))
      }
    }
  }

  /// The conflict rule: of the bundle's operations on a key, the one with the highest version
  /// is applied when it beats the key's current version (value or tombstone); everything else
  /// is already here, older, or superseded within the bundle. The bundle is read a chunk at a
  /// time, and current versions looked up a group of keys at a time.
  private func acceptedOperations(of bundle: ReceivedSyncBundle) throws(SoftadastraError) -> AcceptedOperations {
    // Where a key may be there more than once, the index of its newest operation.
    var newestInBundle: [ByteKey: (index: Int, version: WriteVersion)]?
    if !bundle.keysAscending {
      var newest: [ByteKey: (index: Int, version: WriteVersion)] = [:]
      var operations = try bundle.operations()
      var index = 0
      while let item = try operations.next() {
        let key = ByteKey(item.operation.key)
        if let best = newest[key], best.version >= item.version {
          index += 1
          continue
        }
        newest[key] = (index, item.version)
        index += 1
      }
      newestInBundle = newest
    }
    var accepted = AcceptedOperations(operationCount: bundle.operationCount)
    var group: [(index: Int, item: SyncOperation)] = []
    func decide() throws(SoftadastraError) {
      let current = try reading { state throws(SoftadastraError) in
        try state.entriesOrTombstones(for: group.map { $0.item.operation.key })
      }
      for ((index, item), entry) in zip(group, current) {
        if let entry, item.version <= entry.version(localNode: options.nodeID) { continue }
        accepted.insert(index, item)
      }
      group.removeAll(keepingCapacity: true)
    }
    var operations = try bundle.operations()
    var index = 0
    while let item = try operations.next() {
      defer { index += 1 }
      if let newestInBundle, newestInBundle[ByteKey(item.operation.key)]?.index != index { continue }
      group.append((index, item))
      if group.count == 4096 { try decide() }
    }
    if !group.isEmpty { try decide() }
    return accepted
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
  fileprivate static func end(of node: RecoveredNode) -> LogPosition {
    let checksum = node.recordChecksums.last ?? node.state.snapshot?.header.lastRecordChecksum ?? 0
    return LogPosition(lsn: node.lastLSN, checksum: checksum, localOperations: node.localOperations)
  }

  /// Whether `position` is in the history of `node` with every record after it at hand: the
  /// record there has the same CRC, and is the snapshot's or one of the records after it.
  fileprivate static func history(of node: RecoveredNode, holds position: LogPosition) -> Bool {
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

  fileprivate func peerRecord(_ peer: String, in table: SyncTable) throws(SoftadastraError) -> PeerRecord {
    if let record = table.peers[peer] { return record }
    guard table.peers.count < SyncTable.maxPeers else {
      throw SoftadastraError(
        .invalidArgument, "this node already knows \(SyncTable.maxPeers) peers, the most it can track")
    }
    return PeerRecord()
  }
}
