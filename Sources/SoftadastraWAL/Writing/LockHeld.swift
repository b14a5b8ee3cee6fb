/// The failure detail of a writer lock that stayed held past the wait: which lock file.
public struct LockHeld: FailureDetail, Equatable {
  public var lockPath: String
}
