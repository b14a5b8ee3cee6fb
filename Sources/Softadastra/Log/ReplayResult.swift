#if canImport(Glibc)
  import Glibc
#endif

/// The state a replay rebuilt, and what it met on the way.
public struct ReplayResult {
  public var header: WALHeader
  /// The state: the snapshot the log continues under its changes, which go to a temporary file
  /// past 64 MiB (`NodeState`): read it with `forEach`.
  package var state: NodeState
  /// Records applied (operations and markers), and the last one's LSN and time.
  public var recordsApplied = 0
  public var lastLSN: UInt64?
  public var lastTimestamp: HybridTimestamp?
  /// Damage met: the torn tail, the first damage (point in time) or every region (salvage).
  public var damage: [DamagedRegion] = []
  /// The replay stopped at damage that valid records follow: the result is not the whole history.
  public var stoppedBeforeValidRecords = false
  /// The replay stopped at the target before the end of the log.
  public var reachedTarget = false
  /// The snapshot the replay started from, for a log that continues one.
  public var baseSnapshot: SnapshotInfo?

  init(header: WALHeader) {
    self.header = header
    state = NodeState(snapshot: nil, spillingTo: Self.spillPath())
  }

  /// A new temporary file for the changes that outgrow memory (made only if they do).
  private static func spillPath() -> String {
    "\(FileSystem.temporaryDirectory)/.softadastra-replay-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).spill"
  }

  /// The number of keys with a value (a pass over the state when its changes spilled).
  package func keyCount() throws(SoftadastraError) -> Int {
    var count = 0
    try state.forEach { _, _ in
      count += 1
      return true
    }
    return count
  }

  /// Applies the records `next` gives, up to `end` (a first read of the same records found it):
  /// what the replay's target holds, whole batches only.
  ///
  /// - Throws: `corrupt` when the records are not the ones the first read found (the log was
  ///   replaced or cut meanwhile).
  mutating func apply(through end: ReplayEnd, path: String, _ next: () throws(SoftadastraError) -> ScannedRecord?)
    throws(SoftadastraError)
  {
    var applied = 0
    var lastChecksum: UInt32?
    while applied < end.records, let scanned = try next() {
      try state.applySpilling(scanned.record)
      applied += 1
      lastChecksum = scanned.checksum
    }
    guard applied == end.records, lastChecksum == end.lastChecksum else {
      throw SoftadastraError(
        .corrupt, "\(path) changed while it was replayed (replaced or cut): replay it again", path: path)
    }
    recordsApplied = end.records
    (lastLSN, lastTimestamp, reachedTarget) = (end.lastLSN, end.lastTimestamp, end.reachedTarget)
  }

  /// Starts from the snapshot a log continues, when its header says it continues one; while a
  /// checkpoint has not published that snapshot yet, from the older snapshot and the archived
  /// WALs that lead up to the log (`baseSnapshot` is then the older one, or nil).
  mutating func loadBase(forLogAt path: String, target: ReplayTarget) throws(SoftadastraError) {
    guard header.continuesSnapshot else { return }
    let startLSN = header.firstLSN - 1
    let base: NodeState
    let lastTimestamp: HybridTimestamp
    do throws(SoftadastraError) {
      let snapshot = try NodeRecovery.snapshot(continuedBy: path, header: header)
      (base, lastTimestamp) = (
        NodeState(snapshot: snapshot, spillingTo: Self.spillPath()), snapshot.header.lastTimestamp
      )
    } catch {
      guard FileSystem.exists(path), !FileSystem.exists(NodeFiles(walPath: path).snapshotPath(lsn: startLSN)),
        let node = try NodeRecovery.stateBeforeUnpublishedSnapshot(of: path, header: header)
      else { throw error }
      (base, lastTimestamp) = (node.state, node.lastTimestamp)
    }
    if let lsn = target.lsn, target.exclusive ? lsn <= startLSN : lsn < startLSN {
      throw SoftadastraError(
        .invalidArgument,
        "\(path) starts after snapshot LSN \(startLSN)", remedy: .restoreEarlierStateFromBackup(byTime: false))
    }
    if let time = target.milliseconds, time < lastTimestamp.milliseconds {
      throw SoftadastraError(
        .invalidArgument,
        "\(path) starts after a snapshot taken at \(ISO8601.string(milliseconds: lastTimestamp.milliseconds))",
        remedy: .restoreEarlierStateFromBackup(byTime: true))
    }
    state = base
    baseSnapshot = base.snapshot.map(SnapshotInfo.init)
  }
}

extension ReplayResult {
  /// Writes a new, compacted WAL holding this state: one atomic batch of puts in key order,
  /// each keeping its origin (node, LSN and time of the write it comes from). Its first LSN
  /// follows the replayed history, so no LSN is reused. It is written 4 MiB at a time into a
  /// temporary file beside `path`, synced, then renamed into place (the directory synced).
  ///
  /// - Throws: `cannotCreate` when `path` exists (it is never overwritten); file errors.
  public func writeCompactedWAL(to path: String) throws(SoftadastraError) {
    guard !FileSystem.exists(path) else {
      throw SoftadastraError(
        .cannotCreate, "\(path) already exists; choose a new file for the compacted WAL", path: path)
    }
    let firstLSN = (lastLSN ?? header.firstLSN &- 1) &+ 1
    let compacted = WALHeader(
      nodeID: header.nodeID, createdMilliseconds: Int64(HybridTimestamp.wallClockMilliseconds()), firstLSN: firstLSN)
    let temporary = path + ".new"
    FileSystem.removeFile(temporary)
    let file = try SystemFile.createExclusive(temporary)
    do throws(SoftadastraError) {
      var bytes = compacted.encoded()
      var offset: UInt64 = 0
      var seed = compacted.checksum
      var clock = HybridClock(last: lastTimestamp ?? HybridTimestamp(rawValue: 0))
      var lsn = firstLSN
      // One entry is held back until the next shows whether it closes the batch.
      var held: (key: [UInt8], entry: LocalStore.Entry)?
      func encode(_ key: [UInt8], _ entry: LocalStore.Entry, closing: Bool) throws(SoftadastraError) {
        let origin = entry.origin ?? Origin(nodeID: header.nodeID, lsn: entry.lsn, timestamp: entry.timestamp)
        let position: WALRecord.BatchPosition =
          lsn == firstLSN ? (closing ? .single : .first) : (closing ? .last : .middle)
        let record = WALRecord(
          lsn: lsn, timestamp: clock.now(), batch: position,
          body: .operation(.put(key: key, value: entry.value), origin: origin))
        seed = RecordEncoder.append(record, seed: seed, to: &bytes)
        lsn += 1
        if bytes.count >= 4 << 20 {
          try file.write(bytes, at: offset)
          offset += UInt64(bytes.count)
          bytes.removeAll(keepingCapacity: true)
        }
      }
      try state.forEach { (key, entry) throws(SoftadastraError) -> Bool in
        if let previous = held { try encode(previous.key, previous.entry, closing: false) }
        held = (key, entry)
        return true
      }
      if let last = held { try encode(last.key, last.entry, closing: true) }
      try file.write(bytes, at: offset)
      try file.sync()
      file.close()
      try FileSystem.renameDurably(temporary, to: path)
    } catch {
      file.close()
      FileSystem.removeFile(temporary)
      throw error
    }
  }
}
