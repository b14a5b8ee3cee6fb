import SoftadastraWAL

/// Why a snapshot cannot be used, and where.
public struct SnapshotProblem: Error, Sendable, Equatable, CustomStringConvertible {
  public var offset: UInt64
  public var reason: String
  public var description: String { "at offset \(offset): \(reason)" }

  static func at(_ offset: UInt64, _ reason: String) -> SnapshotProblem {
    SnapshotProblem(offset: offset, reason: reason)
  }
}
