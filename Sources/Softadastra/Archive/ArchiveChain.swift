@_spi(Storage) import SoftadastraWAL

/// A base and the segments that continue it, fetched from an `ArchiveLocation` and checked:
/// what a restore from continuous archiving puts back (`Restore.run(archive:…)`).
///
/// `init` picks the newest base the target is not before, then follows the segments that
/// continue it (each names the base by its manifest checksum and the record before it by its
/// CRC) up to the target, fetching each into a scratch directory. It refuses a chain with a hole
/// (a segment of the chain exists past where the chain stops), two segments that both continue
/// it from one LSN, and a target past the chain's end. `extract(into:)` checks every segment
/// whole before the target is touched.
public final class ArchiveChain: RestoreSource {
  public let base: BackupArchive
  public let baseName: String
  /// The segments, in order, with the names they were fetched by.
  public let segments: [(name: String, segment: ArchiveSegment)]
  public let location: String
  private let scratch: String

  public var manifest: BackupManifest { base.manifest }
  public var lastLSN: UInt64 { segments.last?.segment.manifest.lastLSN ?? base.manifest.lastLSN }
  public var keyCountAtEnd: UInt64? { segments.isEmpty ? base.manifest.keyCount : nil }
  /// The time of the last record the chain holds (ms since the Unix epoch).
  public var lastRecordMilliseconds: UInt64 {
    segments.last?.segment.manifest.lastRecordMilliseconds ?? base.manifest.lastRecordMilliseconds
  }

  /// Finds and fetches the chain that restores `nodeID` (nil: the one node `location` holds) to
  /// `target` (empty: its last record).
  ///
  /// - Throws: `notFound` when no base is there; `invalidArgument` when several nodes are there
  ///   and none was named, or the target is outside every chain; `corrupt` for a chain with a
  ///   hole, an overlap or a damaged file.
  public init(
    location: any ArchiveLocation, nodeID: String?, target: ReplayTarget = ReplayTarget(),
    scratchParent: String? = nil
  ) throws(SoftadastraError) {
    let parsed = try location.names().compactMap { name in ArchiveNames.parse(name).map { (name, $0) } }
    let nodes = Set(parsed.map(\.1.nodeID))
    guard let node = nodeID ?? nodes.first else {
      throw SoftadastraError(
        .notFound,
        "\(location.description) holds no archive chain (no *\(ArchiveNames.baseSuffix) base, no *\(SegmentFormat.fileExtension) segment)"
      )
    }
    if nodeID == nil, nodes.count > 1 {
      throw SoftadastraError(
        .invalidArgument,
        "\(location.description) holds the archives of several nodes (\(nodes.sorted().joined(separator: ", "))); say which node's to restore"
      )
    }
    let scratch = try FileSystem.makeTemporaryDirectory(
      in: scratchParent ?? FileSystem.temporaryDirectory, prefix: ".softadastra-chain-")
    do throws(SoftadastraError) {
      var bases: [(name: String, lastLSN: UInt64, time: String)] = []
      var segmentNames: [(name: String, first: UInt64, last: UInt64)] = []
      for (name, what) in parsed where what.nodeID == node {
        switch what {
        case .base(_, let lastLSN, let time): bases.append((name, lastLSN, time))
        case .segment(_, let first, let last): segmentNames.append((name, first, last))
        }
      }
      guard !bases.isEmpty else {
        throw SoftadastraError(.notFound, "no archive base of node \(node) in \(location.description)")
      }
      // Newest first: after a restore of the node, its latest history is the one restored.
      bases.sort { ($0.time, $0.lastLSN, $0.name) > ($1.time, $1.lastLSN, $1.name) }
      var fetched: [String: ArchiveSegment] = [:]
      func open(_ name: String) throws(SoftadastraError) -> ArchiveSegment {
        if let segment = fetched[name] { return segment }
        let path = "\(scratch)/\(name)"
        try location.fetch(name, to: path)
        let segment = try ArchiveSegment(path: path, name: name)
        guard segment.manifest.fileName == name else {
          throw SoftadastraError(
            .corrupt, "archive segment \(name) holds \(segment.manifest.fileName): it was renamed", path: path)
        }
        fetched[name] = segment
        return segment
      }
      // The newest base the target is not before; its chain must reach the target.
      var chosen: (name: String, archive: BackupArchive, segments: [(name: String, segment: ArchiveSegment)])?
      var firstRefusal: SoftadastraError?
      // Names say the second a base was made; within one second, their manifests say the millisecond.
      var remaining = bases[...]
      search: while let time = remaining.first?.time {
        var group: [(name: String, archive: BackupArchive)] = []
        while let base = remaining.first, base.time == time {
          remaining = remaining.dropFirst()
          let path = "\(scratch)/\(base.name)"
          try location.fetch(base.name, to: path)
          let archive = try BackupArchive(path: path, name: base.name)
          try ArchiveNames.checkName(of: archive, base.name)
          group.append((base.name, archive))
        }
        group.sort {
          ($0.archive.manifest.createdMilliseconds, $0.archive.manifest.lastLSN)
            > ($1.archive.manifest.createdMilliseconds, $1.archive.manifest.lastLSN)
        }
        for (name, archive) in group {
          do throws(SoftadastraError) {
            try Restore.check(target, against: archive.manifest, lastLSN: WALFormat.maxLSN)
          } catch {
            firstRefusal = firstRefusal ?? error
            continue
          }
          let (segments, reached) = try Self.follow(
            archive, named: name, through: segmentNames, target: target, open: open)
          // An older chain that stops before the target, when a newer one starts after it, does
          // not hold the node's state then (it may be another history's): refuse.
          if !reached, firstRefusal != nil {
            throw SoftadastraError(
              .invalidArgument,
              "the archive does not hold the node's state at the target: the newest chain that starts before it, from \(name), ends first (\(firstRefusal!.message))"
            )
          }
          chosen = (name, archive, segments)
          break search
        }
      }
      guard let chosen else {
        throw firstRefusal ?? SoftadastraError(.notFound, "no archive base of node \(node) fits the target")
      }
      let base = chosen.archive
      let segments = chosen.segments
      self.base = base
      self.baseName = chosen.name
      self.segments = segments
      self.location = location.description
      self.scratch = scratch
      for (name, segment) in fetched where !segments.contains(where: { $0.name == name }) {
        FileSystem.removeFile(segment.path)
      }
      for base in bases where base.name != chosen.name { FileSystem.removeFile("\(scratch)/\(base.name)") }
    } catch {
      FileSystem.removeFlatDirectory(scratch)
      throw error
    }
  }

  deinit { FileSystem.removeFlatDirectory(scratch) }

  /// The segments that continue `base` up to `target`, in order, and whether they reach it (a
  /// record past it, or its LSN).
  ///
  /// - Throws: `corrupt` for a hole (a segment of the chain past where it stops, when the target
  ///   is not reached), an overlap or two continuations at one LSN; `invalidArgument` when the
  ///   chain stops before the target LSN.
  private static func follow(
    _ base: BackupArchive, named baseName: String, through segmentNames: [(name: String, first: UInt64, last: UInt64)],
    target: ReplayTarget, open: (String) throws(SoftadastraError) -> ArchiveSegment
  ) throws(SoftadastraError) -> (segments: [(name: String, segment: ArchiveSegment)], reached: Bool) {
    func continuesBase(_ manifest: SegmentManifest) -> Bool {
      manifest.baseLSN == base.manifest.lastLSN && manifest.baseChecksum == base.manifestChecksum
    }
    let byFirst = Dictionary(grouping: segmentNames, by: \.first)
    var segments: [(name: String, segment: ArchiveSegment)] = []
    var end = base.manifest.lastLSN
    var lastTime = base.manifest.lastRecordMilliseconds
    var previousChecksum: UInt32?
    var reached = false
    while true {
      if let lsn = target.lsn, end >= lsn { reached = true }
      if let time = target.milliseconds, lastTime > time { reached = true }
      if reached { break }
      var next: [(name: String, segment: ArchiveSegment)] = []
      for candidate in byFirst[end + 1] ?? [] {
        let segment = try open(candidate.name)
        if continuesBase(segment.manifest) { next.append((candidate.name, segment)) }
      }
      guard next.count <= 1 else {
        throw SoftadastraError(
          .corrupt,
          "archive segments \(next[0].name) and \(next[1].name) both continue the chain at LSN \(end + 1): one is a stray copy; remove it"
        )
      }
      guard let found = next.first else { break }
      if let previousChecksum, found.segment.manifest.previousChecksum != previousChecksum {
        throw SoftadastraError(
          .corrupt,
          "archive segment \(found.name) does not continue the segment before it (its previous record's CRC differs)")
      }
      previousChecksum = found.segment.manifest.lastChecksum
      segments.append(found)
      end = found.segment.manifest.lastLSN
      lastTime = found.segment.manifest.lastRecordMilliseconds
    }
    // Another segment of this chain within what was followed overlaps it; one past where it stops,
    // when the target is not reached, is a hole: either way the chain cannot be trusted to the target.
    let used = Set(segments.map(\.name))
    for candidate in segmentNames where candidate.first > base.manifest.lastLSN && !used.contains(candidate.name) {
      guard candidate.first <= end || !reached else { continue }
      let segment = try open(candidate.name)
      guard continuesBase(segment.manifest) else { continue }
      throw SoftadastraError(
        .corrupt,
        candidate.first > end + 1
          ? "the archive chain from \(baseName) stops at LSN \(end): the segment(s) for LSN \(end + 1) to \(candidate.first - 1) are missing before \(candidate.name)"
          : "archive segment \(candidate.name) overlaps the chain from \(baseName), which reaches LSN \(end)")
    }
    if let lsn = target.lsn, !reached, !(target.exclusive && end + 1 == lsn) {
      throw SoftadastraError(
        .invalidArgument,
        "LSN \(lsn) is past the archive: the chain from \(baseName) holds LSN \(base.manifest.snapshotLSN) to \(end)")
    }
    return (segments, reached || (target.exclusive && target.lsn == end + 1))
  }

  /// Extracts the base into `directory`, then appends every segment's records to its WAL,
  /// re-chained; each segment is checked whole first.
  public func extract(into directory: String, progress: ((RestoreStage) -> Void)?) throws(SoftadastraError)
    -> BackupArchive.Extracted
  {
    let extracted = try base.extract(into: directory, progress: progress)
    guard !segments.isEmpty else { return extracted }
    var log = try WALScanner(path: extracted.walPath, materialize: false)
    while try log.next() != nil {}
    let tail = log.tail
    let file = try SystemFile.openForUpdate(extracted.walPath)
    defer { file.close() }
    var offset = tail.offset
    var seed = tail.checksum
    var expected = tail.nextLSN
    var buffer: [UInt8] = []
    func flush() throws(SoftadastraError) {
      try file.write(buffer, at: offset)
      offset += UInt64(buffer.count)
      buffer.removeAll(keepingCapacity: true)
    }
    for (name, segment) in segments {
      progress?(.checking)
      guard segment.manifest.firstLSN == expected else {
        throw SoftadastraError(.corrupt, "archive segment \(name) does not start at LSN \(expected)")
      }
      try segment.forEachRecord(scratchDirectory: scratch) { scanned throws(SoftadastraError) in
        seed = RecordEncoder.append(scanned.record, seed: seed, to: &buffer)
        if buffer.count >= 4 << 20 { try flush() }
      }
      expected = segment.manifest.lastLSN + 1
    }
    try flush()
    try file.truncate(to: offset)
    try file.sync()
    return extracted
  }
}
