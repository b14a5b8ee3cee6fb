/// A place in a native log after a complete record (or after the header): where the next record
/// starts, the LSN it must carry and the CRC it is chained to. Reading can resume there.
public struct LogTail: Sendable, Equatable {
  public var offset: UInt64
  public var nextLSN: UInt64
  public var checksum: UInt32

  public init(offset: UInt64, nextLSN: UInt64, checksum: UInt32) {
    self.offset = offset
    self.nextLSN = nextLSN
    self.checksum = checksum
  }
}
