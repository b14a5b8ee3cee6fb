@_spi(Storage) import SoftadastraWAL

/// What one node sends another, held in memory: the operations of its log the recipient lacks
/// (or its whole state), and the header saying where in the sender's log they end and how far
/// the sender has applied the recipient's log (its acknowledgement). `docs/sync-format.md`
/// specifies the bytes. For bundles of any size, `Client.sendSyncBundle(for:fullState:to:)` and
/// `ReceivedSyncBundle` stream them instead, in memory that does not grow with them.
@dynamicMemberLookup
public struct SyncBundle: Sendable, Equatable {
  public var header: SyncBundleHeader
  package var operations: [SyncOperation]

  package init(header: SyncBundleHeader, operations: [SyncOperation]) {
    self.header = header
    self.operations = operations
  }

  package init(
    sender: String, recipient: String, created: HybridTimestamp, isFullState: Bool, fromLSN: UInt64, end: LogPosition,
    acknowledgement: LogPosition, operations: [SyncOperation]
  ) {
    self.init(
      header: SyncBundleHeader(
        sender: sender, recipient: recipient, created: created, isFullState: isFullState, fromLSN: fromLSN, end: end,
        acknowledgement: acknowledgement),
      operations: operations)
  }

  /// The header's fields, as members of the bundle (`bundle.sender`, `bundle.end`, ...).
  public subscript<T>(dynamicMember field: WritableKeyPath<SyncBundleHeader, T>) -> T {
    get { header[keyPath: field] }
    set { header[keyPath: field] = newValue }
  }

  public subscript<T>(dynamicMember field: KeyPath<SyncBundleHeader, T>) -> T { header[keyPath: field] }

  /// "SDSYN", CR, LF, 0x1A.
  public static let magic: [UInt8] = [0x53, 0x44, 0x53, 0x59, 0x4E, 0x0D, 0x0A, 0x1A]
  /// "SYNCEND" and a zero byte, before the trailer's CRC.
  public static let endMarker: [UInt8] = [0x53, 0x59, 0x4E, 0x43, 0x45, 0x4E, 0x44, 0x00]
  /// The format version written; version 1 is still read.
  public static let version: UInt16 = 2
  static let fullStateFlag: UInt16 = 0x0001
  /// A chunk's stored size, raw size, operation count and CRC.
  static let chunkHeaderSize = 16
  /// A writer ends a chunk once it holds this many bytes of operations.
  static let chunkTargetBytes = 1 << 20
  /// The most bytes of operations a chunk may hold: room for the largest operation after
  /// `chunkTargetBytes` − 1 bytes of others.
  static let maxChunkRawBytes: UInt64 = 32 << 20
  /// The most bytes a chunk's zlib stream may take (zlib's bound for `maxChunkRawBytes`).
  static let maxChunkStoredBytes: UInt64 = maxChunkRawBytes + maxChunkRawBytes >> 10 + 64

  /// The first message of each side of a live exchange (`softadastra sync with`): who it is,
  /// before it knows who is at the other end. It has no recipient and no operations, and
  /// `Client.applySyncBundle` refuses it.
  public static func greeting(from sender: String) -> SyncBundle {
    SyncBundle(
      sender: sender, recipient: "", created: HybridTimestamp(milliseconds: HybridTimestamp.wallClockMilliseconds()),
      isFullState: false,
      fromLSN: 0, end: .start, acknowledgement: .start, operations: [])
  }

  /// How far ahead of this node's wall clock an operation's timestamp may be. A node's clock
  /// moves past every timestamp it imports, so one from a badly wrong clock (or a crafted
  /// bundle) would drag it into the future for good; such a bundle is refused instead.
  public static let maxClockAheadMilliseconds: UInt64 = 24 * 60 * 60 * 1000

  // MARK: - Bytes

  /// The zlib level of bundles by default: level 1 compresses operations to within a few
  /// percent of level 6, several times faster.
  public static let defaultLevel = 1

  /// The bundle's bytes (format version 2), its operations compressed at zlib `level`.
  public func encoded(level: Int = SyncBundle.defaultLevel) throws(SoftadastraError) -> [UInt8] {
    let sink = MemorySink()
    var encoder = try SyncBundleEncoder(header: header, level: level, to: sink)
    for operation in operations { try encoder.add(operation) }
    try encoder.finish()
    return sink.bytes
  }

  /// Decodes and checks a whole bundle of format version 1 or 2: every checksum, every
  /// operation's layout and limits, the count, and that nothing follows it.
  ///
  /// - Throws: `malformedInput` naming `source` and what is wrong; nothing is half-decoded.
  public static func decode(_ bytes: [UInt8], source: String) throws(SoftadastraError) -> SyncBundle {
    var decoder = SyncBundleDecoder(bytes: bytes, source: source)
    let bundle: SyncBundle
    switch try decoder.start()! {
    case .whole(let whole): bundle = whole
    case .chunked(let header):
      var operations: [SyncOperation] = []
      while let chunk = try decoder.nextChunk() { operations.append(contentsOf: chunk) }
      bundle = SyncBundle(header: header, operations: operations)
    }
    try decoder.checkNothingFollows()
    return bundle
  }

  static func problem(_ source: String, _ reason: String) -> SoftadastraError {
    SoftadastraError(
      .malformedInput,
      "\(source) is not a valid sync bundle: \(reason); nothing was imported (ask its sender for a new one)",
      path: source)
  }
}
