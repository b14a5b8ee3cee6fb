/// Where an operation was first written, for operations that arrived from another node.
public struct Origin: Sendable, Hashable {
  public var nodeID: String
  public var lsn: UInt64
  public var timestamp: HybridTimestamp

  public init(nodeID: String, lsn: UInt64, timestamp: HybridTimestamp) {
    self.nodeID = nodeID
    self.lsn = lsn
    self.timestamp = timestamp
  }
}

/// A change to the store.
public enum Operation: Sendable, Hashable {
  case put(key: [UInt8], value: [UInt8])
  case delete(key: [UInt8])

  public var key: [UInt8] {
    switch self {
    case .put(let key, _), .delete(let key): key
    }
  }

  /// Checks the key and value against the format's limits.
  ///
  /// - Throws: `invalidArgument` for an empty key, or a key or value over its limit.
  public func checkLimits() throws(SoftadastraError) {
    let key = self.key
    guard !key.isEmpty else { throw SoftadastraError(.invalidArgument, "keys must not be empty") }
    guard key.count <= WALFormat.maxKeyBytes else {
      throw SoftadastraError(.invalidArgument, "key of \(key.count) bytes is longer than the limit of \(WALFormat.maxKeyBytes) bytes")
    }
    if case .put(_, let value) = self, value.count > WALFormat.maxValueBytes {
      throw SoftadastraError(
        .invalidArgument, "value of \(value.count) bytes is larger than the limit of \(WALFormat.maxValueBytes) bytes")
    }
  }
}

/// One decoded WAL record.
public struct WALRecord: Sendable, Hashable {
  /// What a record carries.
  public enum Body: Sendable, Hashable {
    /// A store operation; `origin` is nil when this node wrote it.
    case operation(Operation, origin: Origin?)
    /// A torn tail of `bytes` bytes at `offset` was cut off when a writer opened the log.
    case tailRepairNote(offset: UInt64, bytes: UInt64)
    /// A record type this version does not know but may skip.
    case skipped(type: UInt8, payload: [UInt8])
  }

  /// The log sequence number: one more than the previous record's.
  public var lsn: UInt64
  /// The writing node's clock when the record was appended; its milliseconds are the record's time.
  public var timestamp: HybridTimestamp
  /// More records of the same atomic batch follow this one.
  public var batchContinues: Bool
  public var body: Body

  public init(lsn: UInt64, timestamp: HybridTimestamp, batchContinues: Bool = false, body: Body) {
    self.lsn = lsn
    self.timestamp = timestamp
    self.batchContinues = batchContinues
    self.body = body
  }

  public var type: UInt8 {
    switch body {
    case .operation(.put, _): RecordType.put
    case .operation(.delete, _): RecordType.delete
    case .tailRepairNote: RecordType.tailRepairNote
    case .skipped(let type, _): type
    }
  }
}
