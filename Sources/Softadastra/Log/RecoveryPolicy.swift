/// How a replay treats damage.
public enum RecoveryPolicy: String, Sendable, CaseIterable {
  /// Any damage, a torn tail included, fails the replay.
  case strict
  /// A torn tail is ignored (it is not data); damage in the middle fails the replay.
  case tolerateTail = "tolerate-tail"
  /// Replay up to the first damage and stop there; the result says whether valid records follow.
  case pointInTime = "point-in-time"
  /// Skip damaged regions (and batches they broke) and replay every intact record.
  case salvage
}
