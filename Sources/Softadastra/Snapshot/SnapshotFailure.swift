import SoftadastraWAL

/// The failure detail of a snapshot that fails its checks or cannot be read: recovery sets it
/// aside and falls back to an older snapshot or the full WAL.
public struct SnapshotFailure: FailureDetail {
  public var path: String
  /// Where in the file, when the damage has a place.
  public var offset: UInt64?
  /// What failed underneath (a system call's errno), when something did.
  public var cause: (any FailureDetail)?
}

extension SoftadastraError {
  /// The snapshot this error is about, when it is about one.
  public var failedSnapshot: SnapshotFailure? { detail(as: SnapshotFailure.self) }

  /// This error as a failure of the snapshot at `path` (the reason kept as its cause).
  func asFailure(ofSnapshot path: String) -> SoftadastraError {
    guard failedSnapshot == nil else { return self }
    var error = self
    error.detail = SnapshotFailure(path: path, offset: offset, cause: detail)
    return error
  }
}
