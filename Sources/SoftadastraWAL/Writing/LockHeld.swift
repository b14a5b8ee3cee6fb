/// The failure detail of a writer lock that stayed held past the wait: which lock file.
public struct LockHeld: FailureDetail, Equatable {
  public var lockPath: String
  /// The process that held it when the wait gave up, as the holder recorded it (nil when
  /// unknown); `WriterLock.holder(walPath:)` gives its command line while it still holds it.
  public var holderPID: Int32?
}
