@_spi(Storage) import SoftadastraWAL

/// Reads and checks an archive segment (docs/archive-format.md).
///
/// Opening checks the header, the trailer, the manifest's checksum and the part's frame.
/// `forEachRecord` checks the rest: the part's CRC-32C, its decompression to the exact size, and
/// the WAL it holds record by record against the manifest (node, first and last LSN, count, times).
public final class ArchiveSegment {
  public let path: String
  public let name: String
  public let manifest: SegmentManifest
  public let fileSize: UInt64

  /// Opens and checks the framing; the file is not kept open (a chain may hold many segments).
  public init(path: String, name: String? = nil) throws(SoftadastraError) {
    let name = name ?? path
    let file = try SystemFile.openForReading(path)
    defer { file.close() }
    let container = SegmentFormat.container
    let opened = try container.open(file, path: path, name: name)
    guard let manifest = SegmentManifest.decode(opened.manifest) else {
      throw container.damage(path, name, opened.manifestOffset, "its manifest cannot be read")
    }
    if let problem = NodeID.problem(with: manifest.nodeID) {
      throw container.damage(path, name, opened.manifestOffset, "its manifest's node id is unsafe: \(problem)")
    }
    try container.checkFrames([manifest.part], of: file, path: path, name: name, manifestOffset: opened.manifestOffset)
    self.path = path
    self.name = name
    self.manifest = manifest
    self.fileSize = opened.fileSize
  }

  /// The file, checked to be the one opened (same size).
  private func reopen() throws(SoftadastraError) -> SystemFile {
    let file = try SystemFile.openForReading(path)
    guard try file.size() == fileSize else {
      file.close()
      throw damage("it changed since it was opened")
    }
    return file
  }

  private func damage(_ reason: String) -> SoftadastraError {
    SoftadastraError(
      .corrupt, "archive segment \(name): \(reason)", path: path, offset: manifest.part.offset)
  }

  /// Whether the part passes its CRC-32C (the quick check).
  public func partIsSound() throws(SoftadastraError) -> Bool {
    let file = try reopen()
    defer { file.close() }
    return try ArchiveContainer.partIsSound(manifest.part, of: file)
  }

  /// Checks the whole segment, decompressing its WAL into `scratchDirectory` (removed after),
  /// and passes each record with its position in the segment to `body`, in order, as it is read:
  /// damage found after some records were passed is thrown then, so a caller builds only what it
  /// can discard (a restore appends them to the WAL in its scratch directory).
  public func forEachRecord(
    scratchDirectory: String, _ body: (ScannedRecord) throws(SoftadastraError) -> Void
  ) throws(SoftadastraError) {
    let part = manifest.part
    let file = try reopen()
    defer { file.close() }
    guard try ArchiveContainer.partIsSound(part, of: file) else { throw damage("its WAL part fails its checksum") }
    let walPath = "\(scratchDirectory)/.segment-\(manifest.firstLSN).wal"
    FileSystem.removeFile(walPath)
    defer { FileSystem.removeFile(walPath) }
    let walFile = try SystemFile.createExclusive(walPath)
    var written: UInt64 = 0
    var checksum: UInt32 = 0
    let decompressor = try Zlib.Decompressor { (chunk: UnsafeRawBufferPointer) throws(SoftadastraError) in
      guard written + UInt64(chunk.count) <= part.rawLength else {
        throw self.damage("decompresses to more than the \(part.rawLength) bytes its manifest says")
      }
      try walFile.write(chunk, at: written)
      written += UInt64(chunk.count)
    }
    var position: UInt64 = 0
    while position < part.length {
      let chunk = try file.read(count: Int(min(1 << 20, part.length - position)), at: part.offset + position)
      guard !chunk.isEmpty else { throw damage("ends early") }
      checksum = CRC32C.extend(checksum, chunk)
      let fine = try chunk.withUnsafeBytes { buffer in
        Result { () throws(SoftadastraError) -> Bool in try decompressor.update(buffer) }
      }.get()
      guard fine else { throw damage("its WAL part does not decompress") }
      position += UInt64(chunk.count)
    }
    guard checksum == part.checksum else { throw damage("its WAL part fails its checksum") }
    guard decompressor.isFinished, written == part.rawLength else {
      throw damage("its WAL part decompresses to \(written) bytes, not \(part.rawLength)")
    }
    walFile.close()
    var scanner = try WALScanner(path: walPath)
    guard scanner.header.nodeID == manifest.nodeID, scanner.header.firstLSN == manifest.firstLSN else {
      throw damage("its WAL is not node \(manifest.nodeID)'s from LSN \(manifest.firstLSN), as its manifest says")
    }
    var count: UInt64 = 0
    var first: UInt64?
    var last: UInt64 = 0
    var lastLSN = manifest.firstLSN - 1
    while let scanned = try scanner.next() {
      try body(scanned)
      count += 1
      if first == nil { first = scanned.record.timestamp.milliseconds }
      last = scanned.record.timestamp.milliseconds
      lastLSN = scanned.record.nextLSN - 1
    }
    guard case .clean = scanner.ending else { throw damage("holds a damaged WAL") }
    guard count == manifest.recordCount, lastLSN == manifest.lastLSN,
      first == manifest.firstRecordMilliseconds, last == manifest.lastRecordMilliseconds
    else {
      throw damage(
        "holds \(count) records to LSN \(lastLSN); its manifest says \(manifest.recordCount) to LSN \(manifest.lastLSN)"
      )
    }
  }
}
