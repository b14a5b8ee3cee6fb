@_spi(Storage) import SoftadastraWAL

#if canImport(Glibc)
  import Glibc
#endif

/// Ships a node's committed records to a destination as they are written: continuous archiving
/// (docs/archive-format.md, `softadastra archive`).
///
/// Each `ship()` stores every whole record committed since the last one as one or more
/// segments, and a new base (a backup archive) when none exists for the destination, when the
/// one there is due (`Options.baseEveryBytes`, `baseEveryMilliseconds`), or when the node's
/// history no longer continues the chain (it was restored). It takes no writer lock: it reads
/// the node's files as any reader does. The state (`ArchiveState`) is saved durably after each
/// file the destination stored, and a segment is recorded before it is shipped, so a restarted
/// archiver goes on where the destination's files end and ships a segment it was shipping again
/// byte for byte, under the same name.
///
/// One archiver per node: it holds an open-file-description lock on byte 3 of `<wal>.lock` for
/// its life.
public final class Archiver {
  public struct Options: Sendable {
    /// The zlib level of segments and bases.
    public var level: Int
    /// A new base once this many bytes of records were shipped since the last.
    public var baseEveryBytes: UInt64
    /// A new base once the last is this old, when records were shipped since.
    public var baseEveryMilliseconds: UInt64
    /// A segment holds at most about this many bytes of records (whole batches: more when one
    /// batch is larger).
    public var segmentBytes: UInt64
    public var toolVersion: String

    public init(
      level: Int = 6, baseEveryBytes: UInt64 = 1 << 30, baseEveryMilliseconds: UInt64 = 86_400_000,
      segmentBytes: UInt64 = 16 << 20, toolVersion: String
    ) {
      self.level = level
      self.baseEveryBytes = baseEveryBytes
      self.baseEveryMilliseconds = baseEveryMilliseconds
      self.segmentBytes = segmentBytes
      self.toolVersion = toolVersion
    }
  }

  /// A file the destination stored.
  public struct Shipped: Sendable, Equatable {
    public enum Kind: String, Sendable { case base, segment }
    public var kind: Kind
    public var name: String
    /// The records it holds: a base, the state up to `lastLSN` (`firstLSN` is 0).
    public var firstLSN: UInt64
    public var lastLSN: UInt64
    public var bytes: UInt64
  }

  public let walPath: String
  public let destination: any ArchiveDestination
  public let options: Options
  /// Told why a new chain starts when the node's history moved on.
  public var onNewChain: ((String) -> Void)?
  private let files: NodeFiles
  private let lock: CheckpointLock
  private let scratch: String
  /// Where the last reading of the node's log stopped: the next starts there.
  private var resume: ArchiveSource.Resume?

  /// Takes the node's archiver lock.
  ///
  /// - Throws: `lockTimeout` when another process archives the node.
  public init(walPath: String, destination: any ArchiveDestination, options: Options) throws(SoftadastraError) {
    try Zlib.checkLevel(options.level)
    files = NodeFiles(walPath: walPath)
    guard FileSystem.exists(files.walPath) else {
      throw SoftadastraError(.notFound, "no WAL at \(files.walPath)", path: files.walPath)
    }
    guard let lock = try CheckpointLock.tryAcquire(walPath: files.walPath, role: .archiver) else {
      throw SoftadastraError(
        .lockTimeout, "another process is archiving \(files.walPath); one archiver per node",
        path: WriterLock.lockPath(forWAL: files.walPath))
    }
    self.lock = lock
    self.walPath = files.walPath
    self.destination = destination
    self.options = options
    scratch = try FileSystem.makeTemporaryDirectory(in: FileSystem.temporaryDirectory, prefix: ".softadastra-archive-")
  }

  deinit {
    FileSystem.removeFlatDirectory(scratch)
    lock.release()
  }

  /// The archiving state as last saved.
  public func state() throws(SoftadastraError) -> ArchiveState? { try ArchiveState.load(walPath: walPath) }

  /// Ships what is new; returns the files stored, in order.
  ///
  /// - Throws: what storing failed with (the state counts the failure, and the next call ships
  ///   the same file again); `corrupt` when the node's log is damaged.
  public func ship() throws(SoftadastraError) -> [Shipped] {
    var shipped: [Shipped] = []
    let loaded = try ArchiveState.load(walPath: walPath)
    guard var state = loaded, state.destination == destination.identity else {
      _ = try shipBase(after: loaded, into: &shipped)
      return try shipped + ship()
    }
    // Every record first, then a base when one is due: a base never stands in for records that
    // were not shipped (a restore between the two would lack them).
    while true {
      let pending = state.pending
      let outcome: Written
      if let pending, let segment = try? ArchiveSegment(path: pendingPath),
        segment.manifest.firstLSN == pending.firstLSN,
        segment.manifest.lastLSN == pending.lastLSN, segment.manifest.lastChecksum == pending.lastChecksum,
        (try? segment.partIsSound()) == true
      {
        outcome = .written(segment.manifest, full: true)
      } else {
        let created = pending?.createdMilliseconds ?? Int64(HybridTimestamp.wallClockMilliseconds())
        let level = pending.map { Int($0.level) } ?? options.level
        outcome = try writeSegment(after: state, createdMilliseconds: created, level: level, through: pending)
      }
      switch outcome {
      case .nothing:
        if isBaseDue(state) { state = try shipBase(after: state, into: &shipped) }
        return shipped
      case .movedOn(let reason):
        onNewChain?(reason)
        state = try shipBase(after: state, into: &shipped)
      case .written(let manifest, let full):
        if pending == nil {
          state.pending = ArchiveState.Pending(
            firstLSN: manifest.firstLSN, lastLSN: manifest.lastLSN, lastChecksum: manifest.lastChecksum,
            createdMilliseconds: manifest.createdMilliseconds, level: manifest.level)
          try state.save(walPath: walPath)
        }
        let size = try store(pendingPath, as: manifest.fileName, state: &state)
        state.pending = nil
        state.shippedLSN = manifest.lastLSN
        state.shippedChecksum = manifest.lastChecksum
        state.bytesSinceBase += manifest.part.rawLength
        state.segments += 1
        state.shippedBytes += size
        try state.save(walPath: walPath)
        FileSystem.removeFile(pendingPath)
        shipped.append(
          Shipped(
            kind: .segment, name: manifest.fileName, firstLSN: manifest.firstLSN, lastLSN: manifest.lastLSN,
            bytes: size))
        if !full, pending == nil {
          if isBaseDue(state) { state = try shipBase(after: state, into: &shipped) }
          return shipped
        }
      }
    }
  }

  /// The segment being shipped, kept beside the node until the destination has it, so that a
  /// restarted archiver ships the very same bytes: `<base>.archive-segment`.
  private var pendingPath: String { files.archivingFiles[1] }

  private func isBaseDue(_ state: ArchiveState) -> Bool {
    guard state.shippedLSN > state.baseLSN else { return false }
    let age = Int64(HybridTimestamp.wallClockMilliseconds()) - state.baseMilliseconds
    return state.bytesSinceBase >= options.baseEveryBytes || age >= Int64(clamping: options.baseEveryMilliseconds)
  }

  /// Stores a file, counting a failure in the state (saved).
  private func store(_ path: String, as name: String, state: inout ArchiveState) throws(SoftadastraError) -> UInt64 {
    let size = try SystemFile.openForReading(path).size()
    do throws(SoftadastraError) {
      try destination.store(path, as: name)
    } catch {
      state.failures += 1
      state.lastError = error.message
      try? state.save(walPath: walPath)
      throw error
    }
    state.failures = 0
    state.lastError = ""
    state.lastShippedMilliseconds = Int64(HybridTimestamp.wallClockMilliseconds())
    return size
  }

  /// Writes a base of the node as it is now and stores it; returns the state of its new chain.
  /// A failure is counted in `previous` (saved) when there is one.
  private func shipBase(after previous: ArchiveState?, into shipped: inout [Shipped]) throws(SoftadastraError)
    -> ArchiveState
  {
    let path = "\(scratch)/base"
    FileSystem.removeFile(path)
    defer { FileSystem.removeFile(path) }
    if previous?.destination != destination.identity {
      // No chain here yet: until the base is stored, a state that matches no destination keeps
      // checkpoints from removing any sealed log (a busy node would otherwise move on from the
      // base before its chain starts).
      var holding =
        previous
        ?? ArchiveState(
          destination: "", baseLSN: 0, baseChecksum: 0, baseMilliseconds: 0, shippedLSN: 0, shippedChecksum: 0,
          bytesSinceBase: 0, pending: nil, segments: 0, bases: 0, shippedBytes: 0, lastShippedMilliseconds: 0,
          failures: 0, lastError: "")
      holding.destination = ""
      holding.shippedLSN = 0
      holding.shippedChecksum = 0
      holding.pending = nil
      try holding.save(walPath: walPath)
    }
    let written = try BackupWriter.write(
      walPath: walPath, toPath: path, level: options.level, toolVersion: options.toolVersion)
    let manifest = written.manifest
    let checksum = try BackupArchive(path: path).manifestChecksum
    let name = ArchiveNames.baseName(
      nodeID: manifest.nodeID, lastLSN: manifest.lastLSN, createdMilliseconds: manifest.createdMilliseconds,
      checksum: checksum)
    let size: UInt64
    if var previous, previous.destination == destination.identity {
      size = try store(path, as: name, state: &previous)
    } else {
      // No chain here yet: a failure is reported, not counted against another destination's.
      size = try SystemFile.openForReading(path).size()
      try destination.store(path, as: name)
    }
    let state = ArchiveState(
      destination: destination.identity, baseLSN: manifest.lastLSN, baseChecksum: checksum,
      baseMilliseconds: manifest.createdMilliseconds, shippedLSN: manifest.lastLSN,
      shippedChecksum: written.lastRecordChecksum, bytesSinceBase: 0, pending: nil,
      segments: previous?.segments ?? 0, bases: (previous?.bases ?? 0) + 1,
      shippedBytes: (previous?.shippedBytes ?? 0) + size,
      lastShippedMilliseconds: Int64(HybridTimestamp.wallClockMilliseconds()), failures: 0, lastError: "")
    try state.save(walPath: walPath)
    FileSystem.removeFile(pendingPath)
    shipped.append(Shipped(kind: .base, name: name, firstLSN: 0, lastLSN: manifest.lastLSN, bytes: size))
    return state
  }

  private enum Written {
    case nothing
    case movedOn(String)
    /// A segment at `pendingPath`, synced; `full` when it stopped at the size limit (more may follow).
    case written(SegmentManifest, full: Bool)
  }

  /// Writes the records after the state's last shipped one into a segment in the scratch
  /// directory: up to `through` exactly (a pending segment written again), else up to the size
  /// limit or the node's last committed record.
  private func writeSegment(
    after state: ArchiveState, createdMilliseconds: Int64, level: Int, through: ArchiveState.Pending?,
    lookedAgain: Bool = false
  ) throws(SoftadastraError) -> Written {
    let path = pendingPath + ".tmp"
    FileSystem.removeFile(path)
    let file = try SystemFile.createExclusive(path)
    defer { file.close() }
    var renamed = false
    defer { if !renamed { FileSystem.removeFile(path) } }
    var writer: SegmentWriter?
    var full = false
    let outcome: ArchiveSource.Outcome
    do throws(SoftadastraError) {
      outcome = try ArchiveSource.read(
        files, after: state.shippedLSN, checksum: state.shippedChecksum, resuming: resume
      ) { scanned throws(SoftadastraError) -> Bool in
        let record = scanned.record
        if writer == nil {
          writer = try SegmentWriter(
            file: file, nodeID: try nodeID(), firstLSN: record.lsn, createdMilliseconds: createdMilliseconds,
            level: level)
        }
        try writer!.add(record, checksum: scanned.checksum)
        guard !record.batch.continues else { return true }
        if let through { return writer!.lastLSN < through.lastLSN }
        full = writer!.recordBytes >= options.segmentBytes
        return !full
      }
    } catch {
      // A file that changed under the position kept (rewritten in place): read from the start.
      guard resume != nil else { throw error }
      resume = nil
      return try writeSegment(
        after: state, createdMilliseconds: createdMilliseconds, level: level, through: through,
        lookedAgain: lookedAgain)
    }
    switch outcome {
    case .movedOn(let reason):
      // Told once more from a fresh look (a restore or a checkpoint may have been halfway through
      // moving files), then believed.
      guard !lookedAgain else { return .movedOn(reason) }
      resume = nil
      return try writeSegment(
        after: state, createdMilliseconds: createdMilliseconds, level: level, through: through, lookedAgain: true)
    case .read(let stop): resume = stop
    }
    guard let writer else {
      return through == nil ? .nothing : .movedOn("the records of the segment being shipped are gone")
    }
    if let through, writer.lastLSN != through.lastLSN || writer.lastChecksum != through.lastChecksum {
      return .movedOn("the records of the segment being shipped are no longer the same")
    }
    let manifest = try writer.finish(
      toolVersion: options.toolVersion, baseLSN: state.baseLSN, baseChecksum: state.baseChecksum,
      previousChecksum: state.shippedChecksum)
    try FileSystem.renameDurably(path, to: pendingPath)
    renamed = true
    return .written(manifest, full: full)
  }

  private func nodeID() throws(SoftadastraError) -> String {
    try WALScanner(path: walPath, materialize: false).header.nodeID
  }
}
