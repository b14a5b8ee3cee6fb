@_spi(Storage) import SoftadastraWAL

/// What an archive segment holds: whose records, which LSN range, and the chain it continues.
///
/// A chain is a base (a backup archive, ending at `baseLSN`) and the segments that follow it,
/// each starting right after the one before. A segment names its base by the base's manifest
/// checksum, and the record before its first by that record's CRC in the node's own log (which
/// the previous segment gives as its `lastChecksum`), so segments of another chain or another
/// history never pass for a continuation.
public struct SegmentManifest: Sendable, Equatable {
  public var toolVersion: String
  public var nodeID: String
  public var createdMilliseconds: Int64
  /// The last LSN of the chain's base, and the base's manifest checksum.
  public var baseLSN: UInt64
  public var baseChecksum: UInt32
  /// The segment's records: `firstLSN` to `lastLSN`, whole batches only.
  public var firstLSN: UInt64
  public var lastLSN: UInt64
  /// The node's CRC of the record before `firstLSN` (0 when the chain starts at LSN 0), and of
  /// the record at `lastLSN`: the links between segments.
  public var previousChecksum: UInt32
  public var lastChecksum: UInt32
  /// The time of the first and last record, in milliseconds since the Unix epoch.
  public var firstRecordMilliseconds: UInt64
  public var lastRecordMilliseconds: UInt64
  public var recordCount: UInt64
  public var level: UInt8
  package var part: BackupPart

  /// The name a segment is shipped under (`ArchiveNames`).
  public var fileName: String {
    ArchiveNames.segmentName(nodeID: nodeID, firstLSN: firstLSN, lastLSN: lastLSN, baseChecksum: baseChecksum)
  }

  func encoded() -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.appendLittleEndian(SegmentFormat.version)
    bytes.append(UInt8(toolVersion.utf8.count))
    bytes.append(contentsOf: toolVersion.utf8)
    bytes.append(UInt8(nodeID.utf8.count))
    bytes.append(contentsOf: nodeID.utf8)
    bytes.appendLittleEndian(createdMilliseconds)
    bytes.appendLittleEndian(baseLSN)
    bytes.appendLittleEndian(baseChecksum)
    bytes.appendLittleEndian(firstLSN)
    bytes.appendLittleEndian(lastLSN)
    bytes.appendLittleEndian(previousChecksum)
    bytes.appendLittleEndian(lastChecksum)
    bytes.appendLittleEndian(firstRecordMilliseconds)
    bytes.appendLittleEndian(lastRecordMilliseconds)
    bytes.appendLittleEndian(recordCount)
    bytes.append(level)
    bytes.append(part.kind.rawValue)
    bytes.appendLittleEndian(part.offset)
    bytes.appendLittleEndian(part.length)
    bytes.appendLittleEndian(part.rawLength)
    bytes.appendLittleEndian(part.checksum)
    return bytes
  }

  static func decode(_ bytes: [UInt8]) -> SegmentManifest? {
    bytes.withUnsafeBytes { buffer -> SegmentManifest? in
      var reader = FieldReader(buffer, from: 0, to: buffer.count)
      guard reader.read(UInt16.self) == SegmentFormat.version,
        let toolLength = reader.read(UInt8.self), let tool = reader.readBytes(Int(toolLength)),
        let toolVersion = String(validating: tool, as: UTF8.self),
        let idLength = reader.read(UInt8.self), idLength > 0, let id = reader.readBytes(Int(idLength)),
        let nodeID = String(validating: id, as: UTF8.self),
        let created = reader.read(Int64.self), let baseLSN = reader.read(UInt64.self),
        let baseChecksum = reader.read(UInt32.self), let firstLSN = reader.read(UInt64.self),
        let lastLSN = reader.read(UInt64.self), firstLSN > baseLSN, lastLSN >= firstLSN, lastLSN <= WALFormat.maxLSN,
        let previousChecksum = reader.read(UInt32.self), let lastChecksum = reader.read(UInt32.self),
        let firstTime = reader.read(UInt64.self), let lastTime = reader.read(UInt64.self),
        let records = reader.read(UInt64.self), records > 0, records <= lastLSN - firstLSN + 1,
        let level = reader.read(UInt8.self), level <= 9,
        reader.read(UInt8.self) == BackupPart.Kind.wal.rawValue,
        let offset = reader.read(UInt64.self), let length = reader.read(UInt64.self),
        let rawLength = reader.read(UInt64.self), let checksum = reader.read(UInt32.self),
        reader.remaining == 0
      else { return nil }
      return SegmentManifest(
        toolVersion: toolVersion, nodeID: nodeID, createdMilliseconds: created, baseLSN: baseLSN,
        baseChecksum: baseChecksum, firstLSN: firstLSN, lastLSN: lastLSN, previousChecksum: previousChecksum,
        lastChecksum: lastChecksum, firstRecordMilliseconds: firstTime, lastRecordMilliseconds: lastTime,
        recordCount: records, level: level,
        part: BackupPart(kind: .wal, offset: offset, length: length, rawLength: rawLength, checksum: checksum))
    }
  }
}
