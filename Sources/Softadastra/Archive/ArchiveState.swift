@_spi(Storage) import SoftadastraWAL

/// Where a node's archiving stands, kept beside the node as `<base>.archive-state` (replaced
/// atomically: temporary file, `fsync`, rename, directory `fsync`): the chain being shipped, the
/// last record the destination acknowledged, and a segment being shipped.
///
/// A segment is recorded as pending before it is shipped, and shipped again the same (same
/// records, same creation time, same bytes, same name) after a crash: a record is never shipped
/// under two names. Checkpoints keep the sealed logs that hold records after `shippedLSN`, so
/// nothing is removed before it is shipped (docs/archive-format.md).
public struct ArchiveState: Sendable, Equatable {
  /// Where the files go (a directory, or a command), as the archiver was told.
  public var destination: String
  /// The chain's base: its last LSN, its manifest checksum, and when it was made.
  public var baseLSN: UInt64
  public var baseChecksum: UInt32
  public var baseMilliseconds: Int64
  /// The last record the destination holds, and its CRC in the node's log.
  public var shippedLSN: UInt64
  public var shippedChecksum: UInt32
  /// Record bytes shipped since the base (what `--base-every` counts).
  public var bytesSinceBase: UInt64
  /// A segment written and being shipped: its records and creation time.
  public var pending: Pending?
  /// Totals since archiving started: segments and bases shipped, their bytes.
  public var segments: UInt64
  public var bases: UInt64
  public var shippedBytes: UInt64
  /// When the last file was stored (ms since the Unix epoch; 0: never).
  public var lastShippedMilliseconds: Int64
  /// Failed attempts to store since the last success, and the last failure's message.
  public var failures: UInt64
  public var lastError: String

  public struct Pending: Sendable, Equatable {
    public var firstLSN: UInt64
    public var lastLSN: UInt64
    /// The CRC, in the node's log, of the record at `lastLSN`: written again, the segment must
    /// end with the same record.
    public var lastChecksum: UInt32
    public var createdMilliseconds: Int64
    public var level: UInt8
  }

  static let magic: [UInt8] = Array("SDARCHIV".utf8)
  static let version: UInt16 = 1

  /// The state's file beside the node whose live WAL is `walPath`.
  public static func path(walPath: String) -> String { NodeFiles(walPath: walPath).archivingFiles[0] }

  /// The node's archiving state; nil when it has none.
  ///
  /// - Throws: `corrupt` when the file is damaged.
  public static func load(walPath: String) throws(SoftadastraError) -> ArchiveState? {
    let path = path(walPath: walPath)
    guard FileSystem.exists(path) else { return nil }
    let file = try SystemFile.openForReading(path)
    defer { file.close() }
    let bytes = try file.read(count: Int(min(try file.size(), 1 << 16)), at: 0)
    guard let state = decode(bytes) else {
      throw SoftadastraError(
        .corrupt, "\(path) is damaged; remove it and archiving starts a new chain with a new base", path: path)
    }
    return state
  }

  /// Writes the state durably.
  public func save(walPath: String) throws(SoftadastraError) {
    try FileSystem.writeAtomically(encoded(), to: Self.path(walPath: walPath))
  }

  func encoded() -> [UInt8] {
    var bytes = Self.magic
    bytes.appendLittleEndian(Self.version)
    Self.appendText(destination, to: &bytes)
    bytes.appendLittleEndian(baseLSN)
    bytes.appendLittleEndian(baseChecksum)
    bytes.appendLittleEndian(baseMilliseconds)
    bytes.appendLittleEndian(shippedLSN)
    bytes.appendLittleEndian(shippedChecksum)
    bytes.appendLittleEndian(bytesSinceBase)
    bytes.append(pending == nil ? 0 : 1)
    if let pending {
      bytes.appendLittleEndian(pending.firstLSN)
      bytes.appendLittleEndian(pending.lastLSN)
      bytes.appendLittleEndian(pending.lastChecksum)
      bytes.appendLittleEndian(pending.createdMilliseconds)
      bytes.append(pending.level)
    }
    bytes.appendLittleEndian(segments)
    bytes.appendLittleEndian(bases)
    bytes.appendLittleEndian(shippedBytes)
    bytes.appendLittleEndian(lastShippedMilliseconds)
    bytes.appendLittleEndian(failures)
    Self.appendText(lastError, limit: 4096, to: &bytes)
    bytes.appendLittleEndian(CRC32C.checksum(bytes))
    return bytes
  }

  /// A u16 length and UTF-8 bytes, cut at a character boundary to `limit` bytes.
  private static func appendText(_ text: String, limit: Int = Int(UInt16.max), to bytes: inout [UInt8]) {
    var utf8 = Array(text.utf8)
    if utf8.count > limit {
      var end = limit
      while end > 0, utf8[end] & 0xC0 == 0x80 { end -= 1 }
      utf8 = Array(utf8[..<end])
    }
    bytes.appendLittleEndian(UInt16(utf8.count))
    bytes.append(contentsOf: utf8)
  }

  static func decode(_ bytes: [UInt8]) -> ArchiveState? {
    guard bytes.count > 12, bytes.starts(with: magic) else { return nil }
    let body = bytes.dropLast(4)
    let stored = bytes.withUnsafeBytes { $0.loadLittleEndian(at: bytes.count - 4, as: UInt32.self) }
    guard CRC32C.checksum(body) == stored else { return nil }
    return bytes.withUnsafeBytes { buffer -> ArchiveState? in
      var reader = FieldReader(buffer, from: magic.count, to: buffer.count - 4)
      func text() -> String? {
        guard let length = reader.read(UInt16.self), let utf8 = reader.readBytes(Int(length)) else { return nil }
        return String(validating: utf8, as: UTF8.self)
      }
      guard reader.read(UInt16.self) == version, let destination = text(),
        let baseLSN = reader.read(UInt64.self), let baseChecksum = reader.read(UInt32.self),
        let baseTime = reader.read(Int64.self), let shippedLSN = reader.read(UInt64.self),
        let shippedChecksum = reader.read(UInt32.self), let sinceBase = reader.read(UInt64.self),
        let hasPending = reader.read(UInt8.self), hasPending <= 1
      else { return nil }
      var pending: Pending?
      if hasPending == 1 {
        guard let first = reader.read(UInt64.self), let last = reader.read(UInt64.self),
          let lastChecksum = reader.read(UInt32.self), let created = reader.read(Int64.self),
          let level = reader.read(UInt8.self), level <= 9
        else { return nil }
        pending = Pending(
          firstLSN: first, lastLSN: last, lastChecksum: lastChecksum, createdMilliseconds: created, level: level)
      }
      guard let segments = reader.read(UInt64.self), let bases = reader.read(UInt64.self),
        let shippedBytes = reader.read(UInt64.self), let lastShipped = reader.read(Int64.self),
        let failures = reader.read(UInt64.self), let lastError = text(), reader.remaining == 0
      else { return nil }
      return ArchiveState(
        destination: destination, baseLSN: baseLSN, baseChecksum: baseChecksum, baseMilliseconds: baseTime,
        shippedLSN: shippedLSN, shippedChecksum: shippedChecksum, bytesSinceBase: sinceBase, pending: pending,
        segments: segments, bases: bases, shippedBytes: shippedBytes, lastShippedMilliseconds: lastShipped,
        failures: failures, lastError: lastError)
    }
  }
}
