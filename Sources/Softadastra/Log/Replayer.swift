/// How a replay treats damage.
public enum RecoveryPolicy: String, Sendable, CaseIterable {
  /// Any damage, a torn tail included, fails the replay.
  case strict
  /// A torn tail is ignored (it is not data); damage in the middle fails the replay.
  case tolerateTail = "tolerate-tail"
  /// Replay up to the first damage and stop there; the result says whether valid records follow.
  case pointInTime = "point-in-time"
  /// Skip damaged regions (and batches they broke) and replay every intact record.
  case salvage
}

/// Where a replay stops.
public struct ReplayTarget: Sendable, Equatable {
  /// Stop at this LSN.
  public var lsn: UInt64?
  /// Stop at this time, in milliseconds since the Unix epoch.
  public var milliseconds: UInt64?
  /// Stop before the target instead of at it.
  public var exclusive: Bool

  public init(lsn: UInt64? = nil, milliseconds: UInt64? = nil, exclusive: Bool = false) {
    self.lsn = lsn
    self.milliseconds = milliseconds
    self.exclusive = exclusive
  }

  /// Whether `record` is within the target.
  public func includes(_ record: WALRecord) -> Bool {
    if let lsn, exclusive ? record.lsn >= lsn : record.lsn > lsn { return false }
    if let milliseconds {
      let time = record.timestamp.milliseconds
      if exclusive ? time >= milliseconds : time > milliseconds { return false }
    }
    return true
  }
}

/// The state a replay rebuilt, and what it met on the way.
public struct ReplayResult: Sendable {
  public var header: WALHeader
  public var store = LocalStore()
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

  /// Starts from the snapshot a log continues, when its header says it continues one.
  mutating func loadBase(forLogAt path: String, target: ReplayTarget) throws(SoftadastraError) {
    guard header.continuesSnapshot else { return }
    let snapshot = try NodeRecovery.snapshot(continuedBy: path, header: header)
    let start = snapshot.header
    if let lsn = target.lsn, target.exclusive ? lsn <= start.lsn : lsn < start.lsn {
      throw SoftadastraError(
        .invalidArgument,
        "\(path) starts after snapshot LSN \(start.lsn); earlier states are in backups (softadastra restore --to-lsn)")
    }
    if let time = target.milliseconds, time < start.lastTimestamp.milliseconds {
      throw SoftadastraError(
        .invalidArgument,
        "\(path) starts after a snapshot taken at \(ISO8601.string(milliseconds: start.lastTimestamp.milliseconds)); earlier states are in backups (softadastra restore --to-time)"
      )
    }
    try snapshot.forEach { (key, entry) throws(SoftadastraError) -> Bool in
      store.set(key, entry)
      return true
    }
    baseSnapshot = SnapshotInfo(snapshot)
  }
}

/// Rebuilds the store from a WAL, up to a point in time, under a recovery policy.
public enum Replayer {
  /// Replays the log at `path`.
  ///
  /// Batches stay atomic: a batch is applied whole when its last record is within the target,
  /// and not at all otherwise.
  /// - Throws: `corrupt` for damage the policy does not accept; `notFound`; I/O errors.
  /// - Parameter format: the log's format; nil to recognise it by its first bytes.
  public static func replay(
    path: String, policy: RecoveryPolicy, target: ReplayTarget = ReplayTarget(), format: LogFormat? = nil
  ) throws(SoftadastraError) -> ReplayResult {
    var pending: [WALRecord] = []
    if policy == .salvage {
      let plan = try Salvage.plan(path: path, format: format)
      var result = ReplayResult(header: plan.header ?? runtimeHeader)
      try result.loadBase(forLogAt: path, target: target)
      result.damage = plan.dropped
      for scanned in plan.kept where !result.reachedTarget {
        apply(scanned.record, to: &result, pending: &pending, target: target)
      }
      return result
    }
    var reader = try LogFormat.openReader(path: path, format: format)
    var result = ReplayResult(header: reader.nativeHeader ?? runtimeHeader)
    try result.loadBase(forLogAt: path, target: target)
    while !result.reachedTarget, let scanned = try reader.next() {
      apply(scanned.record, to: &result, pending: &pending, target: target)
    }
    try finish(&result, ending: reader.ending, fileSize: reader.fileSize, policy: policy, path: path)
    return result
  }

  /// The header a replay of a log without one reports (a C++ runtime log): it names no node.
  static let runtimeHeader = WALHeader(nodeID: "cpp-runtime", createdMilliseconds: 0)

  /// Applies the policy to how the log ended.
  private static func finish(
    _ result: inout ReplayResult, ending: WALEnding?, fileSize: UInt64, policy: RecoveryPolicy, path: String
  ) throws(SoftadastraError) {
    switch (ending, policy) {
    case (.tornTail(let torn), .strict):
      throw SoftadastraError(
        .corrupt,
        "WAL \(path) has a torn tail of \(torn.bytes) bytes at offset \(torn.offset) (strict recovery accepts none)",
        path: path, offset: torn.offset, lsn: torn.lastGoodLSN &+ 1, detail: LogDamage.tornTail(torn))
    case (.tornTail(let torn), _):
      result.damage = [
        DamagedRegion(
          offset: torn.offset, bytes: torn.bytes, expectedLSN: torn.lastGoodLSN &+ 1, problem: torn.problem,
          isTail: true)
      ]
    case (.corrupt(let corruption), .pointInTime):
      result.damage = [
        DamagedRegion(
          offset: corruption.offset, bytes: (corruption.nextValidOffset ?? fileSize) - corruption.offset,
          expectedLSN: corruption.expectedLSN, problem: corruption.problem, isTail: false)
      ]
      result.stoppedBeforeValidRecords = true
    case (.corrupt(let corruption), _):
      throw SoftadastraError.damaged(path: path, corruption)
    default: break
    }
  }

  private static func apply(
    _ record: WALRecord, to result: inout ReplayResult, pending: inout [WALRecord], target: ReplayTarget
  ) {
    guard target.includes(record) else {
      result.reachedTarget = true
      return
    }
    pending.append(record)
    guard !record.batch.continues else { return }
    for member in pending {
      result.store.apply(member)
      result.recordsApplied += 1
    }
    result.lastLSN = record.lsn
    result.lastTimestamp = record.timestamp
    pending.removeAll(keepingCapacity: true)
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
