@_spi(Storage) import SoftadastraWAL

/// Reads and checks a backup archive.
///
/// Opening checks the header, the trailer, the manifest's checksum and that the parts sit where
/// the manifest says (a quick check). `checkParts()` reads every part against its CRC-32C, and
/// `extract(into:)` decompresses the parts into a node's files and checks their contents: it is
/// everything a restore does before it touches the target.
public final class BackupArchive {
  public let path: String
  /// How messages name the archive: its path, or what the caller says (as "standard input" for
  /// an archive read from a pipe into a scratch file).
  public let name: String
  public let manifest: BackupManifest
  /// The manifest's CRC-32C, from the trailer: it covers every part's checksum, so it identifies
  /// the archive's contents (an archive segment names the base it continues by it).
  public let manifestChecksum: UInt32
  public let fileSize: UInt64
  private let file: SystemFile

  public init(path: String, name: String? = nil) throws(SoftadastraError) {
    let name = name ?? path
    let file = try SystemFile.openForReading(path)
    let container = BackupFormat.container
    let opened = try container.open(file, path: path, name: name)
    guard let manifest = BackupManifest.decode(opened.manifest), manifest.parts.count == 2,
      manifest.parts[0].kind == .snapshot, manifest.parts[1].kind == .wal
    else { throw container.damage(path, name, opened.manifestOffset, "its manifest cannot be read") }
    // The node id names the restored files: it must be a plain file name.
    if let problem = NodeID.problem(with: manifest.nodeID) {
      throw container.damage(path, name, opened.manifestOffset, "its manifest's node id is unsafe: \(problem)")
    }
    try container.checkFrames(manifest.parts, of: file, path: path, name: name, manifestOffset: opened.manifestOffset)
    self.path = path
    self.name = name
    self.manifest = manifest
    self.manifestChecksum = opened.manifestChecksum
    self.fileSize = opened.fileSize
    self.file = file
  }

  /// Reads every part and checks its CRC-32C; returns one error per damaged part.
  public func checkParts(progress: ProgressHandler? = nil) throws(SoftadastraError) -> [SoftadastraError] {
    var problems: [SoftadastraError] = []
    var done: UInt64 = 0
    let total = manifest.parts.reduce(0) { $0 + $1.length }
    for part in manifest.parts {
      let sound = try ArchiveContainer.partIsSound(part, of: file) { bytes in
        done += bytes
        progress?(done, total)
      }
      if !sound {
        problems.append(
          SoftadastraError(
            .corrupt,
            "backup \(name): its \(part.kind) part (offset \(part.offset), \(part.length) bytes) fails its checksum",
            path: path, offset: part.offset))
      }
    }
    return problems
  }

  /// The node's files decompressed from an archive, in a directory.
  public struct Extracted: Sendable {
    /// The WAL, named `<node-id>.wal`, and the snapshot beside it (nil when the archive starts at LSN 0).
    public var walPath: String
    public var snapshotPath: String?
  }

  /// Decompresses the parts into `directory` (which must exist) as the node's files, syncs
  /// them, and checks their contents against the manifest: the snapshot block by block, the WAL
  /// record by record, LSN continuity, and the key count at the last LSN.
  public func extract(into directory: String, progress: ((RestoreStage) -> Void)? = nil) throws(SoftadastraError)
    -> Extracted
  {
    let files = NodeFiles(walPath: "\(directory)/\(manifest.nodeID).wal")
    let snapshotPart = manifest.part(.snapshot)!
    let walPart = manifest.part(.wal)!
    func damage(_ part: BackupPart, _ reason: String) -> SoftadastraError {
      SoftadastraError(.corrupt, "backup \(name): its \(part.kind) part \(reason)", path: path, offset: part.offset)
    }
    let total = snapshotPart.length + walPart.length
    let snapshotPath = files.snapshotPath(lsn: manifest.snapshotLSN)
    let snapshotFile = try SystemFile.createExclusive(snapshotPath)
    guard
      try BackupWriter.copy(
        file, range: snapshotPart.offset, size: snapshotPart.length, to: snapshotFile,
        progress: progress.map { report in { done in report(.extracting(done: done, total: total)) } })
        == snapshotPart.checksum
    else { throw damage(snapshotPart, "fails its checksum") }
    try snapshotFile.sync()
    let walFile = try SystemFile.createExclusive(files.walPath)
    var written: UInt64 = 0
    var walChecksum: UInt32 = 0
    let decompressor = try Zlib.Decompressor { (chunk: UnsafeRawBufferPointer) throws(SoftadastraError) in
      try walFile.write(chunk, at: written)
      written += UInt64(chunk.count)
    }
    var position: UInt64 = 0
    while position < walPart.length {
      let chunk = try file.read(count: Int(min(1 << 20, walPart.length - position)), at: walPart.offset + position)
      walChecksum = CRC32C.extend(walChecksum, chunk)
      let fine = try chunk.withUnsafeBytes { buffer in
        Result { () throws(SoftadastraError) -> Bool in try decompressor.update(buffer) }
      }.get()
      guard fine else { throw damage(walPart, "does not decompress") }
      position += UInt64(chunk.count)
      progress?(.extracting(done: snapshotPart.length + position, total: total))
    }
    guard walChecksum == walPart.checksum else { throw damage(walPart, "fails its checksum") }
    guard decompressor.isFinished, written == walPart.rawLength else {
      throw damage(walPart, "decompresses to \(written) bytes, not \(walPart.rawLength)")
    }
    try walFile.sync()

    progress?(.checking)
    let snapshot = try SnapshotReader(path: snapshotPath)
    guard snapshot.header.base == nil else { throw damage(snapshotPart, "is a delta snapshot, not a full one") }
    try snapshot.verify()
    var scanner = try WALScanner(path: files.walPath)
    var last = manifest.snapshotLSN
    while let scanned = try scanner.next() { last = scanned.record.nextLSN - 1 }
    guard case .clean = scanner.ending else { throw damage(walPart, "holds a damaged WAL") }
    guard snapshot.header.nodeID == manifest.nodeID, scanner.header.nodeID == manifest.nodeID,
      snapshot.header.lsn == manifest.snapshotLSN, scanner.header.firstLSN == manifest.snapshotLSN + 1,
      snapshot.header.successorChecksum == scanner.header.checksum, last == manifest.lastLSN
    else {
      throw SoftadastraError(
        .corrupt,
        "backup \(name): its snapshot and WAL parts do not continue each other as the manifest says (LSN \(manifest.snapshotLSN) to \(manifest.lastLSN))",
        path: path)
    }
    let keys = try NodeRecovery.recover(walPath: files.walPath, nodeID: manifest.nodeID).state.count()
    guard UInt64(keys) == manifest.keyCount else {
      throw SoftadastraError(
        .corrupt, "backup \(name) restores \(keys) keys, its manifest says \(manifest.keyCount)", path: path)
    }
    try FileSystem.syncDirectory(directory)
    return Extracted(walPath: files.walPath, snapshotPath: snapshotPath)
  }
}
