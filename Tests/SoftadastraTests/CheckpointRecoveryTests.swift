import Foundation
import SoftadastraTestSupport
import Testing

@testable import Softadastra

/// Snapshots in use: checkpoints, recovery from snapshot + WAL tail, fallback past damaged
/// snapshots, the crash windows of a checkpoint, and the retention policy.
@Suite struct CheckpointRecoveryTests {
  /// A model of the store: what every recovery must give back.
  struct Model {
    var values: [String: String] = [:]
    mutating func apply(_ client: Client, _ random: inout SplitMix64) throws {
      let key = "k\(random.next() % 300)"
      if random.next() % 4 == 0 {
        try client.remove(key)
        values[key] = nil
      } else {
        let value = "v\(random.next() % 100_000)"
        try client.put(key, value)
        values[key] = value
      }
    }
  }

  static func contents(_ client: Client) throws -> [String: String] { try client.textEntries() }

  static func reopen(_ path: String, nodeID: String = "node-a", readOnly: Bool = false) throws -> Client {
    var options = ClientOptions.persistent(nodeID: nodeID, walPath: path)
    options.readOnly = readOnly
    options.checkpointBytes = 0
    let client = Client(options)
    try client.open()
    return client
  }

  @Test func automaticCheckpointsKeepEveryWriteAndAtMostTwoSnapshots() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    var options = ClientOptions.persistent(nodeID: "node-a", walPath: path)
    options.checkpointBytes = 2_000
    var random = SplitMix64(seed: 7)
    var model = Model()
    for _ in 0..<6 {
      let client = Client(options)
      try client.open()
      for _ in 0..<200 { try model.apply(client, &random) }
      #expect(try Self.contents(client) == model.values)
      try client.close()
      let files = NodeFiles(walPath: path)
      #expect((1...2).contains(files.snapshots().count))
      let reader = try Self.reopen(path, readOnly: true)
      #expect(try Self.contents(reader) == model.values)
      #expect(reader.size == model.values.count)
      for key in ["k0", "k1", "k150", "k299", "absent"] { #expect(try reader.get(key)?.string == model.values[key]) }
      try reader.close()
    }
    // At rest, a writer that opens a log past the threshold checkpoints it (and waits for it at
    // close): the newest snapshot is near the end, however late the background builds ran.
    let last = Client(options)
    try last.open()
    try last.close()
    #expect(try SnapshotReader(path: NodeFiles(walPath: path).snapshots()[0].path).header.lsn > 1_100)
  }

  /// An open client of a new node in `directory` that checkpoints every MiB of records.
  static func openedWithCheckpointsEveryMebibyte(_ directory: TemporaryDirectory) throws -> (String, Client) {
    let path = directory.file("node-a.wal")
    var options = ClientOptions.persistent(nodeID: "node-a", walPath: path)
    options.checkpointBytes = 1 << 20
    let client = Client(options)
    try client.open()
    return (path, client)
  }

  /// A checkpoint that comes due while the one before still runs is not started then; `close()`
  /// runs it, so that a large write leaves no log for the next reader to replay. (Were the first
  /// done before the second write, that write would start its own: the end is the same.)
  @Test func closeRunsTheCheckpointThatCameDueWhileTheOneBeforeRan() throws {
    let directory = TemporaryDirectory()
    let (path, client) = try Self.openedWithCheckpointsEveryMebibyte(directory)
    let value = [UInt8](repeating: 0x76, count: 100)
    try client.commit((0..<100_000).map { .put(key: Array("first/\($0)".utf8), value: value) })
    try client.commit((0..<10_000).map { .put(key: Array("second/\($0)".utf8), value: value) })
    try client.close()
    #expect(client.backgroundCheckpointFailure == nil)
    var live = try WALScanner(path: path)
    #expect(live.header.firstLSN == 110_001, "every record is in a snapshot")
    #expect(try live.next() == nil)
    #expect(try Client.readOnlyTextEntries(walPath: path).count == 110_000)
  }

  /// `close()` decides whether a checkpoint is due from the log as it is under the lock, not as
  /// the client last saw it: another client checkpointed meanwhile, so a log of one record is
  /// left alone.
  @Test func closeChecksTheLogAsItIsNowBeforeCheckpointing() throws {
    let directory = TemporaryDirectory()
    let (path, client) = try Self.openedWithCheckpointsEveryMebibyte(directory)
    // Its checkpoint cannot start while another holds the checkpoint lock.
    let held = try #require(try CheckpointLock.tryAcquire(walPath: path))
    try client.commit((0..<10_000).map { .put(key: Array("k/\($0)".utf8), value: [UInt8](repeating: 1, count: 120)) })
    held.release()
    let other = try BackupRestoreTests.client(path)
    try other.checkpoint()
    try other.put("one", "record")
    try other.close()
    let snapshots = NodeFiles(walPath: path).snapshots()
    try client.close()
    #expect(NodeFiles(walPath: path).snapshots().map(\.path) == snapshots.map(\.path), "no checkpoint of one record")
    #expect(client.backgroundCheckpointFailure == nil)
  }

  /// A client whose `open()` failed after it took the writer (its recovery found damage) changes
  /// nothing on disk when it is closed: no checkpoint of the log it could not read.
  @Test func closeAfterAFailedOpenChangesNothing() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let writer = try BackupRestoreTests.client(path)
    try writer.commit((0..<200).map { .put(key: Array("k/\($0)".utf8), value: [1]) })
    try writer.checkpoint(full: true)
    try writer.commit((0..<200).map { .put(key: Array("later/\($0)".utf8), value: [2]) })
    try writer.close()
    // The snapshot's index and the archived WAL from LSN 1 damaged: nothing can be recovered.
    let files = NodeFiles(walPath: path)
    let snapshot = files.snapshots()[0].path
    let snapshotSize = try #require(try FileManager.default.attributesOfItem(atPath: snapshot)[.size] as? Int)
    FileBytes.flipBit(snapshot, offset: snapshotSize - SnapshotFormat.footerSize - 10, bit: 1)
    FileBytes.flipBit(files.segments()[0].path, offset: 300, bit: 1)
    let before = try BackupRestoreTests.contents(of: directory.path)

    var options = ClientOptions.persistent(nodeID: "node-a", walPath: path)
    options.checkpointBytes = 100
    let client = Client(options)
    #expect(throws: SoftadastraError.self) { try client.open() }
    try? client.close()
    let after = try BackupRestoreTests.contents(of: directory.path)
    // (The writer lock's file keeps its bookkeeping: no data.)
    for name in Set(before.keys).union(after.keys) where before[name] != after[name] && !name.hasSuffix(".lock") {
      Issue.record("\(name) changed: \(before[name]?.count ?? -1) -> \(after[name]?.count ?? -1) bytes")
    }
  }

  @Test func theOutboxCountsEveryLocalOperationAcrossCheckpointsAndBackups() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let client = try Self.reopen(path)
    for index in 0..<10 { try client.put("k\(index)", "v") }
    try client.remove("k0")
    try client.checkpoint()
    try client.put("k11", "v")
    #expect(try client.syncState().outboxSize == 12)
    try client.close()
    let reader = try Self.reopen(path, readOnly: true)
    #expect(try reader.syncState().outboxSize == 12)
    try reader.close()
    let archive = directory.file("a.sdbackup")
    _ = try BackupWriter.write(walPath: path, to: try SystemFile.createExclusive(archive), toolVersion: "test")
    let restored = TemporaryDirectory().file("node-a.wal")
    _ = try Restore.run(archive: try BackupArchive(path: archive), walPath: restored, nodeID: "node-a")
    let again = try Self.reopen(restored)
    #expect(try again.syncState().outboxSize == 12)
    try again.put("k12", "v")
    #expect(try again.syncState().outboxSize == 13)
    try again.close()
  }

  @Test func aSingleReadNeedsNotLoadTheStoreAndAgreesWithAFullLoad() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let client = try Self.reopen(path)
    for index in 0..<200 { try client.put("k\(index % 50)", "v\(index)") }
    try client.checkpoint()
    for index in 0..<30 { try client.put("k\(index)", "w\(index)") }
    try client.remove("k7")
    try client.close()
    var options = ClientOptions.persistent(nodeID: "node-a", walPath: path)
    options.readOnly = true
    options.loadsStoreOnOpen = false
    let light = Client(options)
    try light.open()
    let full = try Self.reopen(path, readOnly: true)
    for index in 0..<60 {
      #expect(try light.get("k\(index)") == full.get("k\(index)"), "k\(index)")
    }
    #expect(try light.get("k7") == nil && light.get("k8")?.string == "w8" && light.get("k40")?.string == "v190")
    #expect(try light.textEntries() == full.textEntries())
    try light.close()
    try full.close()
    // Another node's WAL is refused at open, as with a full load.
    options.nodeID = "node-b"
    #expect(throws: SoftadastraError.self) { try Client(options).open() }
  }

  @Test func aCheckpointRemovesTheTemporaryFilesOfKilledCheckpoints() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let client = try Self.reopen(path)
    try client.put("a", "1")
    try client.checkpoint()
    try client.put("b", "2")
    // What checkpoints killed before their rename leave behind, and another node's, which stays.
    let leftovers = [3, 7].map { directory.file("node-a.0000000000000000000\($0).snapshot.tmp") }
    for leftover in leftovers { FileBytes.write(Array(repeating: 7, count: 4096), to: leftover) }
    let other = directory.file("node-b.00000000000000000003.snapshot.tmp")
    FileBytes.write([1, 2, 3], to: other)
    try client.checkpoint()
    for leftover in leftovers { #expect(!FileManager.default.fileExists(atPath: leftover)) }
    #expect(FileManager.default.fileExists(atPath: other))
    #expect(try Self.contents(client) == ["a": "1", "b": "2"])
    try client.close()
  }

  @Test func lsnsContinueAfterACheckpointAndTheClockNeverGoesBack() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let client = try Self.reopen(path)
    for index in 0..<10 { try client.put("k\(index)", "v") }
    let result = try #require(try client.checkpoint())
    #expect(result.snapshot.lsn == 10)
    #expect(try client.checkpoint() == nil)
    try client.close()
    let again = try Self.reopen(path)
    #expect(try again.commit([.put(key: Array("k".utf8), value: [1])]) == 11...11)
    try again.close()
    var scanner = try WALScanner(path: path)
    let record = try #require(try scanner.next()).record
    let snapshot = try SnapshotReader(path: result.snapshot.path)
    #expect(record.timestamp > snapshot.header.lastTimestamp)
  }

  /// A checkpoint's blocks are compressed against a dictionary sampled from the snapshot before
  /// (its full one, under a delta), at level 9; the first snapshot, with none before it, has none
  /// and is written at level 1. A backup copies the node's blocks with their dictionary, and a
  /// restore keeps them.
  @Test func aCheckpointSamplesItsDictionaryFromTheSnapshotBefore() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let client = try Self.reopen(path)
    for index in 0..<20_000 { try client.put(String(format: "key/%06d", index), "value \(index)") }
    try client.checkpoint()
    let first = try SnapshotReader(path: try #require(NodeFiles(walPath: path).snapshots().first).path)
    #expect(first.header.version == 7 && first.dictionary.isEmpty)
    for index in stride(from: 0, to: 20_000, by: 7) { try client.put(String(format: "key/%06d", index), "changed") }
    try client.checkpoint(full: true)
    let second = try SnapshotReader(path: try #require(NodeFiles(walPath: path).snapshots().first).path)
    let sample = SnapshotDictionary.sample(first)
    #expect(second.header.lsn > first.header.lsn && second.dictionary == sample)
    #expect(sample.count == SnapshotFormat.dictionaryPieces * SnapshotFormat.dictionaryPieceBytes)
    try second.verify()
    // Each snapshot's first block is what its level makes of its entries, and not what the other
    // level makes of them.
    func firstBlock(of reader: SnapshotReader, atLevel level: Int) throws -> [UInt8] {
      let block = try reader.indexedBlock(0)
      let raw = try #require(
        try reader.storedBlock(block).withUnsafeBytes {
          try Zlib.decompressRaw($0, size: Int(block.rawSize), dictionary: reader.dictionary)
        })
      return try Zlib.RawDeflater(level: level, dictionary: reader.dictionary).compress(raw)
    }
    for (reader, level, other) in [(first, 1, 9), (second, 9, 1)] {
      let stored = try reader.storedBlock(reader.indexedBlock(0))
      #expect(try firstBlock(of: reader, atLevel: level) == stored && firstBlock(of: reader, atLevel: other) != stored)
    }
    try client.put("tail", "1")
    try client.close()

    let archive = directory.file("a.sdbackup")
    _ = try BackupWriter.write(walPath: path, to: try SystemFile.createExclusive(archive), toolVersion: "test")
    let restoredWAL = directory.file("restored/node-a.wal")
    try FileManager.default.createDirectory(atPath: directory.file("restored"), withIntermediateDirectories: true)
    _ = try Restore.run(archive: try BackupArchive(path: archive), walPath: restoredWAL, nodeID: "node-a")
    let restored = try SnapshotReader(path: try #require(NodeFiles(walPath: restoredWAL).snapshots().first).path)
    #expect(restored.dictionary == second.dictionary, "the archive held the node's blocks and dictionary")
    let reader = try Self.reopen(restoredWAL, readOnly: true)
    #expect(try reader.get("key/000007")?.string == "changed" && reader.get("key/000008")?.string == "value 8")
    try reader.close()
  }

  @Test func aDamagedNewestSnapshotFallsBackToTheOlderOneAndLosesNothing() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    var random = SplitMix64(seed: 11)
    var model = Model()
    let client = try Self.reopen(path)
    for round in 0..<3 {
      for _ in 0..<100 { try model.apply(client, &random) }
      if round < 2 { try client.checkpoint() }
    }
    try client.close()
    let snapshots = NodeFiles(walPath: path).snapshots()
    #expect(snapshots.count == 2)
    // Damage a block of the newest: the older snapshot and the archived WAL after it take over.
    FileBytes.flipBit(snapshots[0].path, offset: FileBytes.firstSnapshotBlock(snapshots[0].path) + 17, bit: 3)
    let reader = try Self.reopen(path, readOnly: true)
    #expect(try Self.contents(reader) == model.values)
    let skipped = reader.skippedSnapshots
    #expect(skipped.count == 1 && skipped[0].path == snapshots[0].path && skipped[0].kind == .corrupt)
    try reader.close()
    // Both damaged: nothing older covers the start of the live WAL, so the first read that meets
    // the damage refuses loudly (opening reads no block).
    FileBytes.flipBit(snapshots[1].path, offset: FileBytes.firstSnapshotBlock(snapshots[1].path) + 17, bit: 3)
    let blind = try Self.reopen(path, readOnly: true)
    #expect {
      try blind.entries()
    } throws: { error in
      let error = error as! SoftadastraError
      return error.kind == .corrupt && error.message.contains("no usable snapshot")
        && error.message.contains("softadastra restore")
    }
  }

  @Test func aDamagedNewestSnapshotStopsNeitherCheckpointsNorBackups() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let client = try Self.reopen(path)
    for round in 0..<3 {
      for index in 0..<100 { try client.put("k\(index)", "v\(round)-\(index)") }
      try client.checkpoint()
    }
    try client.put("tail", "1")
    try client.close()
    let snapshots = NodeFiles(walPath: path).snapshots()
    FileBytes.flipBit(snapshots[0].path, offset: FileBytes.firstSnapshotBlock(snapshots[0].path) + 17, bit: 5)
    // A backup reads the whole snapshot: it falls back to the older one and the WAL after it.
    let archive = directory.file("a.sdbackup")
    let manifest = try BackupWriter.write(
      walPath: path, to: try SystemFile.createExclusive(archive), toolVersion: "test")
    #expect(manifest.snapshotLSN == snapshots[1].lsn && manifest.keyCount == 101)
    #expect(try BackupArchive.verify(path: archive).isSound)
    // So does the next checkpoint; retention then drops the damaged snapshot, not the sound one.
    let writer = try Self.reopen(path)
    try writer.put("more", "2")
    let result = try #require(try writer.checkpoint())
    try writer.close()
    #expect(!FileManager.default.fileExists(atPath: snapshots[0].path))
    #expect(result.removed.contains(snapshots[0].path))
    #expect(NodeFiles(walPath: path).snapshots().map(\.path) == [result.snapshot.path, snapshots[1].path])
    let reader = try Self.reopen(path, readOnly: true)
    #expect(reader.size == 102 && reader.skippedSnapshots.isEmpty)
    #expect(try reader.get("k5")?.string == "v2-5")
    try reader.close()
  }

  @Test func keysAndValuesThatAreNotUTF8SurviveSnapshotsBackupsAndRestores() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let client = try Self.reopen(path)
    let keys: [[UInt8]] = [[0xFF, 0xFE], [0x00, 0x01], [0xC3, 0x28], Array("plain".utf8)]
    for (index, key) in keys.enumerated() { try client.put(key, [0x80, UInt8(index), 0x00, 0xFF]) }
    try client.checkpoint()
    try client.put([0xF0, 0x28, 0x8C, 0x28], [])
    try client.close()
    let archive = directory.file("a.sdbackup")
    _ = try BackupWriter.write(walPath: path, to: try SystemFile.createExclusive(archive), toolVersion: "test")
    let restored = TemporaryDirectory().file("node-a.wal")
    _ = try Restore.run(archive: try BackupArchive(path: archive), walPath: restored, nodeID: "node-a")
    for walPath in [path, restored] {
      let reader = try Self.reopen(walPath, readOnly: true)
      for (index, key) in keys.enumerated() { #expect(try reader.get(key)?.bytes == [0x80, UInt8(index), 0x00, 0xFF]) }
      #expect(try reader.get([0xF0, 0x28, 0x8C, 0x28])?.bytes == [])
      #expect(try reader.entries().map(\.key).first == [0x00, 0x01])
      try reader.close()
    }
  }

  @Test func theFirstSnapshotKeepsTheFullWALAsAWayBack() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let client = try Self.reopen(path)
    for index in 0..<50 { try client.put("k\(index)", "v\(index)") }
    let result = try #require(try client.checkpoint())
    try client.put("after", "1")
    try client.close()
    FileBytes.truncate(result.snapshot.path, to: 100)
    let reader = try Self.reopen(path, readOnly: true)
    #expect(reader.size == 51)
    #expect(try reader.get("k49")?.string == "v49")
    #expect(try reader.currentSnapshot() == nil)
    try reader.close()
  }

  @Test func aCheckpointInterruptedBeforeTheNewWALStartsLeavesTheSameState() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let client = try Self.reopen(path)
    for index in 0..<40 { try client.put("k\(index % 25)", "v\(index)") }
    try client.remove("k3")
    try client.close()
    let before = FileBytes.read(path)
    let writer = try Self.reopen(path)
    let result = try #require(try writer.checkpoint())
    try writer.close()
    // The crash: the snapshot is in place, the live WAL is still the old one.
    FileBytes.write(before, to: path)
    try FileManager.default.removeItem(atPath: result.archivedWAL)
    let reader = try Self.reopen(path, readOnly: true)
    #expect(try reader.currentSnapshot()?.lsn == result.snapshot.lsn)
    #expect(reader.size == 24)
    #expect(try reader.get("k4")?.string == "v29")
    try reader.close()
    // The next writer continues, and its checkpoint replaces the stranded snapshot.
    let next = try Self.reopen(path)
    try next.put("k3", "back")
    #expect(try next.checkpoint() != nil)
    try next.close()
    let final = try Self.reopen(path, readOnly: true)
    #expect(final.size == 25)
    #expect(try final.get("k3")?.string == "back")
    try final.close()
  }

  /// A node with a snapshot and changes after it, written by `client`; returns the model.
  static func nodeWithSnapshotAndTail(_ client: Client) throws -> [String: String] {
    var model: [String: String] = [:]
    for index in 0..<300 {
      try client.put("k\(index)", "v\(index)")
      model["k\(index)"] = "v\(index)"
    }
    #expect(try client.checkpoint() != nil)
    for index in 0..<100 {
      try client.put("k\(index)", "w\(index)")
      model["k\(index)"] = "w\(index)"
    }
    return model
  }

  /// Seals `client`'s log as a checkpoint's first step does, holding the checkpoint lock for it.
  static func seal(_ client: Client, _ files: NodeFiles) throws -> SealedLog {
    let lock = try #require(try CheckpointLock.tryAcquire(walPath: files.walPath))
    defer { lock.release() }
    return try #require(
      try client.writing { writer throws(SoftadastraError) in try Checkpoint.seal(writer, files: files) })
  }

  /// A state given by replaying the live WAL alone, as `wal-replay` does (with its base).
  static func replayedContents(_ path: String) throws -> [String: String] {
    let result = try Replayer.replay(path: path, policy: .strict)
    var contents: [String: String] = [:]
    for (key, entry) in try result.state.sorted() {
      contents[String(decoding: key, as: UTF8.self)] = String(decoding: entry.value, as: UTF8.self)
    }
    return contents
  }

  @Test func nobodyWaitsForTheSnapshotBeingBuiltAndEveryReaderSeesEveryWrite() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let sealer = try Self.reopen(path)
    var model = try Self.nodeWithSnapshotAndTail(sealer)
    let other = try Self.reopen(path)
    #expect(try Self.contents(other) == model)
    let files = NodeFiles(walPath: path)

    // Seal, under the writer lock for a moment; one checkpointer at a time.
    let lock = try #require(try CheckpointLock.tryAcquire(walPath: path))
    #expect(try CheckpointLock.tryAcquire(walPath: path) == nil && CheckpointLock.isHeld(walPath: path))
    let sealed = try #require(
      try sealer.writing { writer throws(SoftadastraError) in try Checkpoint.seal(writer, files: files) })
    #expect(!WriterLock.isHeld(walPath: path))

    // The build needs no writer lock: it runs while another client holds it to commit.
    var staged: Checkpoint.Staged?
    try other.writing { _ throws(SoftadastraError) in staged = try Checkpoint.build(sealed, files: files, level: 1) }
    let built = try #require(staged)
    #expect(!FileManager.default.fileExists(atPath: built.path))

    // Meanwhile every client commits and reads; new readers rebuild the state from the older
    // snapshot and the archived WALs; a replay of the live WAL alone starts from them too.
    try other.put("during", "build")
    try other.remove("k5")
    try sealer.put("k6", "sealer")
    model["during"] = "build"
    model["k5"] = nil
    model["k6"] = "sealer"
    #expect(try Self.contents(other) == model && Self.contents(sealer) == model)
    #expect(try Client.readOnlyTextEntries(walPath: path) == model)
    #expect(try Self.replayedContents(path) == model)
    let archive = directory.file("during.sdbackup")
    _ = try BackupWriter.write(walPath: path, to: try SystemFile.createExclusive(archive), toolVersion: "test")
    let restored = directory.file("restored/node-a.wal")
    try FileManager.default.createDirectory(atPath: directory.file("restored"), withIntermediateDirectories: false)
    _ = try Restore.run(archive: try BackupArchive(path: archive), walPath: restored, nodeID: "node-a")
    #expect(try Client.readOnlyTextEntries(walPath: restored) == model)

    // Publish: both clients move onto the snapshot at their next look, keeping only the changes
    // after it in memory.
    let result = try #require(
      try sealer.writing { _ throws(SoftadastraError) in try Checkpoint.publish(built, files: files) })
    lock.release()
    #expect(result.snapshot.lsn == sealed.lastLSN && result.archivedWAL == sealed.segmentPath)
    for client in [sealer, other] {
      #expect(try Self.contents(client) == model)
      #expect(try client.currentSnapshot()?.lsn == sealed.lastLSN)
      #expect(try client.loadedState().changedKeys == 3)
    }
    #expect(try Client.readOnlyTextEntries(walPath: path) == model)
    #expect(try Self.replayedContents(path) == model)
    try other.close()
    try sealer.close()
  }

  @Test func aCheckpointThatDiesAfterSealingLosesNothingAndTheNextOneFinishesIt() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let files = NodeFiles(walPath: path)
    let client = try Self.reopen(path)
    var model = try Self.nodeWithSnapshotAndTail(client)
    let older = try #require(try client.currentSnapshot()).lsn
    // Sealed, then the process dies: no snapshot for the new log yet.
    let sealed = try Self.seal(client, files)
    try client.close()
    #expect(files.snapshots().map(\.lsn) == [older])
    #expect(try Client.readOnlyTextEntries(walPath: path) == model)
    #expect(try Self.replayedContents(path) == model)

    // With nothing written since, the next checkpoint builds that very snapshot.
    let next = try Self.reopen(path)
    #expect(try next.checkpoint()?.snapshot.lsn == sealed.lastLSN)
    #expect(try Self.contents(next) == model && Client.readOnlyTextEntries(walPath: path) == model)

    // Sealed and dead again, then written to: the next checkpoint covers both logs.
    try next.put("a", "1")
    _ = try Self.seal(next, files)
    try next.put("b", "2")
    model["a"] = "1"
    model["b"] = "2"
    // And a third one died right after linking the live WAL under its archive name: that name
    // is the live WAL itself, which readers must not read twice.
    let live = try WALScanner(path: path).header
    try FileManager.default.linkItem(atPath: path, toPath: files.segmentPath(firstLSN: live.firstLSN))
    #expect(try Client.readOnlyTextEntries(walPath: path) == model && Self.replayedContents(path) == model)
    try next.put("c", "3")
    model["c"] = "3"
    #expect(try Self.contents(next) == model && Client.readOnlyTextEntries(walPath: path) == model)
    let result = try #require(try next.checkpoint())
    #expect(result.snapshot.lsn == sealed.lastLSN + 3)
    #expect(files.leftoverSnapshotTemporaries().isEmpty)
    try next.close()
    #expect(try Client.readOnlyTextEntries(walPath: path) == model)
  }

  @Test func aSnapshotBuiltWhileTheNodeIsRestoredIsDroppedNotPublished() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let files = NodeFiles(walPath: path)
    let client = try Self.reopen(path)
    let before = try Self.nodeWithSnapshotAndTail(client)
    let archive = directory.file("node.sdbackup")
    _ = try BackupWriter.write(walPath: path, to: try SystemFile.createExclusive(archive), toolVersion: "test")
    try client.put("after", "backup")
    let staged = try #require(try Checkpoint.build(try Self.seal(client, files), files: files, level: 1))
    _ = try Restore.run(archive: try BackupArchive(path: archive), walPath: path, nodeID: "node-a", force: true)
    #expect(try client.writing { _ throws(SoftadastraError) in try Checkpoint.publish(staged, files: files) } == nil)
    #expect(!FileManager.default.fileExists(atPath: staged.temporaryPath))
    #expect(!FileManager.default.fileExists(atPath: staged.path))
    // A background checkpoint meets the same restore as nothing to do, not as a failure.
    try client.put("again", "1")
    let sealed = try Self.seal(client, files)
    _ = try Restore.run(archive: try BackupArchive(path: archive), walPath: path, nodeID: "node-a", force: true)
    guard case .replaced = try Checkpoint.finish(sealed, files: files, level: 1, lockTimeout: 1) else {
      Issue.record("a snapshot built across a restore was published")
      return
    }
    #expect(try Self.contents(client) == before)
    #expect(try Client.readOnlyTextEntries(walPath: path) == before)
    try client.close()
  }

  /// A bulk import by another process is not read into an open client's memory record by record
  /// (its catch-up would hold every record, then the state every key): past the catch-up budget
  /// the client loads its state again from the files, whether the import was appended to its log
  /// or sealed by a checkpoint since. Small commits are still read as appended.
  @Test func aLargeCatchUpLoadsTheStateAgainInstead() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let client = try Self.reopen(path)
    try client.put("a", "1")
    let importer = try Self.reopen(path)
    func bulk(_ round: Int) throws {
      var count = 0
      try importer.commit { () throws(SoftadastraError) in
        count += 1
        return count <= 1_000 ? .put(key: Array("bulk\(round)/\(count)".utf8), value: Array("v\(count)".utf8)) : nil
      }
    }
    let reader = try Self.reopen(path, readOnly: true)
    // Far smaller than the default, so that a thousand records pass it.
    client.writer?.catchUpBudgetBytes = 10_000
    reader.followerBudgetBytes = 10_000
    _ = try client.get("a")
    var loads = (client.stateLoads, reader.stateLoads)
    try bulk(1)
    for open in [client, reader] {
      #expect(try open.get("bulk1/1000")?.string == "v1000" && open.get("a")?.string == "1")
    }
    #expect(client.stateLoads == loads.0 + 1, "loaded again, not caught up record by record")
    #expect(reader.stateLoads == loads.1 + 1)
    loads = (client.stateLoads, reader.stateLoads)
    try importer.put("small", "1")
    for open in [client, reader] { #expect(try open.get("small")?.string == "1", "a small commit is read") }
    #expect(client.stateLoads == loads.0 && reader.stateLoads == loads.1)
    try bulk(2)
    _ = try importer.checkpoint()
    for open in [client, reader] { #expect(try open.get("bulk2/1")?.string == "v1" && open.size == 2_002) }
    #expect(client.stateLoads == loads.0 + 1 && reader.stateLoads == loads.1 + 1)
    for other in [client, importer, reader] { try other.close() }
  }

  @Test func openClientsFollowCommitsAndCheckpointsWithoutLoadingTheStateAgain() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let writer = try Self.reopen(path)
    var model = try Self.nodeWithSnapshotAndTail(writer)
    let reader = try Self.reopen(path, readOnly: true)
    let otherWriter = try Self.reopen(path)
    #expect(try Self.contents(reader) == model && Self.contents(otherWriter) == model)
    let readerLoads = reader.stateLoads
    let writerLoads = otherWriter.stateLoads
    for round in 0..<4 {
      for index in 0..<20 {
        try writer.put("r\(round)/\(index)", "v\(index)")
        model["r\(round)/\(index)"] = "v\(index)"
      }
      try writer.remove("k\(round)")
      model["k\(round)"] = nil
      // Each sees every commit at its next read, by reading what was appended.
      #expect(try reader.get("r\(round)/19")?.string == "v19" && reader.get("k\(round)") == nil)
      #expect(try Self.contents(otherWriter) == model)
      // A checkpoint seals the log and publishes a snapshot: both follow onto it.
      let checkpoint = try #require(try writer.checkpoint())
      try writer.put("after/\(round)", "x")
      model["after/\(round)"] = "x"
      #expect(try Self.contents(reader) == model && Self.contents(otherWriter) == model)
      #expect(try reader.currentSnapshot()?.lsn == checkpoint.snapshot.lsn)
      #expect(try otherWriter.currentSnapshot()?.lsn == checkpoint.snapshot.lsn)
    }
    #expect(reader.stateLoads == readerLoads && otherWriter.stateLoads == writerLoads)
    #expect(try reader.walSummary()?.records == 1 && reader.walSummary() == otherWriter.walSummary())

    // A log put in place by a restore is not followed: the state is loaded again.
    let archive = directory.file("node.sdbackup")
    _ = try BackupWriter.write(walPath: path, to: try SystemFile.createExclusive(archive), toolVersion: "test")
    let restored = model
    try writer.put("lost", "by the restore")
    #expect(try reader.get("lost")?.string == "by the restore")
    _ = try Restore.run(archive: try BackupArchive(path: archive), walPath: path, nodeID: "node-a", force: true)
    #expect(try Self.contents(reader) == restored && Self.contents(otherWriter) == restored)
    #expect(reader.stateLoads == readerLoads + 1)
    for client in [writer, reader, otherWriter] { try client.close() }
  }

  /// Two checkpoints between two reads: retention removed the log a reader had open (its records
  /// are older than the older snapshot kept), but the snapshot published at its last record
  /// proves that the next archived log continues it: a read-only reader and a writing client
  /// that wrote nothing meanwhile go on there, without loading the state again. After three
  /// checkpoints that next log is gone too: then they reload.
  @Test func clientsFollowTwoCheckpointsBetweenTwoReadsAndReloadOnlyWhenRecordsAreGone() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let writer = try Self.reopen(path)
    try writer.put("seed", "v")
    var model = ["seed": "v"]
    let readers = [try Self.reopen(path, readOnly: true), try Self.reopen(path)]
    for checkpoints in [2, 3] {
      for reader in readers { #expect(try Self.contents(reader) == model) }
      let loads = readers.map(\.stateLoads)
      let firstSegment = try #require(writer.walSummary()?.header.firstLSN)
      for round in 0..<checkpoints {
        try writer.put("c\(checkpoints)/\(round)", "v")
        model["c\(checkpoints)/\(round)"] = "v"
        _ = try #require(try writer.checkpoint())
      }
      try writer.put("c\(checkpoints)/last", "v")
      model["c\(checkpoints)/last"] = "v"
      // The log the readers read to its end is no longer kept.
      #expect(!FileSystem.exists(NodeFiles(walPath: path).segmentPath(firstLSN: firstSegment)))
      for (reader, loadsBefore) in zip(readers, loads) {
        #expect(try Self.contents(reader) == model)
        #expect(reader.stateLoads == loadsBefore + (checkpoints == 2 ? 0 : 1), "after \(checkpoints) checkpoints")
      }
    }
    // The writing reader appends after what it followed.
    try readers[1].put("from the reader", "v")
    model["from the reader"] = "v"
    #expect(try Self.contents(writer) == model)
    for client in [writer] + readers { try client.close() }
  }

  @Test func aSnapshotOfAnotherHistoryIsNeverAppliedToThisWAL() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let client = try Self.reopen(path)
    for index in 0..<20 { try client.put("k\(index)", "mine") }
    try client.close()
    // Another history of the same node id with a snapshot at LSN 10.
    let other = TemporaryDirectory()
    let otherPath = other.file("node-a.wal")
    let otherClient = try Self.reopen(otherPath)
    for index in 0..<10 { try otherClient.put("k\(index)", "theirs") }
    let foreign = try #require(try otherClient.checkpoint())
    try otherClient.close()
    try FileManager.default.copyItem(
      atPath: foreign.snapshot.path, toPath: NodeFiles(walPath: path).snapshotPath(lsn: 10))
    let reader = try Self.reopen(path, readOnly: true)
    #expect(try reader.get("k3")?.string == "mine")
    #expect(reader.size == 20)
    #expect(reader.skippedSnapshots.count == 1)
    try reader.close()
  }

  @Test func aMissingLiveWALBesideSnapshotsIsDamageNotANewNode() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let client = try Self.reopen(path)
    try client.put("a", "1")
    try client.checkpoint()
    try client.close()
    try FileManager.default.removeItem(atPath: path)
    for readOnly in [true, false] {
      #expect {
        try Self.reopen(path, readOnly: readOnly)
      } throws: { error in
        let error = error as! SoftadastraError
        return error.kind == .corrupt && error.message.contains("is missing")
      }
    }
    #expect(!FileManager.default.fileExists(atPath: path))
  }
}

/// Logs that continue a snapshot say so in their header, and every reader of them starts there.
@Suite struct SnapshotContinuationTests {
  @Test func walReplayOfALogAfterACheckpointStartsFromItsSnapshot() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let client = try CheckpointRecoveryTests.reopen(path)
    for index in 0..<30 { try client.put("k\(index)", "v\(index)") }
    let result = try #require(try client.checkpoint())
    try client.put("k1", "after")
    try client.remove("k2")
    try client.close()
    #expect(try WALScanner(path: path).header.continuesSnapshot)
    let replayed = try Replayer.replay(path: path, policy: .strict)
    #expect(replayed.baseSnapshot?.lsn == 30)
    #expect(try replayed.keyCount() == 29)
    #expect(try replayed.state.entry(for: Array("k1".utf8))?.value == Array("after".utf8))
    #expect(try replayed.state.entry(for: Array("k29".utf8))?.value == Array("v29".utf8))
    let atSnapshot = try Replayer.replay(path: path, policy: .strict, target: ReplayTarget(lsn: 30))
    #expect(try atSnapshot.keyCount() == 30)
    #expect {
      try Replayer.replay(path: path, policy: .strict, target: ReplayTarget(lsn: 29))
    } throws: { ($0 as! SoftadastraError).kind == .invalidArgument }
    // Without its snapshot (as while a checkpoint builds it), the archived WAL before the log
    // gives the same start, as it does to the node's readers.
    try FileManager.default.removeItem(atPath: result.snapshot.path)
    let fromArchive = try Replayer.replay(path: path, policy: .strict)
    #expect(try fromArchive.baseSnapshot == nil && fromArchive.keyCount() == 29)
    #expect(try fromArchive.state.entry(for: Array("k1".utf8))?.value == Array("after".utf8))
    // Without either, the log is not the node's state, and every reader says so.
    try FileManager.default.removeItem(atPath: result.archivedWAL)
    #expect {
      try Replayer.replay(path: path, policy: .salvage)
    } throws: { error in
      let error = error as! SoftadastraError
      return error.kind == .corrupt && error.message.contains("continues a snapshot at LSN 30")
    }
  }

  @Test func aCompactedWALIsSelfContainedAndServesAsANodeWAL() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let client = try CheckpointRecoveryTests.reopen(path)
    for index in 0..<20 { try client.put("k\(index % 7)", "v\(index)") }
    try client.close()
    let compactedDirectory = TemporaryDirectory()
    let compacted = compactedDirectory.file("node-a.wal")
    try Replayer.replay(path: path, policy: .strict).writeCompactedWAL(to: compacted)
    let header = try WALScanner(path: compacted).header
    #expect(header.firstLSN == 21 && !header.continuesSnapshot)
    let reader = try CheckpointRecoveryTests.reopen(compacted, readOnly: true)
    #expect(reader.size == 7)
    #expect(try reader.get("k6")?.string == "v13")
    try reader.close()
    let writer = try CheckpointRecoveryTests.reopen(compacted)
    #expect(try writer.commit([.put(key: Array("new".utf8), value: [1])]) == 28...28)
    try writer.close()
  }
}
