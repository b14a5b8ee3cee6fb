/// The failure detail of a damaged log: corruption before its tail (valid records may follow),
/// or a torn tail that a strict reading refuses.
public enum LogDamage: FailureDetail, Equatable {
  case corrupt(Corruption)
  case tornTail(TornTail)
}
