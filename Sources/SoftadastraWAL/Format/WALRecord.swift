/// One decoded WAL record.
public struct WALRecord: Sendable, Hashable {
  /// What a record carries.
  public enum Body: Sendable, Hashable {
    /// A store operation; `origin` is nil when this node wrote it.
    case operation(StoreOperation, origin: Origin?)
    /// A torn tail of `bytes` bytes at `offset` was cut off when a writer opened the log.
    case tailRepairNote(offset: UInt64, bytes: UInt64)
    /// `count` LSNs from this record's own were lost to `bytes` damaged bytes at `offset` of the
    /// original file and dropped by a salvage repair.
    case lostRange(count: UInt64, offset: UInt64, bytes: UInt64)
    /// The node's sync table (what each peer has sent and acknowledged), encoded by the
    /// `Softadastra` module; the last one in the log is the current one.
    case syncTable(payload: [UInt8])
    /// A record type this version does not know but may skip.
    case skipped(type: UInt8, payload: [UInt8])
    /// A valid record of `type` whose payload was checked but not copied (a scan that does not
    /// materialize records, as verification does). It cannot be written again.
    case unread(type: UInt8)
  }

  /// Where a record sits in an atomic batch.
  public enum BatchPosition: Sendable, Hashable {
    /// Not part of a multi-record batch (a batch of one).
    case single
    case first
    case middle
    case last

    init(flags: UInt8) {
      switch (flags & RecordFlags.batchContinues != 0, flags & RecordFlags.batchContinuation != 0) {
      case (false, false): self = .single
      case (true, false): self = .first
      case (true, true): self = .middle
      case (false, true): self = .last
      }
    }

    var flags: UInt8 {
      switch self {
      case .single: 0
      case .first: RecordFlags.batchContinues
      case .middle: RecordFlags.batchContinues | RecordFlags.batchContinuation
      case .last: RecordFlags.batchContinuation
      }
    }

    /// `single`, `first`, `middle` or `last`, as the JSON output and the dump print it.
    public var name: String {
      switch self {
      case .single: "single"
      case .first: "first"
      case .middle: "middle"
      case .last: "last"
      }
    }

    /// More records of the batch follow this one.
    public var continues: Bool { self == .first || self == .middle }
    /// An earlier record started the batch.
    public var isContinuation: Bool { self == .middle || self == .last }

    /// The position of record `index` of a batch of `count`.
    public static func of(_ index: Int, in count: Int) -> BatchPosition {
      count == 1 ? .single : index == 0 ? .first : index == count - 1 ? .last : .middle
    }
  }

  /// The log sequence number: one more than the previous record's.
  public var lsn: UInt64
  /// The writing node's clock when the record was appended; its milliseconds are the record's time.
  public var timestamp: HybridTimestamp
  public var batch: BatchPosition
  public var body: Body

  public init(lsn: UInt64, timestamp: HybridTimestamp, batch: BatchPosition = .single, body: Body) {
    self.lsn = lsn
    self.timestamp = timestamp
    self.batch = batch
    self.body = body
  }

  /// The LSN the record after this one carries.
  public var nextLSN: UInt64 {
    if case .lostRange(let count, _, _) = body { return lsn &+ count }
    return lsn &+ 1
  }

  public var type: UInt8 {
    switch body {
    case .operation(.put, _): RecordType.put
    case .operation(.delete, _): RecordType.delete
    case .tailRepairNote: RecordType.tailRepairNote
    case .lostRange: RecordType.lostRange
    case .syncTable: RecordType.syncTable
    case .skipped(let type, _), .unread(let type): type
    }
  }
}
