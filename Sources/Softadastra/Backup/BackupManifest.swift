@_spi(Storage) import SoftadastraWAL

/// What an archive holds: whose data, which LSN range, when, and each part's size and checksum.
public struct BackupManifest: Sendable, Equatable {
  public var toolVersion: String
  public var nodeID: String
  public var createdMilliseconds: Int64
  /// The snapshot holds the state at this LSN (0: empty); the WAL part the records after it.
  public var snapshotLSN: UInt64
  /// The last LSN in the archive: the state a full restore gives.
  public var lastLSN: UInt64
  /// The time of the snapshot's last record, and of the WAL part's first and last (0: none).
  public var snapshotMilliseconds: UInt64
  public var firstRecordMilliseconds: UInt64
  public var lastRecordMilliseconds: UInt64
  /// Keys with a value at `lastLSN`.
  public var keyCount: UInt64
  public var level: UInt8
  package var parts: [BackupPart]

  package func part(_ kind: BackupPart.Kind) -> BackupPart? { parts.first { $0.kind == kind } }

  func encoded() -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.appendLittleEndian(BackupFormat.version)
    bytes.append(UInt8(toolVersion.utf8.count))
    bytes.append(contentsOf: toolVersion.utf8)
    bytes.append(UInt8(nodeID.utf8.count))
    bytes.append(contentsOf: nodeID.utf8)
    bytes.appendLittleEndian(createdMilliseconds)
    bytes.appendLittleEndian(snapshotLSN)
    bytes.appendLittleEndian(lastLSN)
    bytes.appendLittleEndian(snapshotMilliseconds)
    bytes.appendLittleEndian(firstRecordMilliseconds)
    bytes.appendLittleEndian(lastRecordMilliseconds)
    bytes.appendLittleEndian(keyCount)
    bytes.append(level)
    bytes.append(UInt8(parts.count))
    for part in parts {
      bytes.append(part.kind.rawValue)
      bytes.appendLittleEndian(part.offset)
      bytes.appendLittleEndian(part.length)
      bytes.appendLittleEndian(part.rawLength)
      bytes.appendLittleEndian(part.checksum)
    }
    return bytes
  }

  static func decode(_ bytes: [UInt8]) -> BackupManifest? {
    bytes.withUnsafeBytes { buffer -> BackupManifest? in
      var reader = FieldReader(buffer, from: 0, to: buffer.count)
      guard reader.read(UInt16.self) == BackupFormat.version,
        let toolLength = reader.read(UInt8.self), let tool = reader.readBytes(Int(toolLength)),
        let toolVersion = String(validating: tool, as: UTF8.self),
        let idLength = reader.read(UInt8.self), idLength > 0, let id = reader.readBytes(Int(idLength)),
        let nodeID = String(validating: id, as: UTF8.self),
        let created = reader.read(Int64.self), let snapshotLSN = reader.read(UInt64.self),
        let lastLSN = reader.read(UInt64.self), lastLSN >= snapshotLSN, lastLSN <= WALFormat.maxLSN,
        let snapshotTime = reader.read(UInt64.self), let firstTime = reader.read(UInt64.self),
        let lastTime = reader.read(UInt64.self), let keys = reader.read(UInt64.self),
        let level = reader.read(UInt8.self), level <= 9, let count = reader.read(UInt8.self)
      else { return nil }
      var parts: [BackupPart] = []
      for _ in 0..<count {
        guard let rawKind = reader.read(UInt8.self), let kind = BackupPart.Kind(rawValue: rawKind),
          let offset = reader.read(UInt64.self), let length = reader.read(UInt64.self),
          let rawLength = reader.read(UInt64.self), let checksum = reader.read(UInt32.self)
        else { return nil }
        parts.append(BackupPart(kind: kind, offset: offset, length: length, rawLength: rawLength, checksum: checksum))
      }
      guard reader.remaining == 0 else { return nil }
      return BackupManifest(
        toolVersion: toolVersion, nodeID: nodeID, createdMilliseconds: created, snapshotLSN: snapshotLSN,
        lastLSN: lastLSN, snapshotMilliseconds: snapshotTime, firstRecordMilliseconds: firstTime,
        lastRecordMilliseconds: lastTime, keyCount: keys, level: level, parts: parts)
    }
  }
}
