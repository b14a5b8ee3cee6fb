/// A local-first node: every accepted write is appended to the WAL (the durable history), applied
/// to the local store (the current value), and recovered by replay after a restart or crash.
///
/// A client is used from one thread or task at a time. One process at a time may write a WAL;
/// a second writer waits up to `ClientOptions.lockTimeout` seconds, then fails with `lockTimeout`.
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

  private var writer: WALWriter?
  private var store: LocalStore?
  private var summary: WALSummary?
  private var isOpen = false
  /// For memory-only clients, which have no WAL to number records.
  private var memoryLSN: UInt64 = 0
  private var memoryClock = HybridClock()

  public init(_ options: ClientOptions) { self.options = options }

  deinit { try? writer?.close() }

  /// Opens the node: checks the options, then (for a persistent client) takes the writer lock,
  /// creates or recovers the WAL and replays it into the store.
  ///
  /// - Throws: `invalidArgument` for bad options (before touching the disk); `notFound` when the
  ///   WAL's directory is missing; `lockTimeout`; `configuration` when the WAL belongs to another
  ///   node; `corrupt` when the WAL is damaged before its tail (nothing is changed on disk).
  public func open() throws(SoftadastraError) {
    guard !isOpen else { return }
    try options.validate()
    guard let walPath = options.walPath else {
      store = LocalStore()
      isOpen = true
      return
    }
    if options.readOnly {
      try loadReadOnly(walPath)
    } else {
      if options.createsDirectory { try FileSystem.createDirectories(FileSystem.directory(of: walPath)) }
      try openWriter(walPath)
    }
    isOpen = true
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
    let existed = try loadedStore().entry(for: key) != nil
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
    if let writer {
      records = try writer.append(operations)
    } else {
      records = operations.map { operation in
        memoryLSN += 1
        return WALRecord(lsn: memoryLSN, timestamp: memoryClock.now(), body: .operation(operation, origin: nil))
      }
    }
    if store != nil {
      for record in records { store!.apply(record) }
    }
    summary?.noteAppended(records, fileSize: writer?.endOffset ?? 0)
    return records.first!.lsn...records.last!.lsn
  }

  /// The value of `key`, or nil when it is absent.
  public func get(_ key: String) throws(SoftadastraError) -> Value? { try get(Array(key.utf8)) }

  /// The value of `key`, or nil when it is absent.
  public func get(_ key: [UInt8]) throws(SoftadastraError) -> Value? {
    try loadedStore().entry(for: key).map { Value($0.value) }
  }

  /// Whether `key` has a value.
  public func contains(_ key: String) throws(SoftadastraError) -> Bool { try get(key) != nil }

  /// The number of keys with a value. 0 when the client is not open or its store cannot be
  /// loaded (a damaged WAL); `walSummary()` throws the reason.
  public var size: Int { (try? loadedStore().count) ?? 0 }

  /// Every key starting with `prefix` with its value, in byte order.
  public func entries(prefix: [UInt8] = []) throws(SoftadastraError) -> [(key: [UInt8], value: Value)] {
    try loadedStore().sorted(prefix: prefix).map { (key: $0.key, value: Value($0.entry.value)) }
  }

  /// What this node has recorded for propagation to peers.
  public func syncState() throws(SoftadastraError) -> SyncState {
    try checkOpen()
    if options.isPersistent { _ = try loadedStore() }
    return SyncState(outboxSize: summary?.localOperations ?? Int(memoryLSN))
  }

  /// What replaying the WAL found (nil for a memory-only client). Loads the store if needed.
  public func walSummary() throws(SoftadastraError) -> WALSummary? {
    try checkOpen()
    guard options.isPersistent else { return nil }
    _ = try loadedStore()
    return summary
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
      store = nil
      summary = nil
      memoryLSN = 0
      isOpen = false
    }
    try writer?.close()
  }

  // MARK: - Recovery

  private func openWriter(_ walPath: String) throws(SoftadastraError) {
    var store = LocalStore()
    var summary: WALSummary?
    let tailCheck: WALWriter.TailCheck =
      options.loadsStoreOnOpen
      ? .replay { scanned in
        store.apply(scanned.record)
        summary?.count(scanned)
      } : .lastRecordOnly
    if options.loadsStoreOnOpen {
      // The summary needs the header, which the writer reads; start it empty and fill it below.
      summary = WALSummary(path: walPath, header: WALHeader(nodeID: options.nodeID, createdMilliseconds: 0), fileSize: 0)
    }
    let writer = try WALWriter(
      path: walPath, nodeID: options.nodeID, lockTimeout: options.lockTimeout, autoFlush: options.autoFlush,
      tailCheck: tailCheck)
    self.writer = writer
    guard var summary else { return }
    summary.header = writer.header
    summary.fileSize = writer.endOffset
    if let torn = writer.repairedTail {
      summary.tornTail = torn
      summary.records += 1
      summary.lastLSN = writer.nextLSN - 1
      if summary.firstLSN == nil { summary.firstLSN = summary.lastLSN }
      summary.lastTailRepair = WALSummary.TailRepair(offset: torn.offset, bytes: torn.bytes, timestamp: writer.clock.last)
    }
    self.store = store
    self.summary = summary
  }

  private func loadReadOnly(_ walPath: String) throws(SoftadastraError) {
    guard FileSystem.exists(walPath) else {
      throw SoftadastraError(.notFound, "no WAL at \(walPath): nothing has been written for this node yet, or the path is wrong", path: walPath)
    }
    var scanner = try WALScanner(path: walPath)
    guard scanner.header.nodeID == options.nodeID else {
      throw SoftadastraError(
        .configuration, "WAL \(walPath) belongs to node '\(scanner.header.nodeID)', not '\(options.nodeID)'", path: walPath)
    }
    try replay(scanner)
  }

  private func replay(_ scanner: consuming WALScanner) throws(SoftadastraError) {
    var store = LocalStore()
    var summary = WALSummary(path: scanner.path, header: scanner.header, fileSize: scanner.fileSize)
    while let scanned = try scanner.next() {
      store.apply(scanned.record)
      summary.count(scanned)
    }
    switch scanner.ending {
    case .corrupt(let corruption): throw SoftadastraError.damaged(path: scanner.path, corruption)
    case .tornTail(let torn): summary.tornTail = torn
    case .clean, nil: break
    }
    self.store = store
    self.summary = summary
  }

  private func loadedStore() throws(SoftadastraError) -> LocalStore {
    try checkOpen()
    if let store { return store }
    // Opened with loadsStoreOnOpen off: this process holds the writer lock, so the file is stable.
    try replay(WALScanner(path: options.walPath!))
    return store!
  }

  private func checkOpen() throws(SoftadastraError) {
    guard isOpen else { throw SoftadastraError(.notOpen, "the client is not open; call open() first") }
  }
}
