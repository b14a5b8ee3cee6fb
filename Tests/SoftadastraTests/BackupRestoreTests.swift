import Foundation
import SoftadastraTestSupport
import Testing

@testable import Softadastra

/// Backups and restores: round trips, point in time against an independent model, every kind
/// of damage caught before anything is touched, and the pruning rules.
@Suite struct BackupRestoreTests {
  static func client(_ path: String, nodeID: String = "node-a") throws -> Client {
    var options = ClientOptions.persistent(nodeID: nodeID, walPath: path)
    options.checkpointBytes = 0
    options.autoFlush = false
    let client = Client(options)
    try client.open()
    return client
  }

  static func export(_ path: String, nodeID: String = "node-a") throws -> [String: String] {
    try Client.readOnlyTextEntries(walPath: path, nodeID: nodeID)
  }

  static func backup(_ walPath: String, to archive: String, level: Int? = nil, createdMilliseconds: Int64? = nil) throws
    -> BackupManifest
  {
    let file = try SystemFile.createExclusive(archive)
    return try BackupWriter.write(
      walPath: walPath, to: file, level: level, toolVersion: "test", createdMilliseconds: createdMilliseconds)
  }

  /// A restore under another node id writes the snapshot again under a new header: a sync table
  /// that does not decode (a crafted archive; a large one could outgrow the header) is damage,
  /// not a trap.
  @Test func aRestoreUnderAnotherIDRefusesASyncTableThatDoesNotDecode() throws {
    let directory = TemporaryDirectory()
    let walHeader = WALHeader(nodeID: "node-a", createdMilliseconds: 1, firstLSN: 8, continuesSnapshot: true)
    FileBytes.write(walHeader.encoded(), to: directory.file("node-a.wal"))
    let snapshot = try SnapshotWriter(
      path: directory.file("node-a.snapshot"),
      header: SnapshotHeader(
        nodeID: "node-a", createdMilliseconds: 1, lsn: 7, lastTimestamp: HybridTimestamp(rawValue: 7),
        lastRecordChecksum: 1, successorChecksum: walHeader.checksum, localOperations: 0, syncTable: [0xFF, 1, 2]))
    try snapshot.add(key: [1], entry: LocalStore.Entry(value: [2], lsn: 7, timestamp: HybridTimestamp(rawValue: 7)))
    try snapshot.finish()
    try FileManager.default.createDirectory(atPath: directory.file("other"), withIntermediateDirectories: false)
    let extracted = BackupArchive.Extracted(
      walPath: directory.file("node-a.wal"), snapshotPath: directory.file("node-a.snapshot"))
    #expect {
      _ = try Restore.rename(extracted, to: "node-b", in: directory.file("other"))
    } throws: { error in
      (error as? SoftadastraError)?.message.contains("does not decode") == true
    }
  }

  /// Every file in `directory` with its bytes.
  static func contents(of directory: String) throws -> [String: Data] {
    var result: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
      result[name] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
    }
    return result
  }

  static let vectorURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
    "Vectors/every-type.sdbackup")

  /// The vector in docs/backup-format.md: the WAL test vector every-type.wal backed up at level 0
  /// (stored deflate blocks, independent of the zlib version) at a fixed time.
  @Test func theWriterReproducesTheCommittedVector() throws {
    let directory = TemporaryDirectory()
    let wal = directory.file("node-a.wal")
    let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("SoftadastraWALTests/Vectors/every-type.wal")
    try FileManager.default.copyItem(atPath: source.path, toPath: wal)
    let archive = directory.file("every-type.sdbackup")
    let manifest = try BackupWriter.write(
      walPath: wal, to: try SystemFile.createExclusive(archive), level: 0, toolVersion: "0.1.0",
      createdMilliseconds: 1_795_594_149_000)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
    if ProcessInfo.processInfo.environment["SOFTADASTRA_UPDATE_VECTORS"] == "1" { try bytes.write(to: Self.vectorURL) }
    #expect(bytes == (try Data(contentsOf: Self.vectorURL)))
    #expect(manifest.snapshotLSN == 0 && manifest.lastLSN == 10 && manifest.keyCount == 3)
    #expect(try BackupArchive.verify(path: Self.vectorURL.path).isSound)
  }

  /// The vector as written before, its snapshot part of format version 1 (until 2026-12), 3
  /// (until the paged index) or 5 (until the dictionary), still verifies and restores to the node
  /// the current one restores to.
  static let olderVectorURLs = ["every-type-v1.sdbackup", "every-type-v3.sdbackup", "every-type-v5.sdbackup"].map {
    vectorURL.deletingLastPathComponent().appendingPathComponent($0)
  }

  @Test(arguments: olderVectorURLs)
  func anOlderVectorStillRestores(url: URL) throws {
    #expect(try BackupArchive.verify(path: url.path).isSound)
    var restored: [[String: String]] = []
    for archive in [url.path, Self.vectorURL.path] {
      let directory = TemporaryDirectory()
      let wal = directory.file("node-a.wal")
      _ = try Restore.run(archive: try BackupArchive(path: archive), walPath: wal, nodeID: "node-a")
      restored.append(try Client.readOnlyTextEntries(walPath: wal))
    }
    #expect(!restored[0].isEmpty)
    #expect(restored[0] == restored[1])
  }

  @Test func aHundredThousandKeysRoundTripThroughABackup() throws {
    let source = TemporaryDirectory()
    let wal = source.file("node-a.wal")
    let client = try Self.client(wal)
    var random = SplitMix64(seed: 2026)
    for batch in 0..<100 {
      try client.commit(
        (0..<1000).map { index in
          .put(
            key: Array(String(format: "key/%06d", batch * 1000 + index).utf8),
            value: Array("value-\(random.next() % 1_000_000)".utf8))
        })
    }
    try client.checkpoint()
    for _ in 0..<20 {
      try client.commit(
        (0..<1000).map { _ in
          let key = Array(String(format: "key/%06d", random.next() % 120_000).utf8)
          return random.next() % 3 == 0 ? .delete(key: key) : .put(key: key, value: Array("new-\(random.next())".utf8))
        })
    }
    try client.close()
    let archive = source.file("node-a.sdbackup")
    let manifest = try Self.backup(wal, to: archive)
    #expect(manifest.snapshotLSN == 100_000 && manifest.lastLSN == 120_000)
    let report = try BackupArchive.verify(path: archive)
    #expect(report.isSound, "\(report.problems)")
    let target = TemporaryDirectory()
    let restoredWAL = target.file("data/node-a.wal")
    let result = try Restore.run(archive: try BackupArchive(path: archive), walPath: restoredWAL, nodeID: "node-a")
    let expected = try Self.export(wal)
    #expect(result.lsn == 120_000 && result.keys == expected.count && UInt64(expected.count) == manifest.keyCount)
    #expect(try Self.export(restoredWAL) == expected)
    var info = stat()
    #expect(stat(restoredWAL, &info) == 0 && info.st_mode & 0o777 == 0o600)
    #expect(stat(target.file("data"), &info) == 0 && info.st_mode & 0o777 == 0o700)
    // The restored node takes writes and continues its LSNs.
    let restored = try Self.client(restoredWAL)
    #expect(try restored.commit([.put(key: Array("after".utf8), value: [1])]) == 120_001...120_001)
    try restored.close()
  }

  @Test func archivesWrittenToAPathOrADirectoryLeaveOnlyTheArchive() throws {
    let source = TemporaryDirectory()
    let wal = source.file("node-a.wal")
    let client = try Self.client(wal)
    try client.commit([.put(key: Array("k".utf8), value: Array("v".utf8))])
    try client.checkpoint()
    try client.commit([.put(key: Array("k2".utf8), value: Array("v2".utf8))])
    try client.close()
    let shelf = TemporaryDirectory()
    for level in [nil, 0, 9] as [Int?] {
      let byName = try BackupWriter.write(
        walPath: wal, toPath: shelf.file("named.sdbackup"), level: level, toolVersion: "test")
      #expect(byName.path == shelf.file("named.sdbackup") && byName.manifest.lastLSN == 2)
      #expect(try BackupArchive.verify(path: byName.path).isSound)
      #expect(try FileManager.default.contentsOfDirectory(atPath: shelf.path) == ["named.sdbackup"])
    }
    let inDirectory = try BackupWriter.write(walPath: wal, intoDirectory: shelf.path, toolVersion: "test")
    #expect(inDirectory.size == (try SystemFile.openForReading(inDirectory.path).size()))
    #expect(
      try Set(FileManager.default.contentsOfDirectory(atPath: shelf.path)) == [
        "named.sdbackup", inDirectory.path.split(separator: "/").last.map(String.init)!,
      ])
    // A name that is taken is never replaced; a failed write leaves no part file.
    let before = FileBytes.read(inDirectory.path)
    try FileManager.default.moveItem(atPath: shelf.file("named.sdbackup"), toPath: shelf.file("held"))
    let taken = #expect(throws: SoftadastraError.self) {
      _ = try BackupWriter.write(
        walPath: wal, intoDirectory: shelf.path, toolVersion: "test",
        createdMilliseconds: inDirectory.manifest.createdMilliseconds)
    }
    #expect(taken?.kind == .cannotCreate)
    #expect(FileBytes.read(inDirectory.path) == before)
    let missing = #expect(throws: SoftadastraError.self) {
      _ = try BackupWriter.write(walPath: source.file("nobody.wal"), toPath: shelf.file("held"), toolVersion: "test")
    }
    #expect(missing?.kind == .notFound)
    #expect(
      try Set(FileManager.default.contentsOfDirectory(atPath: shelf.path)) == [
        "held", inDirectory.path.split(separator: "/").last.map(String.init)!,
      ])
  }

  @Test func pointInTimeRestoresEqualAnIndependentModel() throws {
    let source = TemporaryDirectory()
    let wal = source.file("node-a.wal")
    let client = try Self.client(wal)
    var random = SplitMix64(seed: 99)
    var log: [(lsn: UInt64, key: String, value: String?, time: UInt64)] = []
    func step() throws {
      let key = "k\(random.next() % 40)"
      let value: String? = random.next() % 4 == 0 ? nil : "v\(random.next() % 1000)"
      let lsns = try client.commit([
        value.map { .put(key: Array(key.utf8), value: Array($0.utf8)) } ?? .delete(key: Array(key.utf8))
      ])!
      log.append((lsns.lowerBound, key, value, 0))
    }
    for _ in 0..<150 { try step() }
    try client.checkpoint()
    for _ in 0..<150 { try step() }
    try client.close()
    var scanner = try WALScanner(path: wal)
    var times: [UInt64: UInt64] = [:]
    while let scanned = try scanner.next() { times[scanned.record.lsn] = scanned.record.timestamp.milliseconds }
    func model(upTo lsn: UInt64) -> [String: String] {
      var state: [String: String] = [:]
      for entry in log where entry.lsn <= lsn { state[entry.key] = entry.value }
      return state
    }
    let archive = source.file("a.sdbackup")
    let manifest = try Self.backup(wal, to: archive)
    for target in [UInt64(150), 151, 200, 263, 300] {
      let directory = TemporaryDirectory()
      let restored = directory.file("node-a.wal")
      let result = try Restore.run(
        archive: try BackupArchive(path: archive), walPath: restored, nodeID: "node-a",
        target: ReplayTarget(lsn: target))
      #expect(result.lsn == target)
      #expect(try Self.export(restored) == model(upTo: target), "LSN \(target)")
    }
    // By time: everything up to the record's millisecond.
    let lsn: UInt64 = 222
    let time = try #require(times[lsn])
    let directory = TemporaryDirectory()
    let restored = directory.file("node-a.wal")
    let result = try Restore.run(
      archive: try BackupArchive(path: archive), walPath: restored, nodeID: "node-a",
      target: ReplayTarget(milliseconds: time))
    let lastAtTime = times.filter { $0.value <= time }.keys.max()!
    #expect(result.lsn == lastAtTime)
    #expect(try Self.export(restored) == model(upTo: lastAtTime))
    // Outside the range.
    #expect(manifest.snapshotLSN == 150)
    for bad in [UInt64(149), 301] {
      #expect(throws: SoftadastraError.self) {
        try Restore.run(
          archive: try BackupArchive(path: archive), walPath: TemporaryDirectory().file("n.wal"), nodeID: "node-a",
          target: ReplayTarget(lsn: bad))
      }
    }
  }

  @Test func everyFlipAndTruncationIsCaughtAndRestoreLeavesTheTargetUntouched() throws {
    let source = TemporaryDirectory()
    let wal = source.file("node-a.wal")
    let client = try Self.client(wal)
    for index in 0..<30 { try client.put("k\(index)", "value \(index)") }
    try client.checkpoint()
    for index in 0..<10 { try client.put("k\(index)", "again \(index)") }
    try client.remove("k29")
    try client.close()
    let archive = source.file("a.sdbackup")
    _ = try Self.backup(wal, to: archive)
    let original = FileBytes.read(archive)
    // The target: an existing node that a forced restore would replace.
    let target = TemporaryDirectory()
    let targetWAL = target.file("node-a.wal")
    let existing = try Self.client(targetWAL)
    try existing.put("old", "state")
    try existing.close()
    let before = try Self.contents(of: target.path)
    let damaged = source.file("damaged.sdbackup")
    var caught = 0
    for offset in 0..<original.count {
      var bytes = original
      bytes[offset] ^= UInt8(1 << (offset % 8))
      FileBytes.write(bytes, to: damaged)
      let report = try BackupArchive.verify(path: damaged)
      #expect(!report.isSound, "flip at \(offset)")
      if offset % 5 == 0 {
        #expect(throws: SoftadastraError.self, "restore of flip at \(offset)") {
          try Restore.run(archive: try BackupArchive(path: damaged), walPath: targetWAL, nodeID: "node-a", force: true)
        }
        #expect(try Self.contents(of: target.path) == before)
      }
      caught += report.isSound ? 0 : 1
    }
    #expect(caught == original.count)
    for length in 0..<original.count {
      FileBytes.write(Array(original[0..<length]), to: damaged)
      #expect(!(try BackupArchive.verify(path: damaged).isSound), "truncated to \(length)")
    }
    #expect(try BackupArchive.verify(path: archive).isSound)
  }

  @Test func aForcedRestoreKeepsTheOldFilesAndANewerFormatIsNamed() throws {
    let source = TemporaryDirectory()
    let wal = source.file("node-a.wal")
    let client = try Self.client(wal)
    try client.put("a", "from backup")
    try client.close()
    let archive = source.file("a.sdbackup")
    _ = try Self.backup(wal, to: archive)
    let target = TemporaryDirectory()
    let targetWAL = target.file("node-a.wal")
    let existing = try Self.client(targetWAL)
    try existing.put("b", "old")
    try existing.checkpoint()
    try existing.close()
    #expect {
      try Restore.run(archive: try BackupArchive(path: archive), walPath: targetWAL, nodeID: "node-a")
    } throws: { ($0 as! SoftadastraError).kind == .cannotCreate }
    let result = try Restore.run(
      archive: try BackupArchive(path: archive), walPath: targetWAL, nodeID: "node-a", force: true)
    #expect(try Self.export(targetWAL) == ["a": "from backup"])
    #expect(result.keptAside.count == 3)
    for path in result.keptAside { #expect(FileManager.default.fileExists(atPath: path), "\(path)") }
    #expect(NodeFiles(walPath: targetWAL).snapshots().isEmpty)
    // Under another node id, on request.
    let renamed = TemporaryDirectory().file("node-z.wal")
    _ = try Restore.run(archive: try BackupArchive(path: archive), walPath: renamed, nodeID: "node-z")
    #expect(try Self.export(renamed, nodeID: "node-z") == ["a": "from backup"])
    // A newer format version is named as such.
    var bytes = FileBytes.read(archive)
    bytes[8] = 2
    bytes.replaceSubrange(12..<16, with: withUnsafeBytes(of: CRC32C.checksum(bytes[0..<12]).littleEndian, Array.init))
    FileBytes.write(bytes, to: archive)
    #expect {
      try BackupArchive(path: archive)
    } throws: { ($0 as! SoftadastraError).message.contains("upgrade softadastra") }
  }

  @Test func anArchiveCannotNameAPathOutsideTheTarget() throws {
    let source = TemporaryDirectory()
    let wal = source.file("node-a.wal")
    let client = try Self.client(wal)
    try client.put("a", "1")
    try client.close()
    let archive = source.file("a.sdbackup")
    let manifest = try Self.backup(wal, to: archive)
    var bytes = FileBytes.read(archive)
    let oldManifest = manifest.encoded()
    var evil = manifest
    evil.nodeID = "../../etc/evil"
    let newManifest = evil.encoded()
    bytes.removeLast(oldManifest.count + ArchiveContainer.trailerSize)
    bytes += newManifest + BackupFormat.container.trailer(manifest: newManifest)
    FileBytes.write(bytes, to: archive)
    #expect {
      try BackupArchive(path: archive)
    } throws: { error in
      let error = error as! SoftadastraError
      return error.kind == .corrupt && error.message.contains("node id is unsafe")
    }
  }

  @Test func pruningKeepsTheNewestAndNeverTheLastGoodBackup() throws {
    let source = TemporaryDirectory()
    let wal = source.file("node-a.wal")
    let directory = TemporaryDirectory()
    var paths: [String] = []
    for index in 0..<4 {
      let client = try Self.client(wal)
      try client.put("k", "\(index)")
      try client.close()
      let path = directory.file("b\(index).sdbackup")
      _ = try Self.backup(wal, to: path, createdMilliseconds: 1_795_594_148_000 + Int64(index))
      paths.append(path)
    }
    FileBytes.write(Array("not a backup".utf8), to: directory.file("junk.sdbackup"))
    let now: UInt64 = 1_795_594_148_000 + 60_000  // a minute after the archives were made
    var plan = try BackupCatalog.planPrune(
      try BackupCatalog.entries(in: directory.path), keep: 2, keepWithinMilliseconds: nil, nowMilliseconds: now)
    #expect(plan.keep.map(\.path) == [paths[3], paths[2]])
    #expect(Set(plan.remove.map(\.path)) == [paths[0], paths[1]])
    #expect(plan.unreadable.map(\.path) == [directory.file("junk.sdbackup")])
    // The two newest are damaged: the newest good one stays as well.
    for path in paths[2...] { FileBytes.flipBit(path, offset: 40, bit: 1) }
    plan = try BackupCatalog.planPrune(
      try BackupCatalog.entries(in: directory.path), keep: 2, keepWithinMilliseconds: nil, nowMilliseconds: now)
    #expect(plan.keep.map(\.path) == [paths[3], paths[2], paths[1]])
    #expect(plan.remove.map(\.path) == [paths[0]])
    // By age: everything is younger than a day, nothing older than the future.
    plan = try BackupCatalog.planPrune(
      try BackupCatalog.entries(in: directory.path), keep: nil, keepWithinMilliseconds: 86_400_000, nowMilliseconds: now
    )
    #expect(plan.remove.isEmpty)
  }
}
