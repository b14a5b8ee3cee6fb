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
      var bases: [(name: String, time: String)] = []
      var segmentNames: [SegmentName] = []
      for (name, what) in parsed where what.nodeID == node {
        switch what {
        case .base(_, _, let time, _): bases.append((name, time))
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
      var chosen: (name: String, archive: BackupArchive, segments: [(name: String, segment: ArchiveSegment)])?
      var earliestStart: BackupManifest?
      // Candidates in the order they are tried, fetched one second's bases at a time.
      var groups = Self.order(bases, for: target)[...]
      var ready: [(name: String, archive: BackupArchive)] = []
      var deferred: [(name: String, archive: BackupArchive)] = []
      var created: [String: Int64] = [:]
      func next() throws(SoftadastraError) -> (name: String, archive: BackupArchive)? {
        let moment = target.milliseconds.map { ISO8601.compactString(milliseconds: $0) }
        while ready.isEmpty {
          // Bases made in the target's second but after it come before those of later seconds.
          if let moment, !deferred.isEmpty, groups.first.map({ $0.time > moment }) ?? true {
            ready = deferred.sorted {
              $0.archive.manifest.createdMilliseconds < $1.archive.manifest.createdMilliseconds
            }
            deferred = []
            continue
          }
          guard let group = groups.popFirst() else { return nil }
          var archives: [(name: String, archive: BackupArchive)] = []
          for name in group.names {
            let path = "\(scratch)/\(name)"
            try location.fetch(name, to: path)
            let archive = try BackupArchive(path: path, name: name)
            try ArchiveNames.checkName(of: archive, name)
            archives.append((name, archive))
            created[name] = archive.manifest.createdMilliseconds
          }
          // Names say the second a base was made; within it, manifests say the millisecond.
          archives.sort {
            ($0.archive.manifest.createdMilliseconds, $0.archive.manifest.lastLSN)
              > ($1.archive.manifest.createdMilliseconds, $1.archive.manifest.lastLSN)
          }
          if let time = target.milliseconds, let moment {
            if group.time > moment {
              ready = archives.reversed()
            } else {
              ready = archives.filter { UInt64(max(0, $0.archive.manifest.createdMilliseconds)) <= time }
              deferred += archives.filter { UInt64(max(0, $0.archive.manifest.createdMilliseconds)) > time }
            }
          } else {
            ready = archives
          }
        }
        return ready.removeFirst()
      }
      // The newest base of all: its chain holds the node's latest history.
      let newestTime = bases.map(\.time).max()!
      let newestNames = bases.filter { $0.time == newestTime }.map(\.name)
      func isNewest(_ name: String) -> Bool {
        guard newestNames.contains(name) else { return false }
        return newestNames.allSatisfy { other in other == name || (created[other] ?? .max) <= created[name]! }
      }
      while let (name, archive) = try next() {
        guard Self.startsBefore(target, archive.manifest) else {
          if earliestStart.map({ archive.manifest.snapshotLSN < $0.snapshotLSN }) ?? true {
            earliestStart = archive.manifest
          }
          continue
        }
        let (segments, reached) = try Self.follow(
          archive, named: name, through: segmentNames, target: target, open: open)
        // The first base that fits is the chain that was current at the target. When it stops
        // before a target time and a newer chain exists, the node's state then is in neither (the
        // newer one may be another history's, after a restore): refuse.
        if target.milliseconds != nil, !reached, !isNewest(name) {
          throw SoftadastraError(
            .invalidArgument,
            "the archive does not hold node \(node)'s state at \(Self.describe(target)): the chain that was current then, from \(name), ends before it"
          )
        }
        chosen = (name, archive, segments)
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

  /// The order bases are tried in, as groups made in the same second. For a time, the bases made
  /// at or before it come first, newest first (the chain that was current then), then those made
  /// after it, oldest first; otherwise newest first (after a restore of the node, the history
  /// restored).
  private static func order(_ bases: [(name: String, time: String)], for target: ReplayTarget) -> [(
    time: String, names: [String]
  )] {
    let times = Set(bases.map(\.time))
    let ordered: [String]
    if let milliseconds = target.milliseconds {
      let moment = ISO8601.compactString(milliseconds: milliseconds)
      ordered = times.filter { $0 <= moment }.sorted(by: >) + times.filter { $0 > moment }.sorted()
    } else {
      ordered = times.sorted(by: >)
    }
    return ordered.map { time in (time, bases.filter { $0.time == time }.map(\.name)) }
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
  ) throws(SoftadastraError) -> (segments: [(name: String, segment: ArchiveSegment)], reached: Bool) {
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
    // Every record committed before a file was made is in it or before it: a chain covers the
    // node's history up to when its last file was made, and to its last record's time.
    var lastRecord = base.manifest.lastRecordMilliseconds
    var made = UInt64(max(0, base.manifest.createdMilliseconds))
    var previousChecksum: UInt32?
    var reached = false
    while true {
      if let lsn = target.lsn, end >= lsn { reached = true }
      if let time = target.milliseconds, lastRecord >= time || made > time { reached = true }
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
      made = max(made, UInt64(max(0, found.segment.manifest.createdMilliseconds)))
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
