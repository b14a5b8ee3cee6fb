import SoftadastraWAL

/// A snapshot as `status` reports it.
public struct SnapshotInfo: Sendable, Equatable {
  public var path: String
  public var lsn: UInt64
  /// For a delta snapshot, the LSN of the whole snapshot it is read over; nil for a whole one.
  public var baseLSN: UInt64?
  /// The keys with a value this file holds (a delta's: those changed since its base).
  public var keys: UInt64
  /// The file's size, and the entries' size before compression.
  public var bytes: UInt64
  public var rawBytes: UInt64
  public var createdMilliseconds: Int64

  package init(_ reader: SnapshotReader) {
    path = reader.path
    lsn = reader.header.lsn
    baseLSN = reader.header.base?.lsn
    keys = reader.valueCount
    bytes = reader.fileSize
    rawBytes = reader.rawBytes
    createdMilliseconds = reader.header.createdMilliseconds
  }
}

extension SnapshotInfo {
  /// The newest file of `stack`.
  package init(_ stack: SnapshotStack) { self.init(stack.top) }
}
