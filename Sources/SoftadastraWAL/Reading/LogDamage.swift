/// The failure detail of a damaged log: corruption before its tail (valid records may follow),
/// or a torn tail that a strict reading refuses.
public enum LogDamage: FailureDetail, Equatable {
  case corrupt(Corruption)
  case tornTail(TornTail)
}

extension SoftadastraError {
  /// The error for a log that is damaged before its tail: where, why, and what to run next.
  public static func damaged(path: String, _ corruption: Corruption) -> SoftadastraError {
    let after = corruption.nextValidOffset.map { " valid records follow at offset \($0)." } ?? ""
    return SoftadastraError(
      .corrupt,
      "WAL \(path) is damaged at offset \(corruption.offset) (LSN \(corruption.expectedLSN)): \(corruption.problem);\(after) Nothing was changed; inspect it with softadastra wal-verify \(path)",
      path: path, offset: corruption.offset, lsn: corruption.expectedLSN, detail: LogDamage.corrupt(corruption))
  }
}
