/// Which records `wal-dump` shows.
public struct RecordFilter: Sendable, Equatable {
  public var fromLSN: UInt64?
  public var toLSN: UInt64?
  /// Only puts or only deletes (other records never match an operation filter).
  public var operation: OperationKind?
  public var key: [UInt8]?
  public var prefix: [UInt8]?
  /// Times in milliseconds since the Unix epoch, inclusive.
  public var since: UInt64?
  public var until: UInt64?

  public enum OperationKind: String, Sendable, CaseIterable {
    case put, delete
  }

  public init() {}

  /// Whether `record` passes every condition.
  public func matches(_ record: WALRecord) -> Bool {
    if let fromLSN, record.lsn < fromLSN { return false }
    if let toLSN, record.lsn > toLSN { return false }
    let time = record.timestamp.milliseconds
    if let since, time < since { return false }
    if let until, time > until { return false }
    guard operation != nil || key != nil || prefix != nil else { return true }
    guard case .operation(let op, _) = record.body else { return false }
    switch (operation, op) {
    case (.put, .delete), (.delete, .put): return false
    default: break
    }
    if let key, op.key != key { return false }
    if let prefix, !op.key.starts(with: prefix) { return false }
    return true
  }
}
