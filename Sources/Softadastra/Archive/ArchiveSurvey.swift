@_spi(Storage) import SoftadastraWAL

/// Every chain of continuous archiving at a location, checked: each base as `backup verify`
/// checks it, each segment whole, and how they link (gaps, overlaps, duplicates, segments whose
/// base is missing). What `softadastra backup verify DIR` reports, with the recovery window each
/// chain offers.
public struct ArchiveSurvey: Sendable {
  /// One base and the segments that continue it without a break.
  public struct Chain: Sendable {
    public var nodeID: String
    public var baseName: String
    public var base: BackupManifest
    /// The segments that continue the base without a break, in order.
    public var segmentNames: [String]
    /// Segments that name this base but lie after a break: no restore reaches them.
    public var strayNames: [String]
    /// The LSNs and times a restore from this chain can reach: from the base's snapshot to the
    /// last record before the first break.
    public var firstLSN: UInt64
    public var lastLSN: UInt64
    public var firstMilliseconds: UInt64
    public var lastMilliseconds: UInt64
    /// When the chain was last extended: its last file's making (ms since the Unix epoch).
    public var extendedMilliseconds: UInt64
  }

  public var location: String
  public var chains: [Chain] = []
  /// Every problem found, each naming its file.
  public var problems: [SoftadastraError] = []
  /// Files that were checked: bases and segments.
  public var files = 0
  public var quick: Bool
  public var isSound: Bool { problems.isEmpty }

  /// Checks every base and segment at `location` (of `nodeID` only, when given); `quick` checks
  /// the manifests and the checksums of the parts, not their contents.
  public static func run(
    location: any ArchiveLocation, nodeID: String? = nil, quick: Bool = false, scratchParent: String? = nil
  ) throws(SoftadastraError) -> ArchiveSurvey {
    var survey = ArchiveSurvey(location: location.description, quick: quick)
    let scratch = try FileSystem.makeTemporaryDirectory(
      in: scratchParent ?? FileSystem.temporaryDirectory, prefix: ".softadastra-survey-")
    defer { FileSystem.removeFlatDirectory(scratch) }
    var bases: [(name: String, manifest: BackupManifest, checksum: UInt32)] = []
    var segments: [(name: String, manifest: SegmentManifest)] = []
    for name in try location.names().sorted() {
      guard let parsed = ArchiveNames.parse(name), nodeID == nil || parsed.nodeID == nodeID else { continue }
      survey.files += 1
      let path = "\(scratch)/\(name)"
      try location.fetch(name, to: path)
      defer { FileSystem.removeFile(path) }
      do throws(SoftadastraError) {
        switch parsed {
        case .base:
          let archive = try BackupArchive(path: path, name: name)
          try ArchiveNames.checkName(of: archive, name)
          let report = try BackupArchive.verify(path: path, name: name, quick: quick, scratchParent: scratch)
          guard report.isSound else {
            survey.problems += report.problems.map { problem in
              var problem = problem
              problem.path = location.displayPath(of: name)
              return problem
            }
            continue
          }
          bases.append((name, archive.manifest, archive.manifestChecksum))
        case .segment:
          let segment = try ArchiveSegment(path: path, name: name)
          if quick {
            guard try segment.partIsSound() else {
              throw SoftadastraError(
                .corrupt, "archive segment \(name): its WAL part fails its checksum", path: path,
                offset: segment.manifest.part.offset)
            }
          } else {
            try segment.forEachRecord(scratchDirectory: scratch) { _ throws(SoftadastraError) in }
          }
          guard segment.manifest.fileName == name else {
            throw SoftadastraError(
              .corrupt, "archive segment \(name) holds \(segment.manifest.fileName): it was renamed", path: path)
          }
          segments.append((name, segment.manifest))
        }
      } catch {
        guard error.kind == .corrupt else { throw error }
        var problem = error
        problem.path = location.displayPath(of: name)
        survey.problems.append(problem)
      }
    }
    var linked = Set<String>()
    for base in bases {
      var chain = Chain(
        nodeID: base.manifest.nodeID, baseName: base.name, base: base.manifest, segmentNames: [], strayNames: [],
        firstLSN: base.manifest.snapshotLSN, lastLSN: base.manifest.lastLSN,
        firstMilliseconds: base.manifest.snapshotLSN > 0
          ? base.manifest.snapshotMilliseconds : base.manifest.firstRecordMilliseconds,
        lastMilliseconds: base.manifest.lastRecordMilliseconds,
        extendedMilliseconds: UInt64(max(0, base.manifest.createdMilliseconds)))
      let own = segments.filter {
        $0.manifest.nodeID == base.manifest.nodeID && $0.manifest.baseLSN == base.manifest.lastLSN
          && $0.manifest.baseChecksum == base.checksum
      }.sorted { ($0.manifest.firstLSN, $0.manifest.lastLSN) < ($1.manifest.firstLSN, $1.manifest.lastLSN) }
      var broken = false
      var previous: SegmentManifest?
      for (name, manifest) in own {
        linked.insert(name)
        let expected = chain.lastLSN + 1
        if broken { continue }
        if manifest.firstLSN > expected {
          survey.problems.append(
            SoftadastraError(
              .corrupt,
              "the chain from \(base.name) is missing LSN \(expected) to \(manifest.firstLSN - 1) (before \(name)); it restores up to LSN \(chain.lastLSN) only"
            ))
          broken = true
        } else if manifest.firstLSN < expected {
          survey.problems.append(
            SoftadastraError(
              .corrupt,
              "archive segment \(name) overlaps the chain from \(base.name) (LSN \(manifest.firstLSN) is already in \(previous.map(\.fileName) ?? base.name))"
            ))
          broken = true
        } else if let previous, manifest.previousChecksum != previous.lastChecksum {
          survey.problems.append(
            SoftadastraError(
              .corrupt,
              "archive segment \(name) does not continue \(previous.fileName) (its previous record's CRC differs)"
            ))
          broken = true
        } else {
          chain.segmentNames.append(name)
          chain.lastLSN = manifest.lastLSN
          chain.lastMilliseconds = manifest.lastRecordMilliseconds
          previous = manifest
        }
      }
      chain.strayNames = own.map(\.name).filter { !chain.segmentNames.contains($0) }
      for (_, manifest) in own {
        chain.extendedMilliseconds = max(chain.extendedMilliseconds, UInt64(max(0, manifest.createdMilliseconds)))
      }
      survey.chains.append(chain)
    }
    for (name, manifest) in segments where !linked.contains(name) {
      survey.problems.append(
        SoftadastraError(
          .corrupt,
          "archive segment \(name) continues a base at LSN \(manifest.baseLSN) that is not in \(location.description) (or is damaged)"
        ))
    }
    guard survey.files > 0 else {
      throw SoftadastraError(
        .notFound,
        "\(location.description) holds no archive chain\(nodeID.map { " of node \($0)" } ?? "") (no *\(ArchiveNames.baseSuffix) base, no *\(SegmentFormat.fileExtension) segment)"
      )
    }
    survey.chains.sort { ($0.nodeID, $0.lastLSN, $0.baseName) < ($1.nodeID, $1.lastLSN, $1.baseName) }
    return survey
  }

  /// What pruning chains keeps and removes: file names at the location.
  public struct PrunePlan: Sendable {
    public var keep: [String] = []
    public var remove: [String] = []
  }

  /// Decides which chains to remove, whole (base, segments, and segments after a break), per
  /// node: a chain stays when it is among the `keep` extended last (by its last file's making: a
  /// base stored but never extended does not outrank the chain still growing) or its last record
  /// is younger than `keepWithin` milliseconds; the chain extended last always stays. Segments
  /// of no chain here (their base is gone or damaged) and damaged files are never removed: they
  /// are among the survey's problems.
  public func planPrune(keep: Int?, keepWithinMilliseconds: UInt64?, nowMilliseconds: UInt64) -> PrunePlan {
    var plan = PrunePlan()
    var rank: [String: Int] = [:]
    let newestFirst = chains.sorted {
      ($0.extendedMilliseconds, $0.base.createdMilliseconds, $0.baseName)
        > ($1.extendedMilliseconds, $1.base.createdMilliseconds, $1.baseName)
    }
    for chain in newestFirst {
      let position = rank[chain.nodeID, default: 0]
      rank[chain.nodeID] = position + 1
      let byCount = keep.map { position < $0 } ?? false
      let byAge =
        keepWithinMilliseconds.map { age in
          chain.lastMilliseconds >= nowMilliseconds || nowMilliseconds - chain.lastMilliseconds <= age
        } ?? false
      let files = [chain.baseName] + chain.segmentNames + chain.strayNames
      if position == 0 || byCount || byAge {
        plan.keep += files
      } else {
        plan.remove += files
      }
    }
    return plan
  }
}
