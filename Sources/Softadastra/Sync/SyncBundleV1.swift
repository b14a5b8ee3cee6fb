@_spi(Storage) import SoftadastraWAL

/// Bundles of format version 1 (docs/sync-format.md), which softadastra wrote before version 2:
/// still read, never written. A version 1 bundle puts its sizes in its header and one zlib stream
/// of every operation in its body, so it is read, inflated and checked whole, in memory.
enum SyncBundleV1 {
  /// Bytes a reader needs to know a version 1 bundle's whole size: magic, version, flags,
  /// header size, stored body size.
  static let prefixSize = 24
  static let fixedHeaderSize = 96
  static let trailerSize = 12
  /// The largest body, stored or decompressed (4 GiB − 1).
  static let maxBodyBytes: UInt64 = (1 << 32) - 1

  /// The whole size of the version 1 bundle whose first `prefixSize` bytes these are.
  ///
  /// - Throws: `malformedInput` when its sizes are impossible.
  static func totalSize(prefix: [UInt8], source: String) throws(SoftadastraError) -> UInt64 {
    let (headerSize, stored) = prefix.withUnsafeBytes { bytes in
      (bytes.loadLittleEndian(at: 12, as: UInt32.self), bytes.loadLittleEndian(at: 16, as: UInt64.self))
    }
    guard headerSize >= UInt32(fixedHeaderSize + 2 + 1 + 4), headerSize <= UInt32(fixedHeaderSize + 2 + 2 * 255 + 4)
    else {
      throw SyncBundle.problem(source, "its header sizes are impossible")
    }
    guard stored <= maxBodyBytes else {
      throw SyncBundle.problem(source, "its body of \(stored) bytes is over the limit of \(maxBodyBytes)")
    }
    return UInt64(headerSize) + stored + UInt64(trailerSize)
  }

  /// Decodes and checks a whole version 1 bundle (`bytes` is exactly its size): header CRC,
  /// trailer CRC, exact decompressed size, every operation's layout and limits.
  static func decode(_ bytes: [UInt8], source: String) throws(SoftadastraError) -> SyncBundle {
    try bytes.withUnsafeBytes { buffer in decode(buffer, source: source) }.get()
  }

  private static func decode(_ buffer: UnsafeRawBufferPointer, source: String) -> Result<SyncBundle, SoftadastraError> {
    Result { () throws(SoftadastraError) -> SyncBundle in
      func problem(_ reason: String) -> SoftadastraError { SyncBundle.problem(source, reason) }
      let headerSize = Int(buffer.loadLittleEndian(at: 12, as: UInt32.self))
      guard
        CRC32C.extend(0, UnsafeRawBufferPointer(rebasing: buffer[0..<headerSize - 4]))
          == buffer.loadLittleEndian(at: headerSize - 4, as: UInt32.self)
      else { throw problem("its header checksum does not match") }
      let trailer = buffer.count - trailerSize
      guard buffer[trailer..<trailer + 8].elementsEqual(SyncBundle.endMarker),
        CRC32C.extend(0, UnsafeRawBufferPointer(rebasing: buffer[0..<buffer.count - 4]))
          == buffer.loadLittleEndian(at: buffer.count - 4, as: UInt32.self)
      else { throw problem("its checksum does not match (damaged or cut short)") }
      let flags: UInt16 = buffer.loadLittleEndian(at: 10)
      let stored = Int(buffer.loadLittleEndian(at: 16, as: UInt64.self))
      let rawSize: UInt64 = buffer.loadLittleEndian(at: 24)
      let count: UInt64 = buffer.loadLittleEndian(at: 32)
      guard flags & ~SyncBundle.fullStateFlag == 0 else {
        throw problem("it has flags this version does not know (\(flags))")
      }
      var header = FieldReader(buffer, from: fixedHeaderSize, to: headerSize - 4)
      guard let sender = SyncBundleHeader.readNodeID(&header),
        let recipient = SyncBundleHeader.readNodeID(&header, allowingEmpty: true),
        header.remaining == 0,
        !recipient.isEmpty || count == 0
      else { throw problem("its sender or recipient node id is not valid") }
      // zlib expands at most about 1032 times; a larger claim is damage, not an allocation.
      guard rawSize <= UInt64(stored) * 1032 + 64, rawSize <= maxBodyBytes else {
        throw problem("its operations' size (\(rawSize) bytes) is impossible or over the limit of \(maxBodyBytes)")
      }
      guard
        let raw = try Zlib.decompress(
          UnsafeRawBufferPointer(rebasing: buffer[headerSize..<headerSize + stored]), size: Int(rawSize))
      else { throw problem("its operations do not decompress to their recorded size") }
      let (operations, complete) = raw.withUnsafeBytes { rawBuffer in
        var reader = FieldReader(rawBuffer, from: 0, to: rawBuffer.count)
        var operations: [SyncOperation] = []
        operations.reserveCapacity(Int(min(count, 1 << 20)))
        var origins = SyncOperation.OriginNames()
        while reader.remaining > 0 {
          guard let operation = SyncOperation.read(&reader, origins: &origins) else { return (operations, false) }
          operations.append(operation)
        }
        return (operations, true)
      }
      guard complete else { throw problem("operation \(operations.count + 1) does not decode") }
      guard UInt64(operations.count) == count else {
        throw problem("it holds \(operations.count) operations, its header says \(count)")
      }
      // Every LSN a bundle names is one of a log's: 0 to 2^63 - 1.
      let fromLSN: UInt64 = buffer.loadLittleEndian(at: 48)
      let end = position(buffer, at: 56)
      let acknowledgement = position(buffer, at: 76)
      let outOfRange =
        [fromLSN, end.lsn, acknowledgement.lsn].first { $0 > WALFormat.maxLSN }
        ?? operations.first { $0.origin.lsn > WALFormat.maxLSN }?.origin.lsn
      if let outOfRange {
        throw problem("it names LSN \(outOfRange), above the highest a log can hold (\(WALFormat.maxLSN))")
      }
      let bundleHeader = SyncBundleHeader(
        sender: sender, recipient: recipient, created: HybridTimestamp(rawValue: buffer.loadLittleEndian(at: 40)),
        isFullState: flags & SyncBundle.fullStateFlag != 0, fromLSN: fromLSN, end: end,
        acknowledgement: acknowledgement)
      return SyncBundle(header: bundleHeader, operations: operations)
    }
  }

  private static func position(_ buffer: UnsafeRawBufferPointer, at offset: Int) -> LogPosition {
    LogPosition(
      lsn: buffer.loadLittleEndian(at: offset), checksum: buffer.loadLittleEndian(at: offset + 8),
      localOperations: buffer.loadLittleEndian(at: offset + 12))
  }
}
