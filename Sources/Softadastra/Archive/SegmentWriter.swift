@_spi(Storage) import SoftadastraWAL

/// Writes one archive segment (docs/archive-format.md) into a file, record by record: a zlib
/// stream of a native WAL file holding the records, re-chained from its own header, then the
/// manifest and the trailer. The same records, creation time and level give the same bytes, so
/// a segment shipped again after a crash is the file shipped before.
package final class SegmentWriter {
  private let file: SystemFile
  private let nodeID: String
  private let createdMilliseconds: Int64
  private let level: Int
  private let firstLSN: UInt64
  private var offset: UInt64
  private let partStart: UInt64
  private var partChecksum: UInt32 = 0
  private var compressor: Zlib.Compressor!
  private var pending: [UInt8]
  private var seed: UInt32
  private var rawLength: UInt64 = 0
  private(set) var lastLSN: UInt64
  private(set) var lastChecksum: UInt32 = 0
  private(set) var recordCount: UInt64 = 0
  private var firstMilliseconds: UInt64 = 0
  private var lastMilliseconds: UInt64 = 0
  /// The bytes of WAL records added so far (before compression).
  package var recordBytes: UInt64 { rawLength + UInt64(pending.count) - UInt64(headerSize) }
  private let headerSize: Int

  /// Starts a segment whose first record has `firstLSN`.
  package init(
    file: SystemFile, nodeID: String, firstLSN: UInt64, createdMilliseconds: Int64, level: Int
  ) throws(SoftadastraError) {
    self.file = file
    self.nodeID = nodeID
    self.firstLSN = firstLSN
    self.createdMilliseconds = createdMilliseconds
    self.level = level
    lastLSN = firstLSN - 1
    let header = WALHeader(
      nodeID: nodeID, createdMilliseconds: createdMilliseconds, firstLSN: firstLSN, continuesSnapshot: true)
    pending = header.encoded()
    headerSize = pending.count
    seed = header.checksum
    let start = SegmentFormat.container.header() + ArchiveContainer.partFrame(kind: .wal, length: 0)
    try file.write(start, at: 0)
    partStart = UInt64(start.count)
    offset = partStart
    compressor = try Zlib.Compressor(level: level) { [unowned self] (chunk: [UInt8]) throws(SoftadastraError) in
      partChecksum = CRC32C.extend(partChecksum, chunk)
      try self.file.write(chunk, at: offset)
      offset += UInt64(chunk.count)
    }
  }

  /// Adds the next record, whose CRC in the node's log is `checksum`.
  package func add(_ record: WALRecord, checksum: UInt32) throws(SoftadastraError) {
    precondition(record.lsn == lastLSN + 1, "segment records follow each other")
    seed = RecordEncoder.append(record, seed: seed, to: &pending)
    if recordCount == 0 { firstMilliseconds = record.timestamp.milliseconds }
    lastMilliseconds = record.timestamp.milliseconds
    lastLSN = record.nextLSN - 1
    lastChecksum = checksum
    recordCount += 1
    if pending.count >= 1 << 20 { try flush() }
  }

  private func flush() throws(SoftadastraError) {
    rawLength += UInt64(pending.count)
    try compressor.update(pending)
    pending.removeAll(keepingCapacity: true)
  }

  /// Ends the segment (it must hold a record) and syncs the file; returns its manifest.
  package func finish(
    toolVersion: String, baseLSN: UInt64, baseChecksum: UInt32, previousChecksum: UInt32
  ) throws(SoftadastraError) -> SegmentManifest {
    precondition(recordCount > 0, "a segment holds at least one record")
    try flush()
    try compressor.finish()
    let length = offset - partStart
    try file.write(ArchiveContainer.partFrame(kind: .wal, length: length), at: partStart - 12)
    let manifest = SegmentManifest(
      toolVersion: toolVersion, nodeID: nodeID, createdMilliseconds: createdMilliseconds, baseLSN: baseLSN,
      baseChecksum: baseChecksum, firstLSN: firstLSN, lastLSN: lastLSN, previousChecksum: previousChecksum,
      lastChecksum: lastChecksum, firstRecordMilliseconds: firstMilliseconds,
      lastRecordMilliseconds: lastMilliseconds, recordCount: recordCount, level: UInt8(level),
      part: BackupPart(kind: .wal, offset: partStart, length: length, rawLength: rawLength, checksum: partChecksum))
    let bytes = manifest.encoded()
    try file.write(bytes + SegmentFormat.container.trailer(manifest: bytes), at: offset)
    try file.truncate(to: offset + UInt64(bytes.count + ArchiveContainer.trailerSize))
    try file.sync()
    return manifest
  }
}
