/// A local-first node: every accepted write is appended to the WAL (the durable history), applied
/// to the local store (the current value), and recovered by replay after a restart or crash.
///
/// A client is used from one thread or task at a time. Any number of processes may keep the same
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
  /// The current state: a snapshot under the changes after it (everything, for memory clients).
  var state: NodeState?
  var summary: WALSummary?
  /// Snapshots found damaged (at recovery or by a later read), with why.
  private var skipped: [String: SoftadastraError] = [:]
  /// The last LSN applied to `state`: records caught up with later are applied only past it.
  private var stateLSN: UInt64 = 0
  /// For a read-only client: the live WAL the state was loaded from, open, and its status then;
  /// looked at again (one `fstat`) before each read.
  private var loadedFrom: (file: SystemFile, status: FileStatus)?
  /// Operations this node wrote itself, over its whole history (known once the state is loaded).
  private(set) var localOperations: UInt64 = 0
  private var isOpen = false
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
    if options.readOnly {
      try RestoreJournal.completePending(walPath: walPath, lockTimeout: options.lockTimeout)
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
    do throws(SoftadastraError) { try checkpointIfDue() } catch {
      try? close()
      throw error
    }
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
  @discardableResult
  public func commit(_ operations: [StoreOperation]) throws(SoftadastraError) -> ClosedRange<UInt64>? {
    try checkOpen()
    guard !operations.isEmpty else { return nil }
    guard !options.readOnly else {
      throw SoftadastraError(.invalidArgument, "this client was opened read-only; open it without readOnly to write")
    }
    let records: [WALRecord]
    if writer != nil {
      records = try writing { _ throws(SoftadastraError) in
        try checkpointIfDue()
        return try append(operations.map { .operation($0, origin: nil) })
      }
    } else {
      records = operations.map { operation in
        memoryLSN += 1
        return WALRecord(lsn: memoryLSN, timestamp: memoryClock.now(), body: .operation(operation, origin: nil))
      }
      for record in records { state!.apply(record) }
    }
    return records.first!.lsn...records.last!.lsn
  }

  /// Appends records with these bodies to the WAL as one atomic batch and applies them to the
  /// state (when it is loaded).
  @discardableResult
  func append(_ bodies: [WALRecord.Body]) throws(SoftadastraError) -> [WALRecord] {
    let records = try writer!.append(bodies: bodies)
    if state != nil {
      state!.reserveCapacity(forMoreChanges: records.count)
      for record in records {
        state!.apply(record)
        if case .operation(_, origin: nil) = record.body { localOperations += 1 }
      }
      stateLSN = records.last!.nextLSN - 1
    }
    summary?.noteAppended(records, fileSize: writer!.endOffset)
    return records
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
    defer { writer?.unlock() }
    try catchUpUnderLock()
    guard let writer else { throw SoftadastraError(.notOpen, "the client's WAL could not be reopened") }
    return try body(writer)
  }

  /// Takes the writer lock and brings the writer and the state up to date with the log.
  private func catchUpUnderLock() throws(SoftadastraError) {
    guard let writer, let walPath else { return }
    switch try writer.relock(timeout: options.lockTimeout) {
    case .none: break
    case .appended(let scanned): caughtUp(with: scanned, fileSize: writer.endOffset)
    case .replaced:
      // A checkpoint or a restore by another process put a new log in place: reopen it (under
      // the lock still held) and load the state again if it was loaded.
      let hadState = state != nil
      let lock = writer.surrenderLock()
      self.writer = nil
      (state, summary) = (nil, nil)
      try openWriter(walPath, heldLock: lock)
      if hadState, state == nil { try recover(walPath) }
    }
  }

  /// Applies records other processes appended to the state (those past what it holds).
  private func caughtUp(with scanned: [ScannedRecord], fileSize: UInt64) {
    guard state != nil else { return }
    for item in scanned where item.record.lsn > stateLSN {
      state!.apply(item.record)
      if case .operation(_, origin: nil) = item.record.body { localOperations += 1 }
      summary?.count(item)
      stateLSN = item.record.nextLSN - 1
    }
    summary?.fileSize = fileSize
  }

  /// Brings the state up to date with commits other processes acknowledged, before a read:
  /// one `fstat` when nothing changed. A writing client catches up under the writer lock
  /// (waiting for a commit in progress); a read-only client loads the state again when the log
  /// changed.
  private func seePresent() throws(SoftadastraError) {
    if let writer {
      guard !writer.isLocked, try writer.hasChanged() else { return }
      _ = try writing { _ throws(SoftadastraError) in }
    } else if let walPath, let loadedFrom, state != nil {
      guard (try? loadedFrom.file.status()) != loadedFrom.status else { return }
      try recover(walPath)
    }
  }

  /// The value of `key`, or nil when it is absent.
  public func get(_ key: String) throws(SoftadastraError) -> Value? { try get(Array(key.utf8)) }

  /// The value of `key`, or nil when it is absent. Reads at most one snapshot block; a read-only
  /// client opened with `loadsStoreOnOpen` off also keeps none of the WAL's other keys in memory.
  public func get(_ key: [UInt8]) throws(SoftadastraError) -> Value? {
    try checkOpen()
    if state == nil, options.readOnly, let walPath {
      return try lookUpWithoutLoading(key, walPath: walPath).map { Value($0.value) }
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
    // Every block's checksum first, so that damage found while streaming (after some entries went
    // out) cannot happen for want of a check, and recovery can still fall back before any output.
    try reading { state throws(SoftadastraError) in try state.snapshot?.checkBlockChecksums() }
    try loadedState().forEach(prefix: prefix) { (key, entry) throws(SoftadastraError) -> Bool in
      try body(key, Value(entry.value))
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

  /// Saves the state as a snapshot and starts a fresh WAL after it (see `Checkpoint`).
  ///
  /// - Returns: what was written, or nil when no record follows the newest snapshot.
  /// - Throws: `invalidArgument` for a read-only or memory client; file errors.
  @discardableResult
  public func checkpoint(level: Int = Checkpoint.defaultLevel) throws(SoftadastraError) -> CheckpointResult? {
    try checkOpen()
    guard writer != nil else {
      throw SoftadastraError(.invalidArgument, "only a persistent client opened for writing can save a snapshot")
    }
    try Zlib.checkLevel(level)
    return try writing { writer throws(SoftadastraError) in try checkpointUnderLock(writer, level: level) }
  }

  private func checkpointUnderLock(_ writer: WALWriter, level: Int) throws(SoftadastraError) -> CheckpointResult? {
    let files = NodeFiles(walPath: writer.path)
    // The new snapshot is written from the current one: check its blocks first, so that a
    // damaged one is set aside (recovery falls back) rather than stopping every checkpoint.
    try reading { state throws(SoftadastraError) in try state.snapshot?.checkBlockChecksums() }
    guard
      let result = try Checkpoint.run(
        state: try loadedState(), writer: writer, files: files, localOperations: localOperations, level: level)
    else {
      return nil
    }
    state = NodeState(snapshot: try SnapshotReader(path: result.snapshot.path))
    stateLSN = result.snapshot.lsn
    summary = WALSummary(path: writer.path, header: writer.header, fileSize: writer.endOffset)
    skipped = [:]
    return result
  }

  /// Syncs writes made with `autoFlush` off to disk.
  public func flush() throws(SoftadastraError) {
    try checkOpen()
    try writer?.flush()
  }

  /// Syncs what is not on disk yet and releases the WAL. The client can be opened again.
  public func close() throws(SoftadastraError) {
    defer {
      writer = nil
      walPath = nil
      state = nil
      summary = nil
      skipped = [:]
      stateLSN = 0
      loadedFrom = nil
      localOperations = 0
      memoryLSN = 0
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
    if writer.endOffset == UInt64(writer.header.size), writer.header.firstLSN > 1,
      let newest = NodeFiles(walPath: walPath).snapshots().first, newest.lsn == writer.header.firstLSN - 1,
      let snapshot = try? SnapshotReader(path: newest.path)
    {
      writer.observe(snapshot.header.lastTimestamp)
    }
    if options.loadsStoreOnOpen { try recover(walPath) }
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
  private func lookUpWithoutLoading(_ key: [UInt8], walPath: String) throws(SoftadastraError) -> LocalStore.Entry? {
    while true {
      let node = try NodeRecovery.recover(walPath: walPath, nodeID: options.nodeID, skipping: skipped, onlyKey: key)
      for problem in node.skippedSnapshots { skipped[problem.failedSnapshot?.path ?? ""] = problem }
      do throws(SoftadastraError) { return try node.state.entry(for: key) } catch {
        guard error.kind == .corrupt, let snapshot = node.state.snapshot, error.failedSnapshot?.path == snapshot.path
        else {
          throw error
        }
        skipped[snapshot.path] = error
      }
    }
  }

  /// Loads the newest usable snapshot and the records after it.
  private func recover(_ walPath: String) throws(SoftadastraError) {
    // Noted before reading: a change made while recovery reads is seen at the next look.
    if options.readOnly, let file = try? SystemFile.openForReading(walPath), let status = try? file.status() {
      loadedFrom = (file, status)
    }
    let node = try NodeRecovery.recover(walPath: walPath, nodeID: options.nodeID, skipping: skipped)
    stateLSN = node.lastLSN
    var summary = node.summary
    if let torn = writer?.repairedTail { summary.tornTail = torn }
    if let previous = self.summary, previous.header == summary.header {
      summary.lastTailRepair = previous.lastTailRepair
    }
    state = node.state
    localOperations = node.localOperations
    self.summary = summary
    for problem in node.skippedSnapshots { skipped[problem.failedSnapshot?.path ?? ""] = problem }
    writer?.observe(node.lastTimestamp)
  }

  func checkpointIfDue() throws(SoftadastraError) {
    guard let writer, options.checkpointBytes > 0,
      writer.endOffset - UInt64(writer.header.size) >= options.checkpointBytes
    else { return }
    try checkpoint()
  }

  /// Runs a read on the state. A snapshot block found damaged by the read is set aside, the state
  /// is recovered again without it (from an older snapshot or the full WAL), and the read retried.
  func reading<T>(_ body: (NodeState) throws(SoftadastraError) -> T) throws(SoftadastraError) -> T {
    while true {
      let state = try loadedState()
      do throws(SoftadastraError) { return try body(state) } catch {
        guard error.kind == .corrupt, let snapshot = state.snapshot, error.failedSnapshot?.path == snapshot.path,
          let walPath
        else { throw error }
        skipped[snapshot.path] = error
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
  }
}
