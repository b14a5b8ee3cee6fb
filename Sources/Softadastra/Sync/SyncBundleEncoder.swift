@_spi(Storage) import SoftadastraWAL

/// Where a bundle's bytes go as they are made: a file, a pipe, a socket, memory.
public protocol SyncBundleSink {
  /// Takes the next bytes of the bundle.
  func write(_ bytes: [UInt8]) throws(SoftadastraError)
  /// The bundle is whole: make it durable or deliver it. A bundle is recorded as sent only once
  /// this returns.
  func finish() throws(SoftadastraError)
}

extension SyncBundleSink {
  public func finish() throws(SoftadastraError) {}
}

/// Writes a bundle (format version 2, docs/sync-format.md) to a sink as its operations come:
/// the header, then chunks of about `SyncBundle.chunkTargetBytes` of operations compressed on their own,
/// then the end and the trailer. Memory holds one chunk, whatever the bundle's size.
package struct SyncBundleEncoder<Sink: SyncBundleSink> {
  private let sink: Sink
  private let level: Int
  private var raw: [UInt8] = []
  private var chunkCount: UInt32 = 0
  private var checksum: UInt32 = 0
  private(set) var operationCount: UInt64 = 0

  /// Writes `header` to `sink`.
  package init(header: SyncBundleHeader, level: Int = SyncBundle.defaultLevel, to sink: Sink)
    throws(SoftadastraError)
  {
    try Zlib.checkLevel(level)
    self.sink = sink
    self.level = level
    raw.reserveCapacity(SyncBundle.chunkTargetBytes + 4096)
    try emit(header.encoded())
  }

  /// Adds an operation (limits checked by its writer).
  package mutating func add(_ operation: SyncOperation) throws(SoftadastraError) {
    operation.append(to: &raw)
    chunkCount += 1
    operationCount += 1
    if raw.count >= SyncBundle.chunkTargetBytes { try writeChunk() }
  }

  /// Writes the last chunk, the end and the trailer; the sink is not finished.
  package mutating func finish() throws(SoftadastraError) {
    if !raw.isEmpty { try writeChunk() }
    var end: [UInt8] = []
    end.appendLittleEndian(UInt32(0))
    end.appendLittleEndian(operationCount)
    end.append(contentsOf: SyncBundle.endMarker)
    try emit(end)
    var crc: [UInt8] = []
    crc.appendLittleEndian(checksum)
    try sink.write(crc)
  }

  private mutating func writeChunk() throws(SoftadastraError) {
    let stored = try raw.withUnsafeBytes { buffer in
      Result { () throws(SoftadastraError) in try Zlib.compress(buffer, level: level) }
    }.get()
    var chunk: [UInt8] = []
    chunk.reserveCapacity(SyncBundle.chunkHeaderSize + stored.count)
    chunk.appendLittleEndian(UInt32(stored.count))
    chunk.appendLittleEndian(UInt32(raw.count))
    chunk.appendLittleEndian(chunkCount)
    chunk.appendLittleEndian(CRC32C.extend(CRC32C.checksum(chunk), stored))
    chunk.append(contentsOf: stored)
    try emit(chunk)
    raw.removeAll(keepingCapacity: true)
    chunkCount = 0
  }

  private mutating func emit(_ bytes: [UInt8]) throws(SoftadastraError) {
    checksum = CRC32C.extend(checksum, bytes)
    try sink.write(bytes)
  }
}

/// A sink that keeps the bytes in memory.
package final class MemorySink: SyncBundleSink {
  package private(set) var bytes: [UInt8] = []
  package init() {}
  package func write(_ bytes: [UInt8]) throws(SoftadastraError) { self.bytes.append(contentsOf: bytes) }
}
