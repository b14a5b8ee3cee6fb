import SoftadastraWAL

#if canImport(Glibc)
  import Glibc
#endif

/// Reports the progress of long work: bytes done out of a total.
public typealias ProgressHandler = (_ done: UInt64, _ total: UInt64) -> Void

/// Writes backup archives (docs/backup-format.md).
public enum BackupWriter {
  /// An archive written to a file: its manifest, where it is, and its size.
  public struct WrittenArchive: Sendable {
    public var manifest: BackupManifest
    public var path: String
    public var size: UInt64
    /// The CRC, in the node's log, of the record at the archive's last LSN (0 for LSN 0): what
    /// an archive segment that continues this archive names as its previous record's.
    package var lastRecordChecksum: UInt32
  }

  /// Writes an archive of the node at `walPath` to `path`: as `path`.part, synced, then renamed
  /// into place with the directory synced. A crash or a failure leaves `path` as it was, and a
  /// failure removes the part file. Parameters as in `write(walPath:to:…)`.
  public static func write(
    walPath: String, toPath path: String, level: Int? = nil, toolVersion: String, progress: ProgressHandler? = nil
  ) throws(SoftadastraError) -> WrittenArchive {
    try writeThroughPart(path + ".part", walPath: walPath, level: level, toolVersion: toolVersion, progress: progress) {
      _ throws(SoftadastraError) in path
    }
  }

  /// Writes an archive of the node at `walPath` into `directory`, named by
  /// `BackupCatalog.fileName` (node, time, last LSN), in the same way; an archive of that name
  /// already there is never replaced.
  ///
  /// - Throws: `notFound` when `directory` does not exist; `cannotCreate` when the name is taken.
  public static func write(
    walPath: String, intoDirectory directory: String, level: Int? = nil, toolVersion: String,
    progress: ProgressHandler? = nil, createdMilliseconds: Int64? = nil
  ) throws(SoftadastraError) -> WrittenArchive {
    guard FileSystem.isDirectory(directory) else {
      if FileSystem.exists(directory) {
        throw SoftadastraError(
          .cannotCreate, "cannot write into \(directory): it is not a directory", path: directory,
          remedy: .writeToAFile)
      }
      throw SoftadastraError(
        .notFound, "backup directory \(directory) does not exist", path: directory,
        remedy: .createDirectory(directory))
    }
    let part = "\(directory)/.softadastra-backup-\(getpid()).part"
    return try writeThroughPart(
      part, walPath: walPath, level: level, toolVersion: toolVersion, progress: progress,
      createdMilliseconds: createdMilliseconds
    ) {
      manifest throws(SoftadastraError) in
      let path =
        "\(directory)/\(BackupCatalog.fileName(nodeID: manifest.nodeID, createdMilliseconds: manifest.createdMilliseconds, lastLSN: manifest.lastLSN))"
      guard !FileSystem.exists(path) else {
        throw SoftadastraError(.cannotCreate, "\(path) already exists", path: path)
      }
      return path
    }
  }

  private static func writeThroughPart(
    _ partPath: String, walPath: String, level: Int?, toolVersion: String, progress: ProgressHandler?,
    createdMilliseconds: Int64? = nil, finalPath: (BackupManifest) throws(SoftadastraError) -> String
  ) throws(SoftadastraError) -> WrittenArchive {
    FileSystem.removeFile(partPath)
    let file = try SystemFile.createExclusive(partPath)
    defer { file.close() }
    var renamed = false
    defer { if !renamed { FileSystem.removeFile(partPath) } }
    let (manifest, lastRecordChecksum) = try writeContents(
      walPath: walPath, to: file, level: level, toolVersion: toolVersion, progress: progress,
      createdMilliseconds: createdMilliseconds)
    let path = try finalPath(manifest)
    try FileSystem.renameDurably(partPath, to: path)
    renamed = true
    return WrittenArchive(
      manifest: manifest, path: path, size: try file.size(), lastRecordChecksum: lastRecordChecksum)
  }

  /// Writes an archive of the node whose live WAL is `walPath` into `file` (from offset 0) and
  /// syncs it: a snapshot of the state at the newest snapshot's LSN and every record after it,
  /// up to the last complete record or batch when the backup started.
  ///
  /// It takes no lock: snapshots never change once written, and a reader sees only complete
  /// records of a log another process appends to. So a writer is never blocked, and the archive
  /// holds an exact LSN, never a half-applied batch.
  ///
  /// - Parameters:
  ///   - level: the zlib level; nil copies the snapshot's compressed blocks as they are, with its
  ///     dictionary, under a new index (fast; a snapshot of a format version before 7 is written
  ///     anew in version 7) and compresses the rest at zlib's default level.
  ///   - createdMilliseconds: the creation time to record (now by default; fixed for the
  ///     format's test vector).
  package static func write(
    walPath: String, to file: SystemFile, level: Int? = nil, toolVersion: String,
    progress: ProgressHandler? = nil, createdMilliseconds: Int64? = nil
  ) throws(SoftadastraError) -> BackupManifest {
    try writeContents(
      walPath: walPath, to: file, level: level, toolVersion: toolVersion, progress: progress,
      createdMilliseconds: createdMilliseconds
    ).manifest
  }

  /// `write(walPath:to:…)`, also returning the CRC of the last record in the node's log.
  private static func writeContents(
    walPath: String, to file: SystemFile, level requestedLevel: Int?, toolVersion: String,
    progress: ProgressHandler?, createdMilliseconds: Int64?
  ) throws(SoftadastraError) -> (manifest: BackupManifest, lastRecordChecksum: UInt32) {
    let level = requestedLevel ?? Zlib.defaultLevel
    try Zlib.checkLevel(level)
    // Taken before the node is read: every record committed before this time is in the archive
    // (what a restore from continuous archiving to a time relies on).
    let created = createdMilliseconds ?? Int64(HybridTimestamp.wallClockMilliseconds())
    let node = try NodeRecovery.recover(walPath: walPath, keepingRecords: true, checkingBlocks: true)
    let nodeID = node.summary.header.nodeID
    let source = node.state.snapshot
    let snapshotLSN = source?.header.lsn ?? 0
    let walHeader = WALHeader(
      nodeID: nodeID, createdMilliseconds: created, firstLSN: snapshotLSN + 1, continuesSnapshot: snapshotLSN > 0)
    var walBytes = walHeader.encoded()
    var seed = walHeader.checksum
    for record in node.records { seed = RecordEncoder.append(record, seed: seed, to: &walBytes) }
    let total = (source?.readers.reduce(0) { $0 + $1.rawBytes } ?? 0) + UInt64(walBytes.count)
    var done: UInt64 = 0

    var offset: UInt64 = 0
    func append(_ bytes: [UInt8]) throws(SoftadastraError) {
      try file.write(bytes, at: offset)
      offset += UInt64(bytes.count)
    }
    try append(BackupFormat.container.header())

    // The snapshot part: the state at `snapshotLSN`, compressed at `level`, bound to the WAL part;
    // written in place, its frame completed once its length is known.
    try append(ArchiveContainer.partFrame(kind: .snapshot, length: 0))
    let snapshotStart = offset
    let snapshotHeader = SnapshotHeader(
      nodeID: nodeID, createdMilliseconds: created, lsn: snapshotLSN,
      lastTimestamp: source?.header.lastTimestamp ?? HybridTimestamp(rawValue: 0),
      lastRecordChecksum: source?.header.lastRecordChecksum ?? 0, successorChecksum: walHeader.checksum,
      localOperations: source?.header.localOperations ?? 0, syncTable: source?.header.syncTable ?? [])
    // The node's blocks are copied as they are when they are what the archive would hold; a
    // snapshot of an older format, or another level, is written anew, and so is a delta merged
    // with its base (an archive holds a whole snapshot).
    let copiesBlocks = source.map { $0.base == nil && requestedLevel == nil && $0.top.header.deflatedLayout } ?? false
    let dictionary = copiesBlocks ? source!.top.dictionary : source?.dictionarySample() ?? []
    let snapshotWriter = try SnapshotWriter(
      partOf: file, at: snapshotStart, header: snapshotHeader, level: level, dictionary: dictionary)
    if let source, copiesBlocks {
      try snapshotWriter.addBlocks(of: source.top) { raw in
        done += raw
        progress?(min(done, total), total)
      }
    } else if let source {
      try NodeState(snapshot: source).forEach(includingTombstones: true) {
        (key, entry) throws(SoftadastraError) -> Bool in
        try snapshotWriter.add(key: key, entry: entry)
        done += UInt64(key.count + entry.value.count + 26)
        if snapshotWriter.entryCount % 4096 == 0 { progress?(min(done, total), total) }
        return true
      }
    }
    let snapshotSize = try snapshotWriter.finish()
    try file.write(
      ArchiveContainer.partFrame(kind: .snapshot, length: snapshotSize),
      at: snapshotStart - UInt64(ArchiveContainer.partFrameSize))
    offset += snapshotSize

    // The WAL part: one zlib stream of a WAL file holding the records after the snapshot.
    let frameOffset = offset
    try append(ArchiveContainer.partFrame(kind: .wal, length: 0))
    let walStart = offset
    var walChecksum: UInt32 = 0
    let compressor = try Zlib.Compressor(level: level) { (chunk: [UInt8]) throws(SoftadastraError) in
      walChecksum = CRC32C.extend(walChecksum, chunk)
      try append(chunk)
    }
    var position = 0
    while position < walBytes.count {
      let end = min(position + (1 << 20), walBytes.count)
      try walBytes.withUnsafeBytes { buffer in
        Result { () throws(SoftadastraError) in
          try compressor.update(UnsafeRawBufferPointer(rebasing: buffer[position..<end]))
        }
      }.get()
      done += UInt64(end - position)
      progress?(min(done, total), total)
      position = end
    }
    try compressor.finish()
    try file.write(ArchiveContainer.partFrame(kind: .wal, length: offset - walStart), at: frameOffset)

    let manifest = BackupManifest(
      toolVersion: toolVersion, nodeID: nodeID, createdMilliseconds: created, snapshotLSN: snapshotLSN,
      lastLSN: node.lastLSN, snapshotMilliseconds: source?.header.lastTimestamp.milliseconds ?? 0,
      firstRecordMilliseconds: node.records.first?.timestamp.milliseconds ?? 0,
      lastRecordMilliseconds: node.records.last?.timestamp.milliseconds ?? 0,
      keyCount: UInt64(try node.state.count()), level: UInt8(level),
      parts: [
        BackupPart(
          kind: .snapshot, offset: snapshotStart, length: snapshotSize, rawLength: snapshotSize,
          checksum: snapshotWriter.checksum),
        BackupPart(
          kind: .wal, offset: walStart, length: offset - walStart, rawLength: UInt64(walBytes.count),
          checksum: walChecksum),
      ])
    let manifestBytes = manifest.encoded()
    try append(manifestBytes)
    try append(BackupFormat.container.trailer(manifest: manifestBytes))
    try file.truncate(to: offset)
    try file.sync()
    progress?(total, total)
    return (manifest, node.recordChecksums.last ?? source?.header.lastRecordChecksum ?? 0)
  }

  /// Copies `size` bytes of `source` from offset `start` into `destination` at `offset`;
  /// returns their CRC-32C.
  static func copy(
    _ source: SystemFile, range start: UInt64, size: UInt64, to destination: SystemFile, at offset: UInt64 = 0,
    progress: ((_ done: UInt64) -> Void)? = nil
  ) throws(SoftadastraError) -> UInt32 {
    var checksum: UInt32 = 0
    var done: UInt64 = 0
    while done < size {
      let chunk = try source.read(count: Int(min(1 << 20, size - done)), at: start + done)
      guard !chunk.isEmpty else {
        throw SoftadastraError(.io, "\(source.path) ended after \(done) of \(size) bytes", path: source.path)
      }
      checksum = CRC32C.extend(checksum, chunk)
      try destination.write(chunk, at: offset + done)
      done += UInt64(chunk.count)
      progress?(done)
    }
    return checksum
  }
}
