/// Rebuilds the store from a WAL, up to a point in time, under a recovery policy.
public enum Replayer {
  /// Replays the log at `path`.
  ///
  /// Batches stay atomic: a batch is applied whole when its last record is within the target,
  /// and not at all otherwise. The log is read twice: once to find where the last batch the
  /// target holds whole ends, once to apply every record up to there; so no batch is held in
  /// memory, and the state spills to a temporary file past 64 MiB of changes (`NodeState`).
  ///
  /// - Parameters:
  ///   - path: the log, of either format.
  ///   - policy: what damage to accept (a torn tail, a salvage) and what to refuse.
  ///   - target: the point in time to stop at (the log's end when empty).
  ///   - format: the log's format; nil to recognise it by its first bytes.
  /// - Throws: `corrupt` for damage the policy does not accept; `notFound`; I/O errors.
  public static func replay(
    path: String, policy: RecoveryPolicy, target: ReplayTarget = ReplayTarget(), format: LogFormat? = nil
  ) throws(SoftadastraError) -> ReplayResult {
    if policy == .salvage {
      let plan = try Salvage.plan(path: path, format: format)
      var result = ReplayResult(header: plan.header ?? runtimeHeader)
      try result.loadBase(forLogAt: path, target: target)
      result.damage = plan.dropped
      var kept = plan.kept.makeIterator()
      let end = try ReplayEnd.find(target) { () throws(SoftadastraError) in kept.next() }
      var again = plan.kept.makeIterator()
      try result.apply(through: end, path: path) { () throws(SoftadastraError) in again.next() }
      try checkReached(target, by: result, path: path)
      return result
    }
    // Both reads read the file open here, even when a checkpoint puts another log at its path.
    let file = try SystemFile.openForReading(path)
    var reader = try LogFormat.openReader(file: file, format: format)
    var result = ReplayResult(header: reader.nativeHeader ?? runtimeHeader)
    try result.loadBase(forLogAt: path, target: target)
    let end = try ReplayEnd.find(target) { () throws(SoftadastraError) in try reader.next() }
    try finish(&result, ending: reader.ending, fileSize: reader.fileSize, policy: policy, path: path)
    var again = try LogFormat.openReader(file: file, format: format)
    try result.apply(through: end, path: path) { () throws(SoftadastraError) in try again.next() }
    try checkReached(target, by: result, path: path)
    return result
  }

  /// Refuses a target LSN past the log's end: the state at the end is not the state asked for.
  private static func checkReached(_ target: ReplayTarget, by result: ReplayResult, path: String)
    throws(SoftadastraError)
  {
    guard let lsn = target.lsn, !result.reachedTarget, !result.stoppedBeforeValidRecords else { return }
    let last = result.lastLSN ?? (result.header.firstLSN &- 1)
    guard lsn > last &+ (target.exclusive ? 1 : 0) else { return }
    throw SoftadastraError(
      .invalidArgument,
      "LSN \(lsn) is past the end of \(path), whose last record is LSN \(last)", path: path, lsn: lsn,
      remedy: .chooseAnLSNTheLogHolds)
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
}

/// Where a replay to a target ends: after the last batch the target holds whole (its last
/// record's number in the log, LSN, time and CRC), and whether the target stopped it.
struct ReplayEnd {
  var records = 0
  var lastLSN: UInt64?
  var lastTimestamp: HybridTimestamp?
  var lastChecksum: UInt32?
  var reachedTarget = false

  /// Reads the records `next` gives up to the target or their end, applying none.
  static func find(_ target: ReplayTarget, _ next: () throws(SoftadastraError) -> ScannedRecord?)
    throws(SoftadastraError) -> ReplayEnd
  {
    var end = ReplayEnd()
    var seen = 0
    while let scanned = try next() {
      guard target.includes(scanned.record) else {
        end.reachedTarget = true
        break
      }
      seen += 1
      guard !scanned.record.batch.continues else { continue }
      end.records = seen
      (end.lastLSN, end.lastTimestamp, end.lastChecksum) =
        (scanned.record.lsn, scanned.record.timestamp, scanned.checksum)
    }
    return end
  }
}
