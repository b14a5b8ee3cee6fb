/// What a reader that follows a log needs to know of the logs checkpoints sealed before it, to
/// tell a checkpoint's next log from one a restore or a repair put in place: where a sealed log
/// is kept, and what proves that a log continues another whose file is gone.
public struct SealedLogs: Sendable {
  /// The path where a checkpoint keeps the sealed log whose first LSN is given.
  public var archivedPath: @Sendable (_ firstLSN: UInt64) -> String
  /// The header checksum of the log that follows the record with this LSN and this checksum,
  /// as a snapshot published at that LSN records it; nil when no such snapshot is kept.
  public var successorChecksum: @Sendable (_ lsn: UInt64, _ checksum: UInt32) -> UInt32?

  public init(
    archivedPath: @escaping @Sendable (_ firstLSN: UInt64) -> String,
    successorChecksum: @escaping @Sendable (_ lsn: UInt64, _ checksum: UInt32) -> UInt32? = { _, _ in nil }
  ) {
    self.archivedPath = archivedPath
    self.successorChecksum = successorChecksum
  }
}
