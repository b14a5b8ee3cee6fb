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
