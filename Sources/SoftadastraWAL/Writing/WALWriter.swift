/// Appends records to a native WAL, as its only writer while it holds the writer lock.
///
/// Opening takes the writer lock, creates the log if it is missing (durably: temporary file,
/// `fdatasync`, rename, directory `fsync`), checks the header's node id, and validates the tail:
/// a torn tail is cut off (and the cut is recorded in the log); damage in the middle refuses to
/// open and changes nothing.
///
/// A writer may hold the lock from open to close, or release it between commits (`unlock()`)
/// so that other processes write too; `relock(timeout:)` then takes it again and reads what they
/// appended, or says that they replaced the log (a checkpoint, a restore).
public final class WALWriter {
  public let path: String
  /// The header of the log being appended to (a new one after `startNewLog`).
  public private(set) var header: WALHeader
  /// Whether each append is synced to disk before it returns.
  public var autoFlush: Bool
  /// The LSN the next record gets.
  public private(set) var nextLSN: UInt64
  /// The size of the log, which is where the next record goes.
  public private(set) var endOffset: UInt64
  /// The node's clock, past every record in the log.
  package private(set) var clock: HybridClock
  /// The torn tail that opening cut off, if any.
  public private(set) var repairedTail: TornTail?

  private var file: SystemFile
  private var lock: WriterLock?
  private var isClosed = false
  /// The file's status when this writer last knew everything in it (nil: look in full).
  private var knownStatus: FileStatus?
  /// Whether a read must look at the file first (`hasChanged()`).
  private var watch: ChangeWatch
  /// The change count when the lock was last taken: what a catch-up under it brings this writer to.
  private var countAtTake: UInt64?
  /// Whether this writer knows every change other processes made to the log (false from taking
  /// the lock until its catch-up succeeds: one that failed is tried again at the next read).
  private var isCaughtUp = true
  /// Where the log ended, and which log it was (its header's CRC), when the change count last
  /// told other processes about it: a change past it advances the count (`announceChanges()`).
  private var announced: (end: UInt64, log: UInt32)?
  /// The CRC of the last record (the header's when there is none), which seeds the next one.
  public private(set) var lastChecksum: UInt32
  private var unsyncedBytes = false
  /// Set when a write or sync failed: what reached the disk is unknown, so the writer stops.
  private var failure: SoftadastraError?

  /// How much of the log opening reads.
  public enum TailCheck {
    /// Read only the last record (when it is valid); fall back to a full scan when it is not.
    case lastRecordOnly
    /// Read every record and pass each complete one to `visit`, in order.
    case replay(visit: (ScannedRecord) throws(SoftadastraError) -> Void)
  }

  /// Opens the log at `path` for appending, creating it when missing.
  ///
  /// - Parameters:
  ///   - path: the log file; its directory must exist.
  ///   - nodeID: the node that owns the log; an existing log of another node is refused.
  ///   - lockTimeout: seconds to wait for another writer to finish.
  ///   - autoFlush: whether each append is synced before it returns.
  ///   - tailCheck: whether to replay every record or read only the tail.
  ///   - heldLock: the log's writer lock when the caller took it already (to finish work under
  ///     it before the log is opened); the writer then owns it.
  /// - Throws: `notFound` for a missing directory, `lockTimeout`, `configuration` for another
  ///   node's log, `corrupt` for damage before the tail, and file errors.
  package init(
    path: String, nodeID: String, lockTimeout: Double, autoFlush: Bool = true, tailCheck: TailCheck = .lastRecordOnly,
    heldLock: WriterLock? = nil
  ) throws(SoftadastraError) {
    if heldLock == nil { try Self.checkBeforeLocking(path: path, nodeID: nodeID) }
    let lock: WriterLock
    if let heldLock { lock = heldLock } else { lock = try WriterLock.acquire(walPath: path, timeout: lockTimeout) }
    if !FileSystem.exists(path) { try Self.create(path: path, nodeID: nodeID) }
    let file = try SystemFile.openForUpdate(path)
    var scanner = try WALScanner(file: file, materialize: { if case .replay = tailCheck { true } else { false } }())
    guard scanner.header.nodeID == nodeID else {
      throw SoftadastraError(
        .configuration,
        "WAL \(path) belongs to node '\(scanner.header.nodeID)', not '\(nodeID)'; use one WAL path per node",
        path: path)
    }
    self.path = path
    self.header = scanner.header
    self.autoFlush = autoFlush
    self.file = file
    self.lock = lock
    watch = ChangeWatch(lock.changes)
    nextLSN = scanner.header.firstLSN
    endOffset = UInt64(scanner.header.size)
    lastChecksum = scanner.header.checksum
    clock = HybridClock()

    if case .lastRecordOnly = tailCheck, try adoptValidTail(fileSize: scanner.fileSize) { return }
    var last: WALRecord?
    while let scanned = try scanner.next() {
      if case .replay(let visit) = tailCheck { try visit(scanned) }
      last = scanned.record
    }
    if let last {
      adoptTail(nextLSN: last.nextLSN, checksum: scanner.lastChecksum, end: scanner.position, timestamp: last.timestamp)
    }
    switch scanner.ending {
    case .clean, nil: break
    case .corrupt(let corruption): throw SoftadastraError.damaged(path: path, corruption)
    case .tornTail(let torn): try cutTornTail(torn)
    }
  }

  /// Checks what can be checked before the writer lock file is created beside `path`: that its
  /// directory exists, and that a file already at `path` is a WAL of `nodeID` (so that nothing is
  /// created beside a file that is not this node's log, or a directory).
  ///
  /// - Throws: `notFound` or `cannotCreate` for the directory, `corrupt` for a file that is not
  ///   a WAL, `configuration` for another node's log.
  public static func checkBeforeLocking(path: String, nodeID: String) throws(SoftadastraError) {
    let directory = FileSystem.directory(of: path)
    guard FileSystem.isDirectory(directory) else {
      throw SoftadastraError(
        FileSystem.exists(directory) ? .cannotCreate : .notFound,
        FileSystem.exists(directory)
          ? "cannot use WAL path \(path): \(directory) is not a directory"
          : "cannot open WAL \(path): directory \(directory) does not exist",
        path: directory, remedy: FileSystem.exists(directory) ? nil : .createDirectory(directory))
    }
    guard FileSystem.exists(path) else { return }
    guard !FileSystem.isDirectory(path) else {
      throw SoftadastraError(.cannotCreate, "cannot use WAL path \(path): it is a directory", path: path)
    }
    let header = try WALScanner(path: path, materialize: false).header
    guard header.nodeID == nodeID else {
      throw SoftadastraError(
        .configuration, "WAL \(path) belongs to node '\(header.nodeID)', not '\(nodeID)'; use one WAL path per node",
        path: path)
    }
  }

  /// Appends operations as one atomic unit: a single record, or a batch that recovery applies
  /// whole or not at all. With `autoFlush` they are on disk when this returns (one sync).
  ///
  /// - Returns: the records written, with their LSNs and timestamps.
  /// - Throws: `invalidArgument` for an empty key or one over the limits (nothing is written),
  ///   `io` when writing or syncing fails (the writer then refuses further appends).
  @discardableResult
  public func append(_ operations: [StoreOperation]) throws(SoftadastraError) -> [WALRecord] {
    try append(bodies: operations.map { .operation($0, origin: nil) })
  }

  /// Appends records with these bodies as one atomic unit, like `append(_:)`: operations
  /// received from peers (with their origin) and sync tables, for example.
  @discardableResult
  public func append(bodies: [WALRecord.Body]) throws(SoftadastraError) -> [WALRecord] {
    try append(batches: [bodies])[0]
  }

  /// Appends several atomic batches with one write (and, with `autoFlush`, one sync): group
  /// commit. Each batch is whole or absent after a crash, independently of the others. Nothing
  /// is written when any batch is invalid.
  @discardableResult
  public func append(batches: [[WALRecord.Body]]) throws(SoftadastraError) -> [[WALRecord]] {
    try checkUsable()
    let total = batches.reduce(0) { $0 + $1.count }
    guard UInt64(total) <= WALFormat.maxLSN + 1 - nextLSN else { throw Self.everyLSNUsed(path, at: nextLSN) }
    for case .operation(let operation, let origin) in batches.joined() {
      try operation.checkLimits()
      if let origin, origin.nodeID.utf8.isEmpty || origin.nodeID.utf8.count > WALFormat.maxNodeIDBytes {
        throw SoftadastraError(.invalidArgument, "an origin node id must be 1 to \(WALFormat.maxNodeIDBytes) bytes")
      }
    }
    var written: [[WALRecord]] = []
    written.reserveCapacity(batches.count)
    try appending { pending throws(SoftadastraError) in
      for bodies in batches {
        var records: [WALRecord] = []
        records.reserveCapacity(bodies.count)
        for (index, body) in bodies.enumerated() {
          records.append(try pending.add(body, batch: .of(index, in: bodies.count)))
        }
        written.append(records)
      }
    }
    return written
  }

  /// Appends the operations `next` yields, until it returns nil, as one atomic batch, without
  /// holding them in memory: they are encoded and written 4 MiB at a time, and recovery applies
  /// the batch whole or not at all (its last record closes it). With `autoFlush` it is on disk
  /// when this returns (one sync).
  ///
  /// - Returns: the LSNs of the batch (nil when `next` yielded nothing).
  /// - Throws: what `next` throws, or `invalidArgument` for an operation over the limits: the
  ///   log is then cut back to where it ended (nothing is written); `io` as `append(_:)`.
  public func appendBatch(_ next: () throws(SoftadastraError) -> StoreOperation?) throws(SoftadastraError)
    -> ClosedRange<UInt64>?
  {
    try appendRecordBatch({ () throws(SoftadastraError) -> WALRecord.Body? in
      try next().map { .operation($0, origin: nil) }
    })
  }

  /// Appends records with the bodies `next` yields, until it returns nil, as one atomic batch,
  /// without holding them in memory (see `appendBatch(_:)`).
  @_spi(Storage) public func appendRecordBatch(_ next: () throws(SoftadastraError) -> WALRecord.Body?)
    throws(SoftadastraError) -> ClosedRange<UInt64>?
  {
    try appendStreamedBatch { pending throws(SoftadastraError) in
      while let body = try next() {
        if case .operation(let operation, _) = body { try operation.checkLimits() }
        try pending.addToBatch(body)
      }
    }
  }

  /// Appends puts of this node's own as one atomic batch, as `appendBatch(_:)` does, each key
  /// and value encoded from where it lies: `next` calls its argument with the next put's key and
  /// value and returns true, or returns false at the end. No operation is made for any of them.
  /// The wall clock is read every 256 puts: for puts that are at hand (a file's lines), not for
  /// ones that arrive over time.
  package func appendPutBatch(
    _ next: (_ put: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws(SoftadastraError) -> Void)
      throws(SoftadastraError) -> Bool
  ) throws(SoftadastraError) -> ClosedRange<UInt64>? {
    try appendStreamedBatch { pending throws(SoftadastraError) in
      while try next({ key, value throws(SoftadastraError) in
        try StoreOperation.checkLimits(keyBytes: key.count, valueBytes: value.count)
        try pending.addPutToBatch(key: key, value: value)
      }) {}
    }
  }

  /// Runs `add` to add the records of one batch, then closes it; returns its LSNs.
  private func appendStreamedBatch(_ add: (inout PendingAppend) throws(SoftadastraError) -> Void)
    throws(SoftadastraError) -> ClosedRange<UInt64>?
  {
    try checkUsable()
    let first = nextLSN
    var count = 0
    try appending { pending throws(SoftadastraError) in
      try add(&pending)
      count = pending.closeBatch()
    }
    return count == 0 ? nil : first...(first + UInt64(count) - 1)
  }

  static func everyLSNUsed(_ path: String, at lsn: UInt64) -> SoftadastraError {
    SoftadastraError(
      .corrupt, "WAL \(path) has used every LSN up to \(WALFormat.maxLSN); nothing more can be appended to it",
      path: path, lsn: lsn)
  }

  /// Records being appended past the log's end: encoded into a buffer that is written out every
  /// 4 MiB, each chained to the CRC of the one before.
  struct PendingAppend {
    let file: SystemFile
    let path: String
    var buffer: [UInt8] = []
    var checksum: UInt32
    var offset: UInt64
    var lsn: UInt64
    var clock: HybridClock
    /// Whether a write was tried (bytes may be past the log's end), and the one that failed.
    var triedWrite = false
    var writeFailure: SoftadastraError?

    /// The newest record of a streamed batch: where it starts in `buffer` and the CRC before
    /// it. It says more records follow, and stays out of writes until `closeBatch` says whether
    /// they do. With the number of records the batch has so far.
    var openRecord: (start: Int, seed: UInt32)?
    var batchCount = 0
    /// The wall clock as a batch of puts streamed in place last read it: every 256 puts, not for
    /// each (a tenth of an import from a file). Timestamps still rise with every record, by the
    /// clock's counter between readings.
    var wallClock: UInt64 = 0

    /// Encodes a record with `body` at the next LSN.
    mutating func add(_ body: WALRecord.Body, batch: WALRecord.BatchPosition) throws(SoftadastraError) -> WALRecord {
      guard lsn <= WALFormat.maxLSN else { throw WALWriter.everyLSNUsed(path, at: lsn) }
      let record = WALRecord(lsn: lsn, timestamp: clock.now(), batch: batch, body: body)
      checksum = RecordEncoder.append(record, seed: checksum, to: &buffer)
      lsn = record.nextLSN
      if buffer.count >= 4 << 20 { try writeOut() }
      return record
    }

    /// Encodes the next record of a streamed batch, with `body`.
    mutating func addToBatch(_ body: WALRecord.Body) throws(SoftadastraError) {
      let timestamp = clock.now()
      try addToBatch { lsn, position, seed, buffer in
        let record = WALRecord(lsn: lsn, timestamp: timestamp, batch: position, body: body)
        return (RecordEncoder.append(record, seed: seed, to: &buffer), record.nextLSN)
      }
    }

    /// Encodes the next record of a streamed batch: a put of `key` and `value`.
    mutating func addPutToBatch(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
      throws(SoftadastraError)
    {
      if batchCount % 256 == 0 { wallClock = HybridTimestamp.wallClockMilliseconds() }
      let timestamp = clock.now(wallClock: wallClock)
      try addToBatch { lsn, position, seed, buffer in
        let crc = RecordEncoder.appendPut(
          key: key, value: value, lsn: lsn, timestamp: timestamp, batch: position, seed: seed, to: &buffer)
        return (crc, lsn + 1)
      }
    }

    /// Encodes the next record of a streamed batch with `encode`, as one that more follow:
    /// `encode` is given its LSN, position and seed, and returns its CRC and the LSN after it.
    private mutating func addToBatch(
      _ encode: (UInt64, WALRecord.BatchPosition, UInt32, inout [UInt8]) -> (crc: UInt32, nextLSN: UInt64)
    ) throws(SoftadastraError) {
      guard lsn <= WALFormat.maxLSN else { throw WALWriter.everyLSNUsed(path, at: lsn) }
      let start = buffer.count
      let seed = checksum
      (checksum, lsn) = encode(lsn, batchCount == 0 ? .first : .middle, seed, &buffer)
      openRecord = (start, seed)
      batchCount += 1
      if buffer.count >= 4 << 20 { try writeOut() }
    }

    /// Ends a streamed batch: its last record says it closes it. Returns how many it has.
    mutating func closeBatch() -> Int {
      if let openRecord {
        checksum = RecordEncoder.closeBatch(withRecordAt: openRecord.start, seed: openRecord.seed, in: &buffer)
      }
      defer { (openRecord, batchCount) = (nil, 0) }
      return batchCount
    }

    /// Writes out what is encoded, but for a streamed batch's open record.
    mutating func writeOut() throws(SoftadastraError) {
      let end = openRecord?.start ?? buffer.count
      guard end > 0 else { return }
      triedWrite = true
      do throws(SoftadastraError) {
        try buffer.withUnsafeBytes { bytes in
          Result { () throws(SoftadastraError) in
            try file.write(UnsafeRawBufferPointer(rebasing: bytes[..<end]), at: offset)
          }
        }.get()
      } catch {
        writeFailure = error
        throw error
      }
      offset += UInt64(end)
      buffer.removeSubrange(..<end)
      openRecord?.start = 0
    }
  }

  /// Runs `body` to add records past the log's end, then writes them out and syncs them (with
  /// `autoFlush`), and moves the log's end past them. When anything fails, the log is cut back to
  /// where it ended; a failed write or sync also stops the writer (what reached the disk is
  /// unknown), as does a failed cut; an input `body` refuses does not.
  private func appending(_ body: (inout PendingAppend) throws(SoftadastraError) -> Void) throws(SoftadastraError) {
    var pending = PendingAppend(
      file: file, path: path, checksum: lastChecksum, offset: endOffset, lsn: nextLSN, clock: clock)
    do throws(SoftadastraError) { try body(&pending) } catch {
      if let writeFailure = pending.writeFailure { failure = writeFailure }
      if pending.triedWrite {
        do throws(SoftadastraError) { try file.truncate(to: endOffset) } catch { failure = failure ?? error }
      }
      throw error
    }
    guard pending.lsn != nextLSN else { return }
    do throws(SoftadastraError) {
      try pending.writeOut()
      if autoFlush { try file.syncData() } else { unsyncedBytes = true }
    } catch {
      failure = error
      try? file.truncate(to: endOffset)
      throw error
    }
    endOffset = pending.offset
    nextLSN = pending.lsn
    lastChecksum = pending.checksum
    clock = pending.clock
    knownStatus = try? file.status()
    announceChanges()
  }

  /// Moves the clock past `timestamp` (the time of records this log no longer holds).
  public func observe(_ timestamp: HybridTimestamp) { clock.observe(timestamp) }

  /// A reading of the node's clock, later than every record so far (and every reading before);
  /// the next record is later still.
  public func readClock() -> HybridTimestamp { clock.now() }

  /// Syncs appended records to disk (what `autoFlush` does after every append).
  public func flush() throws(SoftadastraError) {
    if let failure {
      throw SoftadastraError(
        .io, "WAL \(path) had a failed write or sync (\(failure)); reopen it to continue", path: path)
    }
    try checkOpen()
    guard unsyncedBytes else { return }
    do throws(SoftadastraError) { try file.syncData() } catch {
      failure = error
      throw error
    }
    unsyncedBytes = false
  }

  /// Syncs what is not yet on disk, then releases the file and the writer lock.
  public func close() throws(SoftadastraError) {
    defer {
      announceChanges()
      file.close()
      lock?.release(advancing: false)
      lock = nil
      isClosed = true
    }
    if failure == nil, !isClosed { try flush() }
  }

  /// Whether the writer holds the writer lock now.
  public var isLocked: Bool { lock?.holds ?? false }

  /// Releases the writer lock and keeps the log open; appends need `relock(timeout:)` first.
  public func unlock() {
    announceChanges()
    lock?.suspend(advancing: false)
  }

  /// Advances the change count when this writer changed the log since the count last told of
  /// it (appended, sealed it, opened it): other processes' next reads look at the log. Done after
  /// every append (after its sync), so that it comes before the commit is acknowledged even when
  /// the lock is held across commits. (A torn tail a catch-up cut is not told of: it held no
  /// data.)
  private func announceChanges() {
    guard let lock, lock.holds else { return }
    let now = (end: endOffset, log: header.checksum)
    guard announced?.end != now.end || announced?.log != now.log else { return }
    lock.advanceChanges()
    announced = now
    if isCaughtUp { watch.looked(atCount: lock.changes?.value) } else { watch.forget() }
  }

  /// Notes that this writer caught up, under the lock, with what other processes changed (which
  /// they told of): nothing to announce, and no look needed before the next read.
  private func caughtUp() {
    announced = (endOffset, header.checksum)
    isCaughtUp = true
    watch.looked(atCount: countAtTake)
  }

  /// What other processes did to the log while this writer did not hold the lock.
  public enum Change {
    /// Nothing: the log ends where this writer left it.
    case none
    /// They appended these records (now adopted: the next append follows them).
    case appended([ScannedRecord])
    /// They appended more than a catch-up holds in memory (`catchUpBudgetBytes` of records, a
    /// bulk import): adopted, but not returned; read them from the files (a client loads its
    /// state again).
    case appendedMany
    /// The file at the log's path is another one (a checkpoint started a new log, a restore or a
    /// repair put one in place): reopen it (`surrenderLock()`, then a new writer with the lock).
    case replaced
  }

  /// How many bytes of records a catch-up (`relock`, `followSeals`) returns at most; past that,
  /// it only adopts them (see `Change.appendedMany`), in memory that does not grow with them.
  package var catchUpBudgetBytes = WALWriter.defaultCatchUpBudgetBytes
  package static let defaultCatchUpBudgetBytes = 64 << 20

  /// Takes the writer lock again (waiting up to `timeout` seconds) and reads what other
  /// processes appended since this writer last held it, cutting off a torn tail a crashed one
  /// left. The lock stays held, whatever is returned or thrown; `unlock()` releases it.
  ///
  /// - Throws: `lockTimeout`; `corrupt` for damage in what was appended.
  public func relock(timeout: Double) throws(SoftadastraError) -> Change {
    try checkOpen()
    if let lock {
      try lock.take(timeout: timeout)
    } else {
      let lock = try WriterLock.acquire(walPath: path, timeout: timeout)
      self.lock = lock
      watch = ChangeWatch(lock.changes)
    }
    countAtTake = lock?.changes?.value
    isCaughtUp = false
    // Whether another file is at the path is checked by identity every time: a status-change
    // time can stay the same across a rename within one tick of the kernel's clock.
    let now = try look()
    guard !now.replaced else { return .replaced }
    if now.status == knownStatus {
      caughtUp()
      return .none
    }
    // Written over in place (the records this writer knows are gone): not this log any more.
    guard try file.endsRecord(at: endOffset, withChecksum: lastChecksum) else { return .replaced }
    let records = try readAppended(cuttingTornTail: true, keepingUpTo: catchUpBudgetBytes)
    caughtUp()
    guard let records else { return .appendedMany }
    return records.isEmpty ? .none : .appended(records)
  }

  /// Reads the records appended to the open file past `endOffset` and adopts them; a torn tail is
  /// cut off (under the lock) or, in a log another writer sealed, is damage. Returns them, or nil
  /// when they take more than `budget` bytes (they are adopted all the same).
  private func readAppended(cuttingTornTail: Bool, keepingUpTo budget: Int) throws(SoftadastraError)
    -> [ScannedRecord]?
  {
    var records: [ScannedRecord]? = []
    if try file.size() != endOffset {
      var scanner = try WALScanner(
        file: file, header: header, from: LogTail(offset: endOffset, nextLSN: nextLSN, checksum: lastChecksum))
      var (kept, last) = (0, ScannedRecord?.none)
      while let scanned = try scanner.next() {
        kept += scanned.size
        last = scanned
        if kept <= budget { records?.append(scanned) } else { records = nil }
      }
      if let last {
        adoptTail(
          nextLSN: scanner.expectedLSN, checksum: scanner.lastChecksum, end: scanner.position,
          timestamp: last.record.timestamp)
      }
      switch scanner.ending {
      case .clean, nil: break
      case .corrupt(let corruption): throw SoftadastraError.damaged(path: path, corruption)
      case .tornTail(let torn):
        guard cuttingTornTail else {
          throw SoftadastraError(
            .corrupt, "sealed WAL \(path) ends with \(torn.bytes) damaged bytes at offset \(torn.offset)", path: path,
            offset: torn.offset)
        }
        try cutTornTail(torn)
      }
    }
    knownStatus = try file.status()
    return records
  }

  /// After `relock` said `.replaced`: when checkpoints sealed this writer's log (one or several
  /// since it last held the lock: `logs` tells where they keep sealed logs and proves which log
  /// follows which) and the log now at `path` continues the last one they sealed, reads what was
  /// appended to each sealed log since, moves to the live log and reads what was appended to it,
  /// and returns all of it, in order: the state needs no reload. Nil when the log was replaced
  /// otherwise (a restore, a repair, a copy over it in place), when records in between are no
  /// longer kept, or when a log no longer at the path does not end cleanly: the caller reopens
  /// and reloads (and recovery reports damage it needs to read). Under the lock.
  ///
  /// - Throws: `corrupt` for damage in the live log, as `relock` does.
  public func followSeals(_ logs: SealedLogs) throws(SoftadastraError) -> [ScannedRecord]? {
    try checkUsable()
    // Shorter than what this writer wrote, or written over: changed in place, never sealed.
    guard try file.size() >= endOffset, try file.endsRecord(at: endOffset, withChecksum: lastChecksum) else {
      return nil
    }
    var scanner = try WALScanner(file: file, header: header, from: tail)
    var records: [ScannedRecord] = []
    var kept = 0
    while true {
      while let scanned = try scanner.next() {
        kept += scanned.size
        // More than a catch-up holds: the caller reopens the log and reads the files instead.
        guard kept <= catchUpBudgetBytes else { return nil }
        records.append(scanned)
      }
      let identity = try scanner.fileIdentity()
      // The live log: its tail, torn or damaged, is dealt with below as `relock` does.
      if FileSystem.identity(of: path) == identity { break }
      guard case .clean = scanner.ending else { return nil }
      let replacements = scanner.replacements
      try scanner.refresh(sealed: logs)
      guard scanner.replacements == replacements, try scanner.fileIdentity() != identity else { return nil }
    }
    guard let live = try? SystemFile.openForUpdate(path), try live.identity() == scanner.fileIdentity() else {
      return nil
    }
    moveTo(live, header: scanner.header)
    (nextLSN, lastChecksum, endOffset) = (scanner.expectedLSN, scanner.lastChecksum, scanner.position)
    if let last = records.last { clock.observe(last.record.timestamp) }
    // A torn tail in the live log: cut off, as `relock` does.
    guard let appended = try readAppended(cuttingTornTail: true, keepingUpTo: catchUpBudgetBytes - kept) else {
      return nil
    }
    caughtUp()
    return records + appended
  }

  /// Goes on in `newFile`, a new log whose header is `newHeader` (after a seal).
  private func moveTo(_ newFile: SystemFile, header newHeader: WALHeader) {
    file.close()
    file = newFile
    header = newHeader
    endOffset = UInt64(newHeader.size)
    lastChecksum = newHeader.checksum
    repairedTail = nil
  }

  /// Where the log ends: the next record goes there, with this LSN, chained to this CRC.
  public var tail: LogTail { LogTail(offset: endOffset, nextLSN: nextLSN, checksum: lastChecksum) }

  /// The device and inode of the log file this writer has open.
  package func fileIdentity() throws(SoftadastraError) -> FileIdentity { try file.identity() }

  /// Whether the log may have changed since this writer last looked (another process appended,
  /// or put another file at its path): one load of the shared change count when it has not moved
  /// (`ChangeWatch`), one `lstat` of the path otherwise; takes no lock.
  public func hasChanged() throws(SoftadastraError) -> Bool {
    try checkOpen()
    guard watch.mustLook() else { return false }
    let count = watch.count
    guard let knownStatus else { return true }
    let now = try look()
    let changed = now.replaced || now.status != knownStatus
    if !changed { watch.looked(atCount: count) }
    return changed
  }

  /// Closes the log and hands its writer lock (if held) to the caller: for reopening a log that
  /// another process replaced, without letting go of the lock in between.
  package func surrenderLock() -> WriterLock? {
    let held = lock
    lock = nil
    file.close()
    isClosed = true
    return held
  }

  /// Whether the file at `path` is no longer the one this writer has open (or is gone), or is
  /// shorter than what this writer wrote (a repair cuts in place only under the lock, and
  /// replaces the file); with the file's status when it is still there. One `lstat`.
  private func look() throws(SoftadastraError) -> (replaced: Bool, status: FileStatus?) {
    guard let status = try file.status(ifStillAt: path) else { return (true, nil) }
    return (status.size < endOffset, status)
  }

  /// Replaces the log with an empty one whose header is `newHeader` (its first LSN must be the
  /// next LSN), keeping the old log as a hard link at `archivePath`. Used after a snapshot has
  /// saved the state. Every step is durable, and a crash leaves either the old log at `path` or
  /// the new one.
  public func startNewLog(_ newHeader: WALHeader, archivingAs archivePath: String) throws(SoftadastraError) {
    try checkUsable()
    guard newHeader.firstLSN == nextLSN, newHeader.nodeID == header.nodeID else {
      throw SoftadastraError(
        .invalidArgument, "a new log must start at LSN \(nextLSN) for node \(header.nodeID)", path: path)
    }
    try flush()
    FileSystem.removeFile(archivePath)
    try FileSystem.link(path, to: archivePath)
    do throws(SoftadastraError) { try FileSystem.writeAtomically(newHeader.encoded(), to: path) } catch {
      // The new log may be in place, not yet durably (its directory's sync failed): this writer
      // goes on in it either way, never in the sealed one. When it is not, the seal did not happen.
      if FileSystem.identity(of: path) == (try? file.identity()) {
        FileSystem.removeFile(archivePath)
        throw error
      }
      try? adoptNewLog(newHeader)
      throw error
    }
    try adoptNewLog(newHeader)
  }

  /// Goes on in the new log a seal put at `path`.
  private func adoptNewLog(_ newHeader: WALHeader) throws(SoftadastraError) {
    do throws(SoftadastraError) { moveTo(try SystemFile.openForUpdate(path), header: newHeader) } catch {
      failure = error
      throw error
    }
    knownStatus = try? file.status()
    announceChanges()
  }

  deinit {
    if !isClosed { file.close() }
    lock?.release()
  }

  // MARK: - Opening

  private static func create(path: String, nodeID: String) throws(SoftadastraError) {
    let header = WALHeader(
      nodeID: nodeID, createdMilliseconds: Int64(HybridTimestamp.wallClockMilliseconds()), firstLSN: 1)
    try FileSystem.writeAtomically(header.encoded(), to: path)
  }

  /// Adopts the last record as the tail when it is valid and ends any batch; returns false to ask
  /// for a full scan.
  private func adoptValidTail(fileSize: UInt64) throws(SoftadastraError) -> Bool {
    if fileSize == endOffset { return true }
    guard fileSize >= endOffset + UInt64(WALFormat.recordOverhead) else { return false }
    var cursor = RecordCursor(file: file, fileSize: fileSize, capacity: 4096)
    let size = try cursor.withBytes(at: fileSize - 8, count: 4) { $0.loadLittleEndian(at: 0, as: UInt32.self) }
    guard size >= UInt32(WALFormat.recordOverhead), UInt64(size) <= fileSize - endOffset else { return false }
    let start = fileSize - UInt64(size)
    let seed = try cursor.seed(before: start)
    guard let frame = try cursor.read(at: start, seed: seed, materialize: false).frame,
      frame.size == Int(size), !frame.batch.continues, frame.lsn >= header.firstLSN
    else { return false }
    adoptTail(nextLSN: frame.nextLSN, checksum: frame.checksum, end: fileSize, timestamp: frame.timestamp)
    return true
  }

  private func adoptTail(nextLSN: UInt64, checksum: UInt32, end: UInt64, timestamp: HybridTimestamp) {
    self.nextLSN = nextLSN
    lastChecksum = checksum
    endOffset = end
    clock.observe(timestamp)
  }

  /// Cuts a torn tail off durably and records the cut in the log.
  private func cutTornTail(_ torn: TornTail) throws(SoftadastraError) {
    try file.truncate(to: torn.offset)
    endOffset = torn.offset
    let note = WALRecord(
      lsn: nextLSN, timestamp: clock.now(), body: .tailRepairNote(offset: torn.offset, bytes: torn.bytes))
    let bytes = RecordEncoder.encode(note, seed: lastChecksum)
    try file.write(bytes, at: endOffset)
    try file.syncData()
    lastChecksum = bytes.withUnsafeBytes { $0.loadLittleEndian(at: bytes.count - 4) }
    endOffset += UInt64(bytes.count)
    nextLSN += 1
    repairedTail = torn
  }

  /// Throws unless the writer may append: open, holding the lock, and without a failed write.
  package func checkUsable() throws(SoftadastraError) {
    if let failure {
      throw SoftadastraError(
        .io, "WAL \(path) had a failed write or sync (\(failure)); reopen it to continue", path: path)
    }
    try checkOpen()
    guard isLocked else {
      throw SoftadastraError(
        .notOpen, "WAL \(path) is not locked for writing: take the lock with relock(timeout:) first", path: path)
    }
  }

  private func checkOpen() throws(SoftadastraError) {
    guard !isClosed else { throw SoftadastraError(.notOpen, "WAL \(path) is closed", path: path) }
  }
}
