/// What a replay of a WAL found: its extent, its records and the state of its tail.
public struct WALSummary: Sendable, Equatable {
  /// A torn tail that a writer cut off, as recorded in the log.
  public struct TailRepair: Sendable, Equatable {
    public var offset: UInt64
    public var bytes: UInt64
    public var timestamp: HybridTimestamp
  }

  public var path: String
  public var header: WALHeader
  /// Bytes in the file when it was read.
  public var fileSize: UInt64
  /// Complete records replayed.
  public var records: Int
  /// LSNs of the first and last complete records, nil when there are none.
  public var firstLSN: UInt64?
  public var lastLSN: UInt64?
  /// Operations written by this node (not received from peers).
  public var localOperations: Int
  /// A torn tail present when the log was read; a writer cuts it off, a reader ignores it.
  public var tornTail: TornTail?
  /// The latest tail cut recorded in the log (by this open or an earlier one).
  public var lastTailRepair: TailRepair?
  /// LSNs a salvage repair dropped with damaged bytes, as its lost-range records say: how many
  /// in all, and the last range.
  public var lostLSNs: UInt64 = 0
  public var lastLostRange: LostRange?

  /// LSNs a salvage repair dropped with the damaged bytes they were in.
  public struct LostRange: Sendable, Equatable {
    public var firstLSN: UInt64
    public var count: UInt64
    /// Where the damage was in the file that was repaired, and how many bytes.
    public var offset: UInt64
    public var bytes: UInt64
    public var timestamp: HybridTimestamp
  }

  init(path: String, header: WALHeader, fileSize: UInt64) {
    self.path = path
    self.header = header
    self.fileSize = fileSize
    self.records = 0
    self.localOperations = 0
  }

  /// Accounts for records this process appended after the replay.
  mutating func noteAppended(_ appended: [WALRecord], fileSize: UInt64) {
    guard let first = appended.first, let last = appended.last else { return }
    records += appended.count
    localOperations += appended.count
    if firstLSN == nil { firstLSN = first.lsn }
    lastLSN = last.lsn
    self.fileSize = fileSize
  }

  mutating func count(_ scanned: ScannedRecord) {
    records += 1
    if firstLSN == nil { firstLSN = scanned.record.lsn }
    lastLSN = scanned.record.lsn
    switch scanned.record.body {
    case .operation(_, origin: nil): localOperations += 1
    case .tailRepairNote(let offset, let bytes):
      lastTailRepair = TailRepair(offset: offset, bytes: bytes, timestamp: scanned.record.timestamp)
    case .lostRange(let count, let offset, let bytes):
      lostLSNs += count
      lastLostRange = LostRange(
        firstLSN: scanned.record.lsn, count: count, offset: offset, bytes: bytes, timestamp: scanned.record.timestamp)
    case .operation, .syncTable, .skipped, .unread: break
    }
  }
}
