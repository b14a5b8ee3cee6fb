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
    let nodes = Set(parsed.map(\.1.nodeID)).sorted()
    let node: String
    if let nodeID {
      guard nodes.contains(nodeID) else {
        throw SoftadastraError(
          .notFound,
          "\(location.description) holds no archive chain of node \(nodeID)\(nodes.isEmpty ? "" : " (it holds \(nodes.joined(separator: ", ")))")"
        )
      }
      node = nodeID
    } else {
      guard let only = nodes.first else {
        throw SoftadastraError(
          .notFound,
          "\(location.description) holds no archive chain (no *\(ArchiveNames.baseSuffix) base, no *\(SegmentFormat.fileExtension) segment)"
        )
      }
      guard nodes.count == 1 else {
        throw SoftadastraError(
          .invalidArgument, "\(location.description) holds the archives of several nodes",
          remedy: .chooseArchivedNode(nodes))
      }
      node = only
    }
    let scratch = try FileSystem.makeTemporaryDirectory(
      in: scratchParent ?? FileSystem.temporaryDirectory, prefix: ".softadastra-chain-")
    do throws(SoftadastraError) {
      var bases: [(name: String, time: String, checksum: UInt32)] = []
      var segmentNames: [SegmentName] = []
      for (name, what) in parsed where what.nodeID == node {
        switch what {
        case .base(_, _, let time, let checksum): bases.append((name, time, checksum))
        case .segment(_, let first, let last, let chain):
          segmentNames.append(SegmentName(name: name, first: first, last: last, chain: chain))
        }
      }
      guard !bases.isEmpty else {
        throw SoftadastraError(.notFound, "no archive base of node \(node) in \(location.description)")
      }
      var fetched: [String: ArchiveSegment] = [:]
      func open(_ name: String) throws(SoftadastraError) -> ArchiveSegment {
        if let segment = fetched[name] { return segment }
        let path = "\(scratch)/\(name)"
        try location.fetch(name, to: path)
        let segment = try ArchiveSegment(path: path, name: name)
        guard segment.manifest.fileName == name else {
          throw SoftadastraError(
            .corrupt,
            "archive segment \(name) holds \(segment.manifest.fileName): it was renamed or copied; remove it",
            path: path)
        }
        fetched[name] = segment
        return segment
      }
      func fetchBase(_ name: String) throws(SoftadastraError) -> BackupArchive {
        let path = "\(scratch)/\(name)"
        if !FileSystem.exists(path) { try location.fetch(name, to: path) }
        let archive = try BackupArchive(path: path, name: name)
        try ArchiveNames.checkName(of: archive, name)
        return archive
      }
      var chosen: (name: String, archive: BackupArchive, segments: [(name: String, segment: ArchiveSegment)])?
      var earliestStart: BackupManifest?
      // When each chain was last extended: its last segment's making (read from that segment), or
      // its base's (the second its name gives). The chain extended last is the node's current
      // history, even beside a base that was stored but never recorded as the chain's (a store
      // that timed out after the bytes arrived): that one is never extended.
      var lastMade: [String: UInt64] = [:]
      var alone: [String] = []
      for base in bases {
        let baseMade = (ArchiveNames.milliseconds(ofCompactTime: base.time) ?? 0) + 999
        if let last = segmentNames.filter({ $0.chain == base.checksum }).max(by: { $0.last < $1.last }) {
          lastMade[base.name] = max(baseMade, UInt64(max(0, try open(last.name).manifest.createdMilliseconds)))
        } else {
          lastMade[base.name] = baseMade
          alone.append(base.name)
        }
      }
      // A base alone is known to the second by its name: when that does not settle which chain was
      // extended last, its manifest says the millisecond.
      for name in alone
      where lastMade.contains(where: { $0.key != name && $0.value.distance(to: lastMade[name]!).magnitude < 1000 }) {
        lastMade[name] = UInt64(max(0, try fetchBase(name).manifest.createdMilliseconds))
      }
      let byActivity = bases.sorted { (lastMade[$0.name]!, $0.time, $0.name) > (lastMade[$1.name]!, $1.time, $1.name) }
      let current = byActivity[0].name
      // The order bases are tried in. For a time: the bases made at or before it, the one extended
      // last first (the chain that was current then), then those made after it, oldest first;
      // otherwise the one extended last first.
      var before = byActivity[...]
      var after: ArraySlice<(name: String, time: String, checksum: UInt32)> = []
      if let time = target.milliseconds {
        let moment = ISO8601.compactString(milliseconds: time)
        before = byActivity.filter { $0.time <= moment }[...]
        after = byActivity.filter { $0.time > moment }.sorted { ($0.time, $0.name) < ($1.time, $1.name) }[...]
      }
      var deferred: [(name: String, archive: BackupArchive)] = []
      func next() throws(SoftadastraError) -> (name: String, archive: BackupArchive)? {
        while let base = before.popFirst() {
          let archive = try fetchBase(base.name)
          // Made in the target's second but after it: among those made after it.
          if let time = target.milliseconds, UInt64(max(0, archive.manifest.createdMilliseconds)) > time {
            deferred.append((base.name, archive))
            continue
          }
          return (base.name, archive)
        }
        if !deferred.isEmpty {
          deferred.sort { $0.archive.manifest.createdMilliseconds < $1.archive.manifest.createdMilliseconds }
          return deferred.removeFirst()
        }
        guard let base = after.popFirst() else { return nil }
        return (base.name, try fetchBase(base.name))
      }
      /// The base made first after the target time, when there is one.
      func nextBaseAfterTarget() throws(SoftadastraError) -> BackupArchive? {
        if let first = deferred.first { return first.archive }
        guard let base = after.first else { return nil }
        return try fetchBase(base.name)
      }
      while let (name, archive) = try next() {
        guard Self.startsBefore(target, archive.manifest) else {
          if earliestStart.map({ archive.manifest.snapshotLSN < $0.snapshotLSN }) ?? true {
            earliestStart = archive.manifest
          }
          continue
        }
        let followed = try Self.follow(archive, named: name, through: segmentNames, target: target, open: open)
        // The first base that fits is the chain that was current at the target. When it stops
        // before a target time and another chain was extended later, the node's state then is in
        // this chain only if the next base, made after the time, holds exactly its end (nothing
        // was written in between); else it is in neither (the other may be another history's).
        if let time = target.milliseconds, !followed.reached, name != current {
          guard let nextBase = try nextBaseAfterTarget(),
            UInt64(max(0, nextBase.manifest.createdMilliseconds)) > time, nextBase.manifest.lastLSN == followed.end,
            nextBase.manifest.lastRecordMilliseconds == followed.lastRecord
          else {
            throw SoftadastraError(
              .invalidArgument,
              "the archive does not hold node \(node)'s state at \(Self.describe(target)): the chain that was current then, from \(name), ends before it"
            )
          }
        }
        chosen = (name, archive, followed.segments)
        break
      }
      guard let chosen else {
        let start =
          earliestStart.map {
            " (the earliest starts at LSN \($0.snapshotLSN)\($0.snapshotLSN > 0 ? ", \(ISO8601.string(milliseconds: $0.snapshotMilliseconds))" : ""))"
          } ?? ""
        throw SoftadastraError(
          .invalidArgument,
          "\(Self.describe(target)) is before every archive chain of node \(node) in \(location.description)\(start)")
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

  /// A segment as its name describes it.
  struct SegmentName {
    var name: String
    var first: UInt64
    var last: UInt64
    /// The checksum of the base it continues.
    var chain: UInt32
  }

  /// Whether a base's state is at or before the target: its snapshot's LSN, or its time.
  private static func startsBefore(_ target: ReplayTarget, _ manifest: BackupManifest) -> Bool {
    if let lsn = target.lsn, lsn < manifest.snapshotLSN + (target.exclusive ? 1 : 0) { return false }
    if let time = target.milliseconds, manifest.snapshotLSN > 0, time < manifest.snapshotMilliseconds { return false }
    return true
  }

  private static func describe(_ target: ReplayTarget) -> String {
    [target.lsn.map { "LSN \($0)" }, target.milliseconds.map { ISO8601.string(milliseconds: $0) }]
      .compactMap { $0 }.joined(separator: " and ")
  }

  deinit { FileSystem.removeFlatDirectory(scratch) }

  /// The segments that continue `base` up to `target`, in order, and whether they reach it (a
  /// record past it, or its LSN).
  ///
  /// - Throws: `corrupt` for a hole (a segment of the chain past where it stops, when the target
  ///   is not reached), an overlap or two continuations at one LSN; `invalidArgument` when the
  ///   chain stops before the target LSN.
  private static func follow(
    _ base: BackupArchive, named baseName: String, through segmentNames: [SegmentName], target: ReplayTarget,
    open: (String) throws(SoftadastraError) -> ArchiveSegment
  ) throws(SoftadastraError) -> (
    segments: [(name: String, segment: ArchiveSegment)], reached: Bool, end: UInt64, lastRecord: UInt64
  ) {
    func continuesBase(_ manifest: SegmentManifest) -> Bool {
      manifest.baseLSN == base.manifest.lastLSN && manifest.baseChecksum == base.manifestChecksum
    }
    // Only the segments that name this base (by its checksum) can continue it.
    let own = segmentNames.filter { $0.chain == base.manifestChecksum }.sorted {
      ($0.first, $0.last) < ($1.first, $1.last)
    }
    let byFirst = Dictionary(grouping: own, by: \.first)
    var segments: [(name: String, segment: ArchiveSegment)] = []
    var end = base.manifest.lastLSN
    // A chain covers the node's history to its last record's time; a base alone, to when it was
    // made too (its time is taken before the node is read, so every record committed before it is
    // in it). A segment's making says less: a full one stops before the records committed then.
    var lastRecord = base.manifest.lastRecordMilliseconds
    let baseMade = UInt64(max(0, base.manifest.createdMilliseconds))
    var previousChecksum: UInt32?
    var reached = false
    while true {
      if let lsn = target.lsn, end + (target.exclusive ? 1 : 0) >= lsn { reached = true }
      if let time = target.milliseconds, lastRecord >= time || (segments.isEmpty && baseMade > time) { reached = true }
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
      lastRecord = found.segment.manifest.lastRecordMilliseconds
    }
    // Another segment of this chain within what was followed overlaps it; one past where it stops,
    // when the target is not reached, is a hole: either way the chain cannot be trusted to the target.
    let used = Set(segments.map(\.name))
    for candidate in own where candidate.first > base.manifest.lastLSN && !used.contains(candidate.name) {
      guard candidate.first <= end || !reached else { continue }
      let segment = try open(candidate.name)
      guard continuesBase(segment.manifest) else { continue }
      if candidate.first > end + 1 {
        throw SoftadastraError(
          .corrupt,
          "the archive chain from \(baseName) stops at LSN \(end): the segments for LSN \(end + 1) to \(candidate.first - 1) are missing before \(candidate.name)",
          remedy: .restoreBeforeTheHole(end))
      }
      throw SoftadastraError(
        .corrupt,
        "archive segment \(candidate.name) overlaps the chain from \(baseName), which reaches LSN \(end) without it: a stray copy; remove it"
      )
    }
    if let lsn = target.lsn, !reached {
      throw SoftadastraError(
        .invalidArgument,
        "LSN \(lsn) is past the archive: the chain from \(baseName) holds LSN \(base.manifest.snapshotLSN) to \(end)")
    }
    return (segments, reached, end, lastRecord)
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
