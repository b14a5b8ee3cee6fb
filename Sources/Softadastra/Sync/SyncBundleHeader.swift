@_spi(Storage) import SoftadastraWAL

/// What a bundle says before its operations: who sends it to whom and when, which part of the
/// sender's log it covers, and how far the sender has applied the recipient's log.
public struct SyncBundleHeader: Sendable, Equatable {
  public var sender: String
  public var recipient: String
  /// The sender's clock when it made the bundle: each bundle a node makes is later than the
  /// one before, so a receiver tells an old or duplicated bundle from a new one.
  public var created: HybridTimestamp
  /// The operations are the sender's whole state (values and tombstones), not a part of its log.
  public var isFullState: Bool
  /// The operations are those of the sender's log after this LSN (0 for a full state).
  public var fromLSN: UInt64
  /// The end of the sender's log the bundle covers.
  public var end: LogPosition
  /// How far the sender has applied the recipient's log.
  public var acknowledgement: LogPosition

  public init(
    sender: String, recipient: String, created: HybridTimestamp, isFullState: Bool, fromLSN: UInt64, end: LogPosition,
    acknowledgement: LogPosition
  ) {
    self.sender = sender
    self.recipient = recipient
    self.created = created
    self.isFullState = isFullState
    self.fromLSN = fromLSN
    self.end = end
    self.acknowledgement = acknowledgement
  }

  /// A greeting (the first message of each side of a live exchange) has no recipient.
  public var isGreeting: Bool { recipient.isEmpty }

  /// Checks that the bundle is one for node `nodeID` to import.
  ///
  /// - Throws: `malformedInput` for a greeting, a bundle for another node, or one from `nodeID`.
  public func checkAddressed(to nodeID: String) throws(SoftadastraError) {
    guard !isGreeting else {
      throw SoftadastraError(
        .malformedInput,
        "the bundle is the greeting of a live exchange (sync with), not for importing; nothing was imported")
    }
    guard recipient == nodeID else {
      throw SoftadastraError(
        .malformedInput,
        "the bundle is for node '\(recipient)', and this is node '\(nodeID)'; nothing was imported",
        remedy: .addressBundlesTo(nodeID))
    }
    guard sender != nodeID else {
      throw SoftadastraError(
        .malformedInput, "the bundle comes from this node ('\(nodeID)') itself; nothing was imported")
    }
  }

  /// Checks that the bundle follows what the recipient has applied of the sender's log
  /// (`received`): a full state always does; a part of the log must not start after it.
  ///
  /// - Throws: `malformedInput` saying how to close the gap.
  public func checkFollows(received: LogPosition) throws(SoftadastraError) {
    guard !isFullState, fromLSN > received.lsn else { return }
    throw SoftadastraError(
      .malformedInput,
      "the bundle holds the log of node '\(sender)' after LSN \(fromLSN), but this node has applied it only up to LSN \(received.lsn); nothing was imported",
      remedy: .closeTheGap(sender: sender, recipient: recipient))
  }

  /// Checks that no clock value of the bundle that changes what is applied (its creation time,
  /// which later bundles from the sender must pass, and the newest operation's timestamp) is
  /// more than `SyncBundle.maxClockAheadMilliseconds` after `now`.
  ///
  /// - Throws: `malformedInput` naming the value.
  func checkTimestamps(newest: Origin?, now: UInt64 = HybridTimestamp.wallClockMilliseconds())
    throws(SoftadastraError)
  {
    let limit = now + SyncBundle.maxClockAheadMilliseconds
    func date(_ milliseconds: UInt64) -> String {
      milliseconds < 253_402_300_800_000 ? ISO8601.string(milliseconds: milliseconds) : "beyond year 9999"
    }
    if created.milliseconds > limit {
      throw SoftadastraError(
        .malformedInput,
        "the bundle from node '\(sender)' is dated \(date(created.milliseconds)), more than 24 hours ahead of this node's clock; nothing was imported, and later bundles from '\(sender)' are not held back by it (check the clocks of both nodes)"
      )
    }
    guard let newest, newest.timestamp.milliseconds > limit else { return }
    throw SoftadastraError(
      .malformedInput,
      "the bundle holds a write from node '\(newest.nodeID)' dated \(date(newest.timestamp.milliseconds)), more than 24 hours ahead of this node's clock; nothing was imported (check the clocks of both nodes)"
    )
  }

  // MARK: - Bytes (format version 2)

  /// Magic, version, flags, header size: what a reader needs to know the header's size.
  static let prefixSize = 16
  /// The header's bytes before the node ids.
  static let fixedSize = 72

  /// The version 2 header's bytes, its CRC last.
  func encoded() -> [UInt8] {
    var bytes = SyncBundle.magic
    bytes.reserveCapacity(Self.fixedSize + 2 + sender.utf8.count + recipient.utf8.count + 4)
    bytes.appendLittleEndian(SyncBundle.version)
    bytes.appendLittleEndian(isFullState ? SyncBundle.fullStateFlag : 0)
    bytes.appendLittleEndian(UInt32(Self.fixedSize + 2 + sender.utf8.count + recipient.utf8.count + 4))
    bytes.appendLittleEndian(created.rawValue)
    bytes.appendLittleEndian(fromLSN)
    for position in [end, acknowledgement] { position.append(to: &bytes) }
    for id in [sender, recipient] {
      bytes.append(UInt8(id.utf8.count))
      bytes.append(contentsOf: id.utf8)
    }
    bytes.appendLittleEndian(CRC32C.checksum(bytes))
    return bytes
  }

  /// The size of the version 2 header whose first `prefixSize` bytes are `prefix`.
  static func size(prefix: UnsafeRawBufferPointer) -> Int? {
    let size = Int(prefix.loadLittleEndian(at: 12, as: UInt32.self))
    return (fixedSize + 2 + 1 + 4...fixedSize + 2 + 2 * 255 + 4).contains(size) ? size : nil
  }

  /// Decodes a whole version 2 header (its CRC checked); nil with what is wrong.
  static func decode(_ bytes: [UInt8]) -> Result<SyncBundleHeader, HeaderProblem> {
    bytes.withUnsafeBytes { buffer in
      guard
        CRC32C.extend(0, UnsafeRawBufferPointer(rebasing: buffer[0..<buffer.count - 4]))
          == buffer.loadLittleEndian(at: buffer.count - 4, as: UInt32.self)
      else { return .failure(.checksum) }
      let flags: UInt16 = buffer.loadLittleEndian(at: 10)
      guard flags & ~SyncBundle.fullStateFlag == 0 else { return .failure(.flags(flags)) }
      var reader = FieldReader(buffer, from: 16, to: buffer.count - 4)
      guard let created = reader.read(UInt64.self), let fromLSN = reader.read(UInt64.self) else {
        return .failure(.nodeIDs)
      }
      var positions: [LogPosition] = []
      for _ in 0..<2 {
        guard let lsn = reader.read(UInt64.self), let checksum = reader.read(UInt32.self),
          let local = reader.read(UInt64.self)
        else { return .failure(.nodeIDs) }
        positions.append(LogPosition(lsn: lsn, checksum: checksum, localOperations: local))
      }
      guard let sender = readNodeID(&reader), let recipient = readNodeID(&reader, allowingEmpty: true),
        reader.remaining == 0
      else { return .failure(.nodeIDs) }
      if let outOfRange = [fromLSN, positions[0].lsn, positions[1].lsn].first(where: { $0 > WALFormat.maxLSN }) {
        return .failure(.lsn(outOfRange))
      }
      return .success(
        SyncBundleHeader(
          sender: sender, recipient: recipient, created: HybridTimestamp(rawValue: created),
          isFullState: flags & SyncBundle.fullStateFlag != 0, fromLSN: fromLSN, end: positions[0],
          acknowledgement: positions[1]))
    }
  }

  /// What can be wrong with a header.
  enum HeaderProblem: Error {
    case checksum
    case flags(UInt16)
    case nodeIDs
    case lsn(UInt64)

    var reason: String {
      switch self {
      case .checksum: "its header checksum does not match"
      case .flags(let flags): "it has flags this version does not know (\(flags))"
      case .nodeIDs: "its sender or recipient node id is not valid"
      case .lsn(let lsn): "it names LSN \(lsn), above the highest a log can hold (\(WALFormat.maxLSN))"
      }
    }
  }

  static func readNodeID(_ reader: inout FieldReader, allowingEmpty: Bool = false) -> String? {
    guard let length = reader.read(UInt8.self), let bytes = reader.readBytes(Int(length)),
      let id = String(validating: bytes, as: UTF8.self),
      NodeID.problem(with: id) == nil || (allowingEmpty && id.isEmpty)
    else { return nil }
    return id
  }
}
