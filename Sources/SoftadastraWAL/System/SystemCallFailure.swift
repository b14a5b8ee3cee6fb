/// The failure detail of a system call that failed: its `errno` (ENOSPC, EIO, EACCES…).
public struct SystemCallFailure: FailureDetail, Equatable {
  public var errno: Int32
}
