@_spi(Storage) import SoftadastraWAL

/// Reads a bundle from a stream of bytes, checking every byte before it is used: a version 2
/// bundle chunk by chunk (each chunk's CRC before it is inflated, every operation's layout and
/// limits, and at the end the count and the CRC of the whole), a version 1 bundle whole.
package struct SyncBundleDecoder {
  /// Up to `count` bytes; fewer only at the end of the input.
  package typealias Read = (_ count: Int) throws(SoftadastraError) -> [UInt8]

  /// What a bundle starts with.
  package enum Start {
    /// A version 1 bundle, read and checked whole.
    case whole(SyncBundle)
    /// A version 2 bundle's header: its chunks follow.
    case chunked(SyncBundleHeader)
  }

  private let read: Read
  /// The bundle's name in messages.
  package let source: String
  private var checksum: UInt32 = 0
  /// Bytes read so far.
  private(set) var offset: UInt64 = 0
  private var origins = SyncOperation.OriginNames()
  private var header: SyncBundleHeader?
  private var ended = false
  /// Operations read so far.
  private(set) var operationCount: UInt64 = 0
  /// The CRC of the whole bundle, once it is read to its end (version 2).
  private(set) var bundleChecksum: UInt32?

  package init(source: String, read: @escaping Read) {
    self.source = source
    self.read = read
  }

  /// Reads the start of the bundle; nil when the input ends before its first byte and
  /// `allowingNothing` is set.
  ///
  /// - Throws: `malformedInput` naming the source and what is wrong.
  package mutating func start(allowingNothing: Bool = false, allowingVersion1: Bool = true)
    throws(SoftadastraError) -> Start?
  {
    let prefix = try read(SyncBundleHeader.prefixSize)
    if prefix.isEmpty, allowingNothing { return nil }
    guard prefix.count == SyncBundleHeader.prefixSize else {
      throw problem("it is \(prefix.count) bytes long, too short for a sync bundle")
    }
    guard prefix.starts(with: SyncBundle.magic) else {
      throw problem("it does not start with the Softadastra sync bundle magic bytes")
    }
    offset = UInt64(prefix.count)
    let version = prefix.withUnsafeBytes { $0.loadLittleEndian(at: 8, as: UInt16.self) }
    switch version {
    case 1 where allowingVersion1:
      let size = try exactly(SyncBundleV1.prefixSize - prefix.count, "its header")
      let total = try SyncBundleV1.totalSize(prefix: prefix + size, source: source)
      let rest = try exactly(Int(total) - SyncBundleV1.prefixSize, "its body")
      ended = true
      return .whole(try SyncBundleV1.decode(prefix + size + rest, source: source))
    case SyncBundle.version:
      guard let headerSize = prefix.withUnsafeBytes({ SyncBundleHeader.size(prefix: $0) }) else {
        throw problem("its header sizes are impossible")
      }
      let bytes = prefix + (try exactly(headerSize - prefix.count, "its header"))
      checksum = CRC32C.checksum(bytes)
      let header = try SyncBundleHeader.decode(bytes).mapError { problem($0.reason) }.get()
      self.header = header
      return .chunked(header)
    case 1:
      throw problem(
        "it is sync bundle format version 1, which a live exchange does not take (upgrade softadastra on the other side)"
      )
    default:
      throw problem(
        "it is sync bundle format version \(version); this softadastra reads versions 1 and \(SyncBundle.version) (upgrade softadastra)"
      )
    }
  }

  /// The operations of the next chunk; nil after the last, once the end, the count and the
  /// bundle's CRC are checked.
  ///
  /// - Throws: `malformedInput` naming the source, the offset, and what is wrong.
  package mutating func nextChunk() throws(SoftadastraError) -> [SyncOperation]? {
    guard !ended, let header else { return nil }
    let chunkStart = offset
    let stored = try exactly(4, "a chunk").withUnsafeBytes { $0.loadLittleEndian(at: 0, as: UInt32.self) }
    guard stored > 0 else {
      try readTrailer(header)
      return nil
    }
    let sizes = try exactly(SyncBundle.chunkHeaderSize - 4, "a chunk")
    let (raw, count, expected) = sizes.withUnsafeBytes {
      (
        $0.loadLittleEndian(at: 0, as: UInt32.self), $0.loadLittleEndian(at: 4, as: UInt32.self),
        $0.loadLittleEndian(at: 8, as: UInt32.self)
      )
    }
    // Checked before anything is allocated: zlib expands at most about 1032 times.
    guard UInt64(stored) <= SyncBundle.maxChunkStoredBytes, raw > 0, UInt64(raw) <= SyncBundle.maxChunkRawBytes,
      UInt64(raw) <= UInt64(stored) * 1032 + 64, count > 0
    else { throw problem("the chunk at offset \(chunkStart) has impossible sizes") }
    let body = try exactly(Int(stored), "a chunk")
    var crc = withUnsafeBytes(of: stored.littleEndian) { CRC32C.extend(0, $0) }
    crc = CRC32C.extend(crc, sizes.prefix(8))
    guard CRC32C.extend(crc, body) == expected else {
      throw problem("the chunk at offset \(chunkStart) does not match its checksum")
    }
    guard
      let inflated = try body.withUnsafeBytes({ buffer in
        Result { () throws(SoftadastraError) in try Zlib.decompress(buffer, size: Int(raw), checksummed: true) }
      }).get()
    else { throw problem("the chunk at offset \(chunkStart) does not decompress to its recorded size") }
    var operations: [SyncOperation] = []
    operations.reserveCapacity(Int(min(count, 1 << 16)))
    let complete = inflated.withUnsafeBytes { buffer in
      var reader = FieldReader(buffer, from: 0, to: buffer.count)
      while reader.remaining > 0, operations.count < Int(count) {
        guard let operation = SyncOperation.read(&reader, origins: &origins) else { return false }
        operations.append(operation)
      }
      return reader.remaining == 0 && operations.count == Int(count)
    }
    guard complete else {
      throw problem(
        "operation \(operationCount + UInt64(operations.count) + 1) (in the chunk at offset \(chunkStart)) does not decode"
      )
    }
    if let late = operations.first(where: { $0.origin.lsn > WALFormat.maxLSN }) {
      throw problem("it names LSN \(late.origin.lsn), above the highest a log can hold (\(WALFormat.maxLSN))")
    }
    operationCount += UInt64(count)
    return operations
  }

  /// Checks that nothing follows the bundle (a file holds one).
  package mutating func checkNothingFollows() throws(SoftadastraError) {
    let more = try read(1)
    guard more.isEmpty else { throw problem("stray bytes follow it at offset \(offset)") }
  }

  private mutating func readTrailer(_ header: SyncBundleHeader) throws(SoftadastraError) {
    let tail = try exactly(8 + SyncBundle.endMarker.count, "its trailer")
    let computed = checksum
    let expected = try exactly(4, "its trailer").withUnsafeBytes { $0.loadLittleEndian(at: 0, as: UInt32.self) }
    guard tail.suffix(SyncBundle.endMarker.count).elementsEqual(SyncBundle.endMarker), computed == expected else {
      throw problem("its checksum does not match (damaged or cut short)")
    }
    let count = tail.withUnsafeBytes { $0.loadLittleEndian(at: 0, as: UInt64.self) }
    guard count == operationCount else {
      throw problem("it holds \(operationCount) operations, its trailer says \(count)")
    }
    guard !header.isGreeting || (count == 0 && header.fromLSN == 0 && !header.isFullState) else {
      throw problem("it has no recipient, so it is a greeting, but a greeting holds no operations and no part of a log")
    }
    ended = true
    bundleChecksum = computed
  }

  /// `count` bytes, added to the running CRC (all but the trailer's own CRC, read last).
  private mutating func exactly(_ count: Int, _ what: String) throws(SoftadastraError) -> [UInt8] {
    let bytes = try read(count)
    guard bytes.count == count else {
      throw problem("it is cut short: it ends inside \(what), after \(offset + UInt64(bytes.count)) bytes")
    }
    if header != nil { checksum = CRC32C.extend(checksum, bytes) }
    offset += UInt64(count)
    return bytes
  }

  private func problem(_ reason: String) -> SoftadastraError { SyncBundle.problem(source, reason) }
}

extension SyncBundleDecoder {
  /// A decoder of the bytes of `file`, from its start, read as they are asked: never more than
  /// the file holds.
  package init(file: SystemFile, source: String) throws(SoftadastraError) {
    let size = try file.size()
    var position: UInt64 = 0
    self.init(source: source) { (count: Int) throws(SoftadastraError) -> [UInt8] in
      let bytes = try file.read(count: Int(min(UInt64(count), size - min(position, size))), at: position)
      position += UInt64(bytes.count)
      return bytes
    }
  }

  /// A decoder of `bytes`.
  package init(bytes: [UInt8], source: String) {
    var position = 0
    self.init(source: source) { (count: Int) throws(SoftadastraError) -> [UInt8] in
      let slice = bytes[position..<min(bytes.count, position + count)]
      position += slice.count
      return Array(slice)
    }
  }
}
