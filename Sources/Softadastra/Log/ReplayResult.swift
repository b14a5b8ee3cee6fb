/// The state a replay rebuilt, and what it met on the way.
public struct ReplayResult: Sendable {
  public var header: WALHeader
  package var store = LocalStore()
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
      (base, lastTimestamp) = (NodeState(snapshot: snapshot), snapshot.header.lastTimestamp)
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
    try base.forEach { (key, entry) throws(SoftadastraError) -> Bool in
      store.set(key, entry)
      return true
    }
    baseSnapshot = base.snapshot.map(SnapshotInfo.init)
  }
}

extension ReplayResult {
  /// Writes a new, compacted WAL holding this state: one atomic batch of puts in key order,
  /// each keeping its origin (node, LSN and time of the write it comes from). Its first LSN
  /// follows the replayed history, so no LSN is reused.
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
    var bytes = compacted.encoded()
    var seed = compacted.checksum
    var clock = HybridClock(last: lastTimestamp ?? HybridTimestamp(rawValue: 0))
    let entries = store.sorted()
    for (index, (key, entry)) in entries.enumerated() {
      let origin = entry.origin ?? Origin(nodeID: header.nodeID, lsn: entry.lsn, timestamp: entry.timestamp)
      let record = WALRecord(
        lsn: firstLSN + UInt64(index), timestamp: clock.now(), batch: .of(index, in: entries.count),
        body: .operation(.put(key: key, value: entry.value), origin: origin))
      seed = RecordEncoder.append(record, seed: seed, to: &bytes)
    }
    try FileSystem.writeAtomically(bytes, to: path)
  }
}
