/// Counts over a log's records: what `wal-dump --stats` prints.
public struct WALStatistics: Sendable {
  /// Records and bytes of one kind.
  public struct Tally: Sendable, Equatable {
    public var records = 0
    public var bytes: UInt64 = 0
  }

  public var puts = Tally()
  public var deletes = Tally()
  /// Tail-repair notes, lost ranges and skippable records.
  public var other = Tally()
  public var firstLSN: UInt64?
  public var lastLSN: UInt64?
  public var firstTime: UInt64?
  public var lastTime: UInt64?
  /// Keys that the log ever wrote, and keys with a value at the end.
  public var distinctKeys: Int { lastWrite.count }
  public var liveKeys: Int { lastWrite.values.filter(\.isPut).count }
  /// Bytes of records a compaction would drop: overwritten and deleted puts, and deletes.
  public var reclaimableBytes: UInt64 = 0

  private var lastWrite: [[UInt8]: (isPut: Bool, bytes: UInt64)] = [:]

  public init() {}

  public mutating func add(_ scanned: ScannedRecord) {
    let record = scanned.record
    let size = UInt64(scanned.size)
    if firstLSN == nil { firstLSN = record.lsn }
    lastLSN = record.lsn
    let time = record.timestamp.milliseconds
    firstTime = min(firstTime ?? time, time)
    lastTime = max(lastTime ?? time, time)
    guard case .operation(let operation, _) = record.body else {
      other.records += 1
      other.bytes += size
      return
    }
    if let previous = lastWrite[operation.key], previous.isPut { reclaimableBytes += previous.bytes }
    switch operation {
    case .put(let key, _):
      puts.records += 1
      puts.bytes += size
      lastWrite[key] = (true, size)
    case .delete(let key):
      deletes.records += 1
      deletes.bytes += size
      reclaimableBytes += size
      lastWrite[key] = (false, size)
    }
  }
}
