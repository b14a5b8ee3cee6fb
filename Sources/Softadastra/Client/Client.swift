/// A local-first node: every accepted write is appended to the WAL (the durable history), applied
/// to the local store (the current value), and recovered by replay after a restart or crash.
///
/// A client is used from one thread or task at a time (`Node` wraps one for many threads and
/// tasks at once, with `async` calls and group commit). Any number of processes may keep the same
/// node open, each writing: a client takes the writer lock for each commit only (waiting up to
/// `ClientOptions.lockTimeout` seconds for another process's commit, then failing with
/// `lockTimeout`), first catching up with what other processes committed; a read first catches
/// up with every commit acknowledged before it started (docs/concurrency.md).
///
/// ```swift
/// var options = ClientOptions.persistent(nodeID: "node-a", walPath: "data/node-a.wal")
/// options.autoFlush = true
/// let client = Client(options)
/// try client.open()
/// try client.put("settings/theme", "dark")
/// print(try client.get("settings/theme") ?? "absent")
/// try client.close()
/// ```
public final class Client {
  public let options: ClientOptions

  var writer: WALWriter?
  /// The WAL as opened: `options.walPath` with a symbolic link at its end followed, so that
  /// snapshots go beside the real file.
  private(set) var walPath: String?
  /// Where a restore (or a seed) that took effect but is not finished leaves its journal.
  private var restoreJournalPath = ""
  /// The current state: a snapshot under the changes after it (everything, for memory clients).
  var state: NodeState?
  var summary: WALSummary?
  /// Snapshots found damaged (at recovery or by a later read), with why.
  private var skipped: [String: SoftadastraError] = [:]
  /// The last LSN applied to `state`: records caught up with later are applied only past it.
  private var stateLSN: UInt64 = 0
  /// For a read-only client: the reader of the live WAL, where the state ends, and the file's
  /// status when it was last read to its end; looked at again (one `lstat`) before a read when
  /// `followerWatch` says another process may have committed.
  private(set) var follower: (log: WALScanner, status: FileStatus?)?
  /// For a read-only client: whether a read must look at the log first (`ChangeWatch`).
  private var followerWatch = ChangeWatch(nil)
  /// How many bytes of records a read-only client's catch-up holds at most before it loads the
  /// state again instead (as a writer's, `WALWriter.catchUpBudgetBytes`).
  var followerBudgetBytes = WALWriter.defaultCatchUpBudgetBytes
  /// Operations this node wrote itself, over its whole history (known once the state is loaded).
  private(set) var localOperations: UInt64 = 0
  private var isOpen = false
  /// Why the writer, closed when another process replaced the log, could not be reopened: every
  /// call fails with it until the client is opened again.
  private var lostWriter: SoftadastraError?
  /// The checkpoint this client started and that builds its snapshot on a thread of its own.
  private(set) var backgroundCheckpoint: BackgroundCheckpoint?
  /// For memory-only clients, which have no WAL to number records.
  private(set) var memoryLSN: UInt64 = 0
  private var memoryClock = HybridClock()

  public init(_ options: ClientOptions) { self.options = options }

  deinit { try? writer?.close() }

  /// Opens the node: checks the options, then (for a persistent client) takes the writer lock,
  /// creates or recovers the WAL and loads the newest snapshot and the records after it.
  ///
  /// - Throws: `invalidArgument` for bad options (before touching the disk); `notFound` when the
  ///   WAL's directory is missing; `lockTimeout`; `configuration` when the WAL belongs to another
  ///   node; `corrupt` when the WAL is damaged before its tail (nothing is changed on disk).
  public func open() throws(SoftadastraError) {
    guard !isOpen else { return }
    try options.validate()
    guard let configuredPath = options.walPath else {
      state = NodeState(snapshot: nil)
      isOpen = true
      return
    }
    let walPath = FileSystem.resolvingSymbolicLink(configuredPath)
    self.walPath = walPath
    restoreJournalPath = RestoreJournal.path(for: NodeFiles(walPath: walPath))
    if options.readOnly {
      try RestoreJournal.completePending(walPath: walPath, lockTimeout: options.lockTimeout)
      followerWatch = ChangeWatch(ChangeCounter.forReader(walPath: walPath))
      if options.loadsStoreOnOpen {
        try recover(walPath)
      } else {
        try checkReadable(walPath)
      }
    } else {
      if options.createsDirectory { try FileSystem.createDirectories(FileSystem.directory(of: walPath)) }
      // Not even a lock file is left beside a node that is not there.
      if !options.createsNode { try NodeRecovery.requireWAL(at: walPath, lockTimeout: options.lockTimeout) }
      try openWriter(walPath)
    }
    isOpen = true
    checkpointIfDue()
    // Held from here on only while committing: other processes write between this client's commits.
    writer?.unlock()
  }

  /// Sets `key` to `value`; with `autoFlush` it is on disk when this returns.
  public func put(_ key: String, _ value: String) throws(SoftadastraError) {
    try commit([.put(key: Array(key.utf8), value: Array(value.utf8))])
  }

  /// Sets `key` to `value` (any bytes); with `autoFlush` it is on disk when this returns.
  public func put(_ key: [UInt8], _ value: [UInt8]) throws(SoftadastraError) {
    try commit([.put(key: key, value: value)])
  }

  /// Removes `key`; returns whether it was present. The delete is recorded either way.
  @discardableResult
  public func remove(_ key: String) throws(SoftadastraError) -> Bool { try remove(Array(key.utf8)) }

  /// Removes `key`; returns whether it was present. The delete is recorded either way.
  @discardableResult
  public func remove(_ key: [UInt8]) throws(SoftadastraError) -> Bool {
    let existed = try reading { state throws(SoftadastraError) in try state.entry(for: key) } != nil
    try commit([.delete(key: key)])
    return existed
  }

  /// Writes `operations` as one atomic batch: after a crash, recovery sees all of them or none.
  /// One sync covers the whole batch.
  ///
  /// - Returns: the LSNs the operations were given (empty for no operations).
  /// - Throws: `invalidArgument` for an empty key, or a key or value over its limit (nothing is
  ///   written, in memory as in a log); `io` when writing or syncing the log fails.
  @discardableResult
  public func commit(_ operations: [StoreOperation]) throws(SoftadastraError) -> ClosedRange<UInt64>? {
    try checkOpen()
    guard !operations.isEmpty else { return nil }
    guard !options.readOnly else {
      throw SoftadastraError(.invalidArgument, "this client was opened read-only; open it without readOnly to write")
    }
    let records: [WALRecord]
    if writer != nil {
      records = try writing { _ throws(SoftadastraError) in try append(operations.map { .operation($0, origin: nil) }) }
      checkpointIfDue()
    } else {
      // In memory as in a log: an empty key or one over the limits is refused, and nothing applied.
      for operation in operations { try operation.checkLimits() }
      records = operations.map { operation in
        memoryLSN += 1
        return WALRecord(lsn: memoryLSN, timestamp: memoryClock.now(), body: .operation(operation, origin: nil))
      }
      for record in records { state!.apply(record) }
    }
    return records.first!.lsn...records.last!.lsn
  }

  /// Writes the operations `next` yields, until it returns nil, as one atomic batch, without
  /// holding them in memory (an import larger than memory): after a crash, recovery sees all of
  /// them or none, and one sync covers them all. A state this client had loaded is loaded again
  /// at its next read.
  ///
  /// - Returns: the LSNs the operations were given (nil for none).
  /// - Throws: what `next` throws, or `invalidArgument` for an operation over the limits: then
  ///   nothing is written.
  @discardableResult
  public func commit(streaming next: () throws(SoftadastraError) -> StoreOperation?) throws(SoftadastraError)
    -> ClosedRange<UInt64>?
  {
    try commitStreamed(
      inMemory: { () throws(SoftadastraError) in
        var operations: [StoreOperation] = []
        while let operation = try next() { operations.append(operation) }
        return operations
      },
      toLog: { writer throws(SoftadastraError) in try writer.appendBatch(next) })
  }

  /// Writes puts as one atomic batch, as `commit(streaming:)` does, each key and value taken from
  /// where it lies: `next` calls its argument with the next put's key and value and returns true,
  /// or returns false at the end. No operation is made for any of them (a large import from a
  /// file: the wall clock is read every 256 puts, see `WALWriter.appendPutBatch`).
  package func commitPuts(
    _ next: (_ put: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws(SoftadastraError) -> Void)
      throws(SoftadastraError) -> Bool
  ) throws(SoftadastraError) -> ClosedRange<UInt64>? {
    try commitStreamed(
      inMemory: { () throws(SoftadastraError) in
        var operations: [StoreOperation] = []
        while try next({ key, value in operations.append(.put(key: Array(key), value: Array(value))) }) {}
        return operations
      },
      toLog: { writer throws(SoftadastraError) in try writer.appendPutBatch(next) })
  }

  /// A streamed batch: in memory, the operations `inMemory` gathers; with a log, what `toLog`
  /// appends to it.
  private func commitStreamed(
    inMemory: () throws(SoftadastraError) -> [StoreOperation],
    toLog: (WALWriter) throws(SoftadastraError) -> ClosedRange<UInt64>?
  ) throws(SoftadastraError) -> ClosedRange<UInt64>? {
    try checkOpen()
    guard !options.readOnly else {
      throw SoftadastraError(.invalidArgument, "this client was opened read-only; open it without readOnly to write")
    }
    guard walPath != nil else { return try commit(try inMemory()) }
    let lsns = try writing(toLog)
    // The records are in the log, not in the state.
    if lsns != nil, state != nil { (state, summary) = (nil, nil) }
    checkpointIfDue()
    return lsns
  }

  /// Writes each of `batches` as an atomic batch of its own, all under one hold of the writer lock
  /// and with one sync for all of them (group commit): what several writers waiting at once share.
  /// Each batch succeeds or fails on its own when its operations are invalid; a failed write or
  /// sync fails every batch not yet acknowledged, and none is acknowledged before the sync.
  ///
  /// - Returns: for each batch, the LSNs it was given (nil for an empty one), or why it failed.
  func commit(batches: [[StoreOperation]]) -> [Result<ClosedRange<UInt64>?, SoftadastraError>] {
    guard writer != nil, !options.readOnly else {
      return batches.map { batch in Result { () throws(SoftadastraError) in try commit(batch) } }
    }
    // A batch with an invalid operation fails alone; the others are written with one write.
    var results: [Result<ClosedRange<UInt64>?, SoftadastraError>] = batches.map { batch in
      Result { () throws(SoftadastraError) in
        for operation in batch { try operation.checkLimits() }
        return nil
      }
    }
    let valid = batches.indices.filter { index in
      guard !batches[index].isEmpty, case .success = results[index] else { return false }
      return true
    }
    guard !valid.isEmpty else { return results }
    do throws(SoftadastraError) {
      let written = try writing { _ throws(SoftadastraError) in
        try append(batches: valid.map { batches[$0].map { .operation($0, origin: nil) } })
      }
      for (index, records) in zip(valid, written) { results[index] = .success(records.first!.lsn...records.last!.lsn) }
    } catch {
      for index in valid { results[index] = .failure(error) }
    }
    checkpointIfDue()
    return results
  }

  /// Appends records with these bodies to the WAL as one atomic batch and applies them to the
  /// state (when it is loaded).
  @discardableResult
  func append(_ bodies: [WALRecord.Body]) throws(SoftadastraError) -> [WALRecord] {
    try append(batches: [bodies])[0]
  }

  /// Appends several atomic batches with one write and one sync (group commit) and applies them.
  func append(batches: [[WALRecord.Body]]) throws(SoftadastraError) -> [[WALRecord]] {
    let written = try writer!.append(batches: batches)
    let records = Array(written.joined())
    if state != nil {
      state!.reserveCapacity(forMoreChanges: records.count)
      for record in records {
        state!.apply(record)
        if case .operation(_, origin: nil) = record.body { localOperations += 1 }
      }
      if let last = records.last { stateLSN = last.nextLSN - 1 }
    }
    summary?.noteAppended(records, fileSize: writer!.endOffset)
    return written
  }

  // MARK: - Other processes

  /// Runs `body` under the writer lock: takes it (waiting up to `lockTimeout`), catches up with
  /// what other processes committed since this client last held it, runs `body`, and releases
  /// it, so that other processes commit between this client's commits. Nested calls run under
  /// the lock already held.
  func writing<T>(_ body: (WALWriter) throws(SoftadastraError) -> T) throws(SoftadastraError) -> T {
    guard let held = writer else {
      throw SoftadastraError(.invalidArgument, "this client was opened read-only; open it without readOnly to write")
    }
    if held.isLocked { return try body(held) }
    let result: T
    do {
      defer { writer?.unlock() }
      try catchUpUnderLock()
      guard let writer else { throw SoftadastraError(.notOpen, "the client's WAL could not be reopened") }
      result = try body(writer)
    }
    // After the lock is released: no other process waits for it.
    adoptPublishedSnapshot()
    return result
  }

  /// Takes the writer lock and brings the writer and the state up to date with the log. When
  /// that fails after the writer read part of what was appended, the state is dropped (and loaded
  /// again at the next read): the writer does not read those records twice.
  private func catchUpUnderLock() throws(SoftadastraError) {
    do throws(SoftadastraError) { try catchUpOrThrow() } catch {
      if error.kind != .lockTimeout { (state, summary) = (nil, nil) }
      throw error
    }
  }

  private func catchUpOrThrow() throws(SoftadastraError) {
    guard let writer, walPath != nil else { return }
    let change = try writer.relock(timeout: options.lockTimeout)
    // A restore or a seed that took effect (its journal is written) in a process that died before
    // making all its moves: finished first, so that nothing is appended to a log it moves away.
    if FileSystem.exists(restoreJournalPath) {
      try reopenReplacedLog()
      return
    }
    switch change {
    case .none: break
    case .appended(let scanned): caughtUp(with: scanned, liveHeader: writer.header, fileSize: writer.endOffset)
    // A bulk import by another process: the state is loaded again from the files (its snapshot,
    // once published), not grown by every record read here.
    case .appendedMany: (state, summary) = (nil, nil)
    case .replaced:
      if let scanned = try writer.followSeals(NodeFiles(walPath: writer.path).sealedLogs) {
        // Other processes' checkpoints sealed the log: the sealed logs' last records, then the live log's.
        caughtUp(with: scanned, liveHeader: writer.header, fileSize: writer.endOffset)
        break
      }
      // A restore or a repair by another process put another log in place.
      try reopenReplacedLog()
    }
  }

  /// Reopens the log at the WAL path after another log was put there (by another process, or by
  /// this one seeding the node), under the writer lock the writer holds, which it keeps; loads the
  /// state again if it was loaded.
  func reopenReplacedLog() throws(SoftadastraError) {
    guard let writer, let walPath else { return }
    let hadState = state != nil
    let lock = writer.surrenderLock()
    self.writer = nil
    (state, summary) = (nil, nil)
    do throws(SoftadastraError) {
      try openWriter(walPath, heldLock: lock)
      if hadState, state == nil { try recover(walPath) }
    } catch {
      // Without its writer the client neither writes nor follows other processes' commits.
      var lost = error
      lost.message =
        "the client could not reopen its WAL after it was replaced (\(error.message)); close it and open it again"
      lostWriter = lost
      throw lost
    }
  }

  /// Moves the state onto the snapshot a checkpoint published for the live WAL, once it is there
  /// (the state holds every record up to it): only the changes after it stay in memory. One
  /// `stat` while the snapshot is being built; nothing once adopted. Not under the writer lock.
  private func adoptPublishedSnapshot() {
    guard let walPath, let live = writer?.header ?? follower?.log.header,
      let snapshotLSN = state?.snapshot?.header.lsn ?? (state != nil ? 0 : nil), live.continuesSnapshot,
      live.firstLSN > 1
    else { return }
    let lsn = live.firstLSN - 1
    guard snapshotLSN != lsn, stateLSN >= lsn else { return }
    let path = NodeFiles(walPath: walPath).snapshotPath(lsn: lsn)
    guard skipped[path] == nil, FileSystem.exists(path),
      let snapshot = try? SnapshotStack.open(path, reusing: state?.snapshot),
      snapshot.header.successorChecksum == live.checksum, snapshot.header.nodeID == live.nodeID,
      snapshot.base.map({ skipped[$0.path] == nil }) ?? true
    else { return }
    snapshot.setBlockCacheCapacity(options.blockCacheBytes)
    state = state.take()!.rebased(on: snapshot)
  }

  /// Applies records other processes appended to the state (those past what it holds).
  /// The summary is of the live WAL, whose header is `liveHeader` now: records of a log sealed
  /// meanwhile are applied to the state, not counted in it.
  private func caughtUp(with scanned: [ScannedRecord], liveHeader: WALHeader, fileSize: UInt64) {
    guard state != nil else { return }
    if let current = summary, current.header != liveHeader {
      summary = WALSummary(path: current.path, header: liveHeader, fileSize: fileSize)
    }
    for item in scanned where item.record.lsn > stateLSN {
      state!.apply(item.record)
      if case .operation(_, origin: nil) = item.record.body { localOperations += 1 }
      if item.record.lsn >= liveHeader.firstLSN { summary?.count(item) }
      stateLSN = item.record.nextLSN - 1
    }
    summary?.fileSize = fileSize
  }

  /// For a read-only client: reads what other processes committed since the state was loaded,
  /// from where it ended and across checkpoints' seals; loads the state again when another log
  /// was put in place (a restore, a repair) or reading meets damage.
  private func followLog(_ walPath: String) throws(SoftadastraError) {
    guard var log = follower?.log else { return }
    let files = NodeFiles(walPath: walPath)
    let replacements = log.replacements
    while true {
      // Noted before reading: a change made while this reads is seen at the next look.
      let status = try? log.fileStatus()
      var scanned: [ScannedRecord] = []
      var bytes = 0
      while let record = try log.next() {
        bytes += record.size
        // A bulk import: loaded from the files (its snapshot, once published), not held here.
        guard bytes <= followerBudgetBytes else { return try reload(walPath) }
        scanned.append(record)
      }
      guard log.ending?.isCorrupt != true else { return try reload(walPath) }
      caughtUp(with: scanned, liveHeader: log.header, fileSize: log.fileSize)
      let header = log.header
      try log.refresh(sealed: files.sealedLogs)
      guard log.replacements == replacements else { return try reload(walPath) }
      if log.header == header, log.ending != nil {
        follower = (log, status)
        break
      }
    }
    adoptPublishedSnapshot()
  }

  /// Loads the state again from the files, from scratch.
  private func reload(_ walPath: String) throws(SoftadastraError) {
    follower = nil
    try recover(walPath)
  }

  /// Brings the state up to date with commits other processes acknowledged, before a read:
  /// one load of the shared change count when nothing changed (`ChangeWatch`; one `lstat` where
  /// there is no such count). A writing client catches up under the writer lock
  /// (waiting for a commit in progress); a read-only client reads what was appended and follows
  /// checkpoints, loading the state again only when another log was put in place.
  func seePresent() throws(SoftadastraError) {
    if let writer {
      guard !writer.isLocked, try writer.hasChanged() else { return }
      _ = try writing { _ throws(SoftadastraError) in }
    } else if let walPath, let follower, state != nil {
      guard followerWatch.mustLook() else { return }
      let count = followerWatch.count
      if follower.log.mayHaveChanged(since: follower.status) { try followLog(walPath) }
      followerWatch.looked(atCount: count)
    }
  }

  /// The value of `key`, or nil when it is absent.
  public func get(_ key: String) throws(SoftadastraError) -> Value? { try get(Array(key.utf8)) }

  /// The value of `key`, or nil when it is absent. Reads at most one snapshot block; a read-only
  /// client opened with `loadsStoreOnOpen` off also keeps none of the WAL's other keys in memory.
  public func get(_ key: [UInt8]) throws(SoftadastraError) -> Value? {
    try checkOpen()
    if state == nil, options.readOnly, let walPath {
      return try lookUpWithoutLoading(key, walPath: walPath).flatMap { $0.isTombstone ? nil : Value($0.value) }
    }
    return try reading { state throws(SoftadastraError) in try state.entry(for: key) }.map { Value($0.value) }
  }

  /// Whether `key` has a value.
  public func contains(_ key: String) throws(SoftadastraError) -> Bool { try get(key) != nil }

  /// The number of keys with a value. 0 when the client is not open or its state cannot be
  /// loaded (a damaged WAL); `walSummary()` throws the reason.
  public var size: Int { (try? reading { state throws(SoftadastraError) in try state.count() }) ?? 0 }

  /// Every key starting with `prefix` with its value, in byte order.
  public func entries(prefix: [UInt8] = []) throws(SoftadastraError) -> [(key: [UInt8], value: Value)] {
    var result: [(key: [UInt8], value: Value)] = []
    try forEachEntry(prefix: prefix) { key, value in
      result.append((key, value))
      return true
    }
    return result
  }

  /// Calls `body` with every key starting with `prefix` and its value, in byte order, streaming
  /// from the snapshot; stops when `body` returns false.
  public func forEachEntry(
    prefix: [UInt8] = [], _ body: ([UInt8], Value) throws(SoftadastraError) -> Bool
  ) throws(SoftadastraError) {
    try forEachEntryInPlace(prefix: prefix) { (key, value) throws(SoftadastraError) -> Bool in
      try body(Array(key), Value(Array(value)))
    }
  }

  /// `forEachEntry`, passing each key and value where they lie, so that what is not kept is not
  /// copied: they must not escape `body` (copy what is kept).
  package func forEachEntryInPlace(
    prefix: [UInt8] = [], _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws(SoftadastraError) -> Bool
  ) throws(SoftadastraError) {
    // Every block's checksum first, so that damage found while streaming (after some entries went
    // out) cannot happen for want of a check, and recovery can still fall back before any output.
    try reading { state throws(SoftadastraError) in try state.snapshot?.checkBlockChecksums() }
    try loadedState().forEachInPlace(prefix: prefix) { (entry) throws(SoftadastraError) -> Bool in
      try entry.withKeyAndValue(body)
    }
  }

  /// What replaying the live WAL found (nil for a memory-only client). Loads the state if needed.
  public func walSummary() throws(SoftadastraError) -> WALSummary? {
    try checkOpen()
    guard options.isPersistent else { return nil }
    _ = try loadedState()
    return summary
  }

  /// The snapshot the state starts from, if any.
  public func currentSnapshot() throws(SoftadastraError) -> SnapshotInfo? {
    try checkOpen()
    return try loadedState().snapshot.map(SnapshotInfo.init)
  }

  /// Snapshots found unusable so far (damaged, or of another history), at recovery or by a later
  /// read; the state came from an older snapshot or the full WAL instead. Loads nothing.
  public var skippedSnapshots: [SoftadastraError] { skipped.values.sorted { $0.message < $1.message } }

  /// The zlib level of checkpoints' snapshots by default (0 to 9) when their blocks are
  /// compressed against a dictionary sampled from the snapshot before, which zlib's fast levels
  /// hardly search; blocks of 4 KiB keep its slowest level cheap. After scattered changes, level 9
  /// made a snapshot of 1,000,000 keys 14% smaller than level 1 and 1% smaller than 6, and one of
  /// 8,000,000 keys 3% smaller than level 6 in the same time.
  public static let checkpointLevel = 9
  /// The default level of a snapshot with no dictionary: no snapshot before it (a node's first
  /// checkpoint, or a node seeded from a whole state), or one that gave no sample. At 1,000,000
  /// keys, level 9 took 18% more time than level 1 for a file 0.8% smaller.
  public static let checkpointLevelWithoutDictionary = 1

  /// Saves the state as a snapshot and starts a fresh WAL after it: seals the
  /// log under the writer lock, builds the snapshot without it (other processes and clients
  /// commit meanwhile), and publishes it. Waits up to `lockTimeout` for a checkpoint another
  /// process is making, and for one this client started in the background.
  ///
  /// The snapshot is a delta (the keys changed since the newest full snapshot) while those are
  /// under an eighth of the full snapshot's entries, else a full one; `full` asks for a full one.
  ///
  /// - Parameters:
  ///   - level: the zlib level of the snapshot's blocks; by default `checkpointLevel`, or
  ///     `checkpointLevelWithoutDictionary` when no dictionary was sampled (no snapshot before).
  ///   - full: write a full snapshot even when a delta would do.
  /// - Returns: what was written, or nil when no record follows the newest snapshot.
  /// - Throws: `invalidArgument` for a read-only or memory client; `lockTimeout`; file errors.
  @discardableResult
  public func checkpoint(level: Int? = nil, full: Bool = false) throws(SoftadastraError)
    -> CheckpointResult?
  {
    try checkOpen()
    guard let walPath, writer != nil else {
      throw SoftadastraError(.invalidArgument, "only a persistent client opened for writing can save a snapshot")
    }
    if let level { try Zlib.checkLevel(level) }
    finishBackgroundCheckpoint()
    let lock = try CheckpointLock.acquire(walPath: walPath, timeout: options.lockTimeout)
    defer { lock.release() }
    let files = NodeFiles(walPath: walPath)
    guard let sealed = try seal(files) else { return nil }
    switch try Checkpoint.finish(sealed, files: files, level: level, full: full, lockTimeout: options.lockTimeout) {
    case .alreadyThere: return nil
    case .replaced: throw Checkpoint.replacedMeanwhile(files)
    case .published(let result):
      adoptPublishedSnapshot()
      return result
    }
  }

  /// Seals the live WAL under the writer lock (or picks up an earlier checkpoint's seal whose
  /// snapshot was never published); the caller holds the checkpoint lock. With `onlyIfDue`, only
  /// when the log, as it is once caught up under the lock, holds `checkpointBytes` of records
  /// (another process may have checkpointed it, or a restore replaced it, meanwhile).
  private func seal(_ files: NodeFiles, onlyIfDue: Bool = false) throws(SoftadastraError) -> SealedLog? {
    try writing { writer throws(SoftadastraError) in
      if let unfinished = try Checkpoint.unfinished(writer, files: files) { return unfinished }
      if onlyIfDue, writer.endOffset - UInt64(writer.header.size) < options.checkpointBytes { return nil }
      guard let sealed = try Checkpoint.seal(writer, files: files) else { return nil }
      summary = summary.map { WALSummary(path: $0.path, header: writer.header, fileSize: writer.endOffset) }
      return sealed
    }
  }

  /// Why the last checkpoint this client ran in the background failed, once it is done (nil when
  /// it succeeded). Its failure loses nothing: every write is in the WAL, and the next checkpoint
  /// finishes what it sealed. Kept after `close()`.
  public private(set) var backgroundCheckpointFailure: SoftadastraError?

  /// Waits for the checkpoint this client runs in the background, if any, and notes its failure.
  private func finishBackgroundCheckpoint() {
    guard let running = backgroundCheckpoint else { return }
    backgroundCheckpoint = nil
    if case .failure(let error) = running.wait() {
      var failure = error
      failure.message = "the checkpoint that ran in the background failed (every write is in the WAL): \(error.message)"
      backgroundCheckpointFailure = failure
    } else {
      backgroundCheckpointFailure = nil
    }
  }

  /// Syncs writes made with `autoFlush` off to disk.
  public func flush() throws(SoftadastraError) {
    try checkOpen()
    try writer?.flush()
  }

  /// Syncs what is not on disk yet, waits for a checkpoint this client runs in the background
  /// (see `backgroundCheckpointFailure`) and for one that came due while it ran, and releases the
  /// WAL. The client can be opened again.
  public func close() throws(SoftadastraError) {
    finishBackgroundCheckpoint()
    // A checkpoint that came due while the one before still ran was not started then: it runs
    // now, so that a large write does not leave its whole log for the next reader to replay.
    if isOpen, lostWriter == nil {
      checkpointIfDue()
      finishBackgroundCheckpoint()
    }
    defer {
      writer = nil
      walPath = nil
      state = nil
      summary = nil
      skipped = [:]
      stateLSN = 0
      follower = nil
      localOperations = 0
      memoryLSN = 0
      lostWriter = nil
      followerWatch = ChangeWatch(nil)
      isOpen = false
    }
    try writer?.close()
  }

  // MARK: - Recovery

  /// Opens the writer, under `heldLock` when the caller holds the lock already.
  private func openWriter(_ walPath: String, heldLock: WriterLock? = nil) throws(SoftadastraError) {
    let files = NodeFiles(walPath: walPath)
    let lock: WriterLock
    if let heldLock {
      lock = heldLock
    } else {
      try WALWriter.checkBeforeLocking(path: walPath, nodeID: options.nodeID)
      lock = try WriterLock.acquire(walPath: walPath, timeout: options.lockTimeout)
    }
    // Under the lock: an interrupted restore is finished first, and a node that readers would
    // refuse (a WAL missing beside its snapshots, a WAL whose snapshot is missing or of another
    // history) is refused here too, before anything is appended to it.
    do throws(SoftadastraError) {
      try RestoreJournal.completePending(for: files)
      if FileSystem.exists(walPath) {
        try NodeRecovery.checkPairing(files, nodeID: options.nodeID)
      } else if files.hasHistoryFiles || !options.createsNode {
        throw NodeRecovery.missingWAL(walPath, files: files)
      }
    } catch {
      lock.release()
      throw error
    }
    let writer = try WALWriter(
      path: walPath, nodeID: options.nodeID, lockTimeout: options.lockTimeout, autoFlush: options.autoFlush,
      heldLock: lock)
    self.writer = writer
    if writer.endOffset == UInt64(writer.header.size), writer.header.firstLSN > 1 {
      // An empty log after a checkpoint: the clock goes on from the history before it.
      writer.observe(try Self.lastTimestamp(before: writer.header, files: files))
    }
    if options.loadsStoreOnOpen { try recover(walPath) }
  }

  /// The time of the last record before the live WAL `header` starts: the snapshot it continues
  /// says, or (while a checkpoint has not published it) the archived WAL that ends there.
  private static func lastTimestamp(before header: WALHeader, files: NodeFiles) throws(SoftadastraError)
    -> HybridTimestamp
  {
    let lsn = header.firstLSN - 1
    if let newest = files.snapshots().first, newest.lsn == lsn, let snapshot = try? SnapshotReader(path: newest.path) {
      return snapshot.header.lastTimestamp
    }
    guard let segment = files.segments().last(where: { $0.firstLSN <= lsn }) else {
      return HybridTimestamp(rawValue: 0)
    }
    var scanner = try WALScanner(path: segment.path, materialize: false)
    var last = HybridTimestamp(rawValue: 0)
    while let scanned = try scanner.next() { last = max(last, scanned.record.timestamp) }
    return last
  }

  /// Checks that a read-only node can be read (its WAL exists, or its files explain why not,
  /// and it belongs to this node) without loading it.
  private func checkReadable(_ walPath: String) throws(SoftadastraError) {
    guard FileSystem.exists(walPath) else { throw NodeRecovery.missingWAL(walPath, files: NodeFiles(walPath: walPath)) }
    let header = try WALScanner(path: walPath, materialize: false).header
    guard header.nodeID == options.nodeID else {
      throw SoftadastraError(
        .configuration, "WAL \(walPath) belongs to node '\(header.nodeID)', not '\(options.nodeID)'", path: walPath)
    }
  }

  /// One key's entry from a recovery that applies only that key's changes; like `reading`, it
  /// sets a damaged snapshot aside and tries again.
  /// `key`'s entry or tombstone now (with the LSN that set it), reading as `get` does.
  func entryOrTombstone(_ key: [UInt8]) throws(SoftadastraError) -> LocalStore.Entry? {
    try checkOpen()
    if state == nil, options.readOnly, let walPath { return try lookUpWithoutLoading(key, walPath: walPath) }
    return try reading { state throws(SoftadastraError) in try state.entryOrTombstone(for: key) }
  }

  private func lookUpWithoutLoading(_ key: [UInt8], walPath: String) throws(SoftadastraError) -> LocalStore.Entry? {
    while true {
      let node = try NodeRecovery.recover(walPath: walPath, nodeID: options.nodeID, skipping: skipped, onlyKey: key)
      for problem in node.skippedSnapshots { skipped[problem.failedSnapshot?.path ?? ""] = problem }
      do throws(SoftadastraError) { return try node.state.entryOrTombstone(for: key) } catch {
        guard error.kind == .corrupt, let failed = node.state.snapshot?.failedFile(error) else { throw error }
        skipped[failed] = error
      }
    }
  }

  /// How many times this client loaded the state from the files (a full read).
  private(set) var stateLoads = 0

  /// Loads the newest usable snapshot and the records after it.
  private func recover(_ walPath: String) throws(SoftadastraError) {
    stateLoads += 1
    let count = followerWatch.count
    let node = try NodeRecovery.recover(walPath: walPath, nodeID: options.nodeID, skipping: skipped)
    stateLSN = node.lastLSN
    var summary = node.summary
    if let torn = writer?.repairedTail { summary.tornTail = torn }
    if let previous = self.summary, previous.header == summary.header {
      summary.lastTailRepair = previous.lastTailRepair
    }
    node.state.snapshot?.setBlockCacheCapacity(options.blockCacheBytes)
    state = node.state
    localOperations = node.localOperations
    self.summary = summary
    for problem in node.skippedSnapshots { skipped[problem.failedSnapshot?.path ?? ""] = problem }
    writer?.observe(node.lastTimestamp)
    // A read-only client goes on reading the live WAL from where recovery ended.
    if options.readOnly, let log = node.liveLog {
      follower = (log, nil)
      try followLog(walPath)
      followerWatch.looked(atCount: count)
    }
  }

  /// Starts a checkpoint when the live WAL has grown past `checkpointBytes`: seals it now, and
  /// builds and publishes the snapshot on a thread of its own (`BackgroundCheckpoint`). Nothing
  /// when this client's previous one still runs or another process is checkpointing. It never
  /// fails the write it follows: a failure to start is kept in `backgroundCheckpointFailure`.
  func checkpointIfDue() {
    do throws(SoftadastraError) { try startCheckpointIfDue() } catch {
      var failure = error
      failure.message = "the automatic checkpoint could not start (every write is in the WAL): \(error.message)"
      backgroundCheckpointFailure = failure
    }
  }

  private func startCheckpointIfDue() throws(SoftadastraError) {
    guard let writer, let walPath, options.checkpointBytes > 0,
      writer.endOffset - UInt64(writer.header.size) >= options.checkpointBytes
    else { return }
    if let running = backgroundCheckpoint {
      guard running.isFinished else { return }
      finishBackgroundCheckpoint()
    }
    guard let lock = try CheckpointLock.tryAcquire(walPath: walPath) else { return }
    let files = NodeFiles(walPath: walPath)
    guard let sealed = try seal(files, onlyIfDue: true) else {
      lock.release()
      return
    }
    backgroundCheckpoint = try BackgroundCheckpoint(
      sealed, files: files, level: nil, lockTimeout: options.lockTimeout, holding: lock)
  }

  /// Runs a read on the state. A snapshot block found damaged by the read is set aside, the state
  /// is recovered again without it (from an older snapshot or the full WAL), and the read retried.
  func reading<T>(_ body: (NodeState) throws(SoftadastraError) -> T) throws(SoftadastraError) -> T {
    while true {
      let state = try loadedState()
      do throws(SoftadastraError) { return try body(state) } catch {
        guard error.kind == .corrupt, let failed = state.snapshot?.failedFile(error), let walPath else { throw error }
        skipped[failed] = error
        try recover(walPath)
      }
    }
  }

  func loadedState() throws(SoftadastraError) -> NodeState {
    try checkOpen()
    try seePresent()
    if let state { return state }
    // Opened with loadsStoreOnOpen off. Recovery reads without the lock (as readers do); records
    // past it that the writer reads later are applied only past `stateLSN`.
    guard let walPath else { throw SoftadastraError(.notOpen, "the client is not open; call open() first") }
    try recover(walPath)
    return state ?? NodeState(snapshot: nil)
  }

  func checkOpen() throws(SoftadastraError) {
    guard isOpen else { throw SoftadastraError(.notOpen, "the client is not open; call open() first") }
    if let lostWriter { throw lostWriter }
  }
}
