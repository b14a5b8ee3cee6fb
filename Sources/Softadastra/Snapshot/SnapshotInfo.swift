import SoftadastraWAL

/// A snapshot as `status` reports it.
public struct SnapshotInfo: Sendable, Equatable {
  public var path: String
  public var lsn: UInt64
  public var keys: UInt64
  /// The file's size, and the entries' size before compression.
  public var bytes: UInt64
  public var rawBytes: UInt64
  public var createdMilliseconds: Int64

  package init(_ reader: SnapshotReader) {
    path = reader.path
    lsn = reader.header.lsn
    keys = reader.valueCount
    bytes = reader.fileSize
    rawBytes = reader.rawBytes
    createdMilliseconds = reader.header.createdMilliseconds
  }
}
