import Foundation
import SoftadastraTestSupport
import Testing

@testable import Softadastra

/// Delta snapshots: a node checkpointed into deltas and full snapshots at random reads what a
/// model of its writes says, by every way of reading, in this process and a new one; retention
/// keeps what a damaged file needs; a damaged or missing file falls back and loses nothing.
@Suite struct DeltaSnapshotTests {
  static func key(_ index: Int) -> String { "key/\(index / 10)/\(index)" }

  /// Checks every way of reading `client` against `model`.
  static func check(_ client: Client, against model: [String: String], _ context: String) throws {
    #expect(try client.textEntries() == model, "\(context): listing")
    #expect(client.size == model.count, "\(context): size")
    for index in stride(from: 0, to: 700, by: 7) {
      #expect(try client.get(key(index))?.string == model[key(index)], "\(context): get \(key(index))")
    }
    let prefix = "key/3/"
    let listed = try client.entries(prefix: Array(prefix.utf8)).map { String(decoding: $0.key, as: UTF8.self) }
    #expect(listed == model.keys.filter { $0.hasPrefix(prefix) }.sorted(), "\(context): prefix")
  }

  /// Random puts and deletes over a full snapshot of 400 keys, checkpointed (deltas while the
  /// changes are few, full past that, or when asked), checked after every step.
  @Test(arguments: [1 as UInt64, 2, 3])
  func randomWritesAndCheckpointsReadWhatWasWritten(seed: UInt64) throws {
    let directory = TemporaryDirectory()
    let wal = directory.file("node-a.wal")
    let client = try BackupRestoreTests.client(wal)
    var model: [String: String] = [:]
    try client.commit(
      (0..<400).map { index in
        model[Self.key(index)] = "base \(index)"
        return .put(key: Array(Self.key(index).utf8), value: Array("base \(index)".utf8))
      })
    try client.checkpoint()
    var random = SplitMix64(seed: seed)
    var deltas = 0
    var fulls = 0
    for step in 0..<40 {
      var operations: [StoreOperation] = []
      for _ in 0..<(1 + random.next() % 12) {
        let key = Self.key(Int(random.next() % 700))
        if random.next() % 3 == 0 {
          operations.append(.delete(key: Array(key.utf8)))
          model[key] = nil
        } else {
          let value = "step \(step) \(random.next() % 1000)"
          operations.append(.put(key: Array(key.utf8), value: Array(value.utf8)))
          model[key] = value
        }
      }
      try client.commit(operations)
      if random.next() % 3 != 0 {
        let result = try #require(try client.checkpoint(full: random.next() % 6 == 0))
        if result.snapshot.baseLSN == nil { fulls += 1 } else { deltas += 1 }
      }
      try Self.check(client, against: model, "seed \(seed) step \(step)")
      let reader = try Client.openedReadOnly(walPath: wal)
      try Self.check(reader, against: model, "seed \(seed) step \(step), a new reader")
      try reader.close()
    }
    try client.close()
    #expect(deltas > 5 && fulls > 2, "both kinds written: \(deltas) deltas, \(fulls) full")
  }

  /// A node whose newest snapshot is a delta, checkpointed so that a way back older than its
  /// base exists: the files retention keeps, and what each damaged or missing file falls back to.
  static func nodeWithADelta(_ directory: TemporaryDirectory) throws -> (
    wal: String, model: [String: String], lsns: (older: UInt64, base: UInt64, delta: UInt64)
  ) {
    let wal = directory.file("node-a.wal")
    let client = try BackupRestoreTests.client(wal)
    var model: [String: String] = [:]
    func put(_ keys: Range<Int>, _ value: String) throws {
      try client.commit(keys.map { .put(key: Array(Self.key($0).utf8), value: Array(value.utf8)) })
      for index in keys { model[Self.key(index)] = value }
    }
    try put(0..<200, "first")
    let older = try #require(try client.checkpoint()).snapshot
    try put(0..<100, "second")
    let base = try #require(try client.checkpoint()).snapshot
    #expect(older.baseLSN == nil && base.baseLSN == nil, "100 changes are more than 200 / 8")
    try put(0..<10, "third")
    #expect(try client.checkpoint()?.snapshot.baseLSN == base.lsn)
    try put(5..<15, "fourth")
    _ = try client.remove(Self.key(1))
    model[Self.key(1)] = nil
    let delta = try #require(try client.checkpoint()).snapshot
    #expect(delta.baseLSN == base.lsn, "a delta replacing the one before")
    let files = NodeFiles(walPath: wal)
    #expect(
      try SnapshotReader(path: files.snapshotPath(lsn: delta.lsn)).dictionary
        == SnapshotDictionary.sample(SnapshotReader(path: files.snapshotPath(lsn: base.lsn))),
      "a delta's dictionary is sampled from its base, not from the delta it replaces")
    try put(20..<22, "in the log")
    try client.close()
    return (wal, model, (older.lsn, base.lsn, delta.lsn))
  }

  @Test func retentionKeepsTheDeltaItsBaseAndAWayBackOlderThanBoth() throws {
    let directory = TemporaryDirectory()
    let (wal, model, lsns) = try Self.nodeWithADelta(directory)
    let files = NodeFiles(walPath: wal)
    #expect(files.snapshots().map(\.lsn) == [lsns.delta, lsns.base, lsns.older], "the first delta went")
    #expect(files.segments().first?.firstLSN == lsns.older + 1, "the logs after the way back stay")
    #expect(files.segments().count == 3)
    #expect(try BackupRestoreTests.export(wal) == model)
  }

  @Test(arguments: ["delta", "base", "older"])
  func oneDamagedFileLosesNothing(damaged: String) throws {
    let directory = TemporaryDirectory()
    let (wal, model, lsns) = try Self.nodeWithADelta(directory)
    let files = NodeFiles(walPath: wal)
    let path = files.snapshotPath(lsn: ["delta": lsns.delta, "base": lsns.base, "older": lsns.older][damaged]!)
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let blockByte = FileBytes.firstSnapshotBlock(path) + 3
    var broken = data
    broken[blockByte] ^= 0x40
    try broken.write(to: URL(fileURLWithPath: path))

    let reader = try Client.openedReadOnly(walPath: wal)
    try Self.check(reader, against: model, "\(damaged) damaged")
    #expect(reader.skippedSnapshots.isEmpty == (damaged == "older"), "only what was read is set aside")
    try reader.close()
    // A writer goes on, and its next checkpoint is sound.
    let writer = try BackupRestoreTests.client(wal)
    try writer.put(Self.key(3), "after")
    try writer.checkpoint()
    var expected = model
    expected[Self.key(3)] = "after"
    try Self.check(writer, against: expected, "\(damaged) damaged, after a checkpoint")
    try writer.close()
    #expect(try BackupRestoreTests.export(wal) == expected)
  }

  /// A client's block cache budget holds for the delta and its base together: one cache.
  @Test func aDeltaAndItsBaseShareTheBlockCacheBudget() throws {
    let directory = TemporaryDirectory()
    let (wal, model, _) = try Self.nodeWithADelta(directory)
    var options = ClientOptions.persistent(nodeID: "node-a", walPath: wal)
    options.readOnly = true
    options.blockCacheBytes = 1 << 20
    let client = Client(options)
    try client.open()
    try Self.check(client, against: model, "a shared cache")
    let stack = try #require(client.state?.snapshot)
    #expect(stack.top.cache === stack.base?.cache)
    #expect(stack.top.cache.capacity == 1 << 20 && stack.top.cache.bytes > 0 && stack.top.cache.bytes <= 1 << 20)
    try client.close()
  }

  @Test func aDeltaWhoseBaseIsMissingOrAnotherFallsBack() throws {
    let directory = TemporaryDirectory()
    let (wal, model, lsns) = try Self.nodeWithADelta(directory)
    let files = NodeFiles(walPath: wal)
    let base = files.snapshotPath(lsn: lsns.base)
    // Another snapshot at the base's LSN (the older one's bytes): its header CRC differs.
    try FileManager.default.removeItem(atPath: base)
    try FileManager.default.copyItem(atPath: files.snapshotPath(lsn: lsns.older), toPath: base)
    let reader = try Client.openedReadOnly(walPath: wal)
    try Self.check(reader, against: model, "another base")
    #expect(
      reader.skippedSnapshots.contains { $0.message.contains("is another snapshot than the one it was written over") })
    try reader.close()
    try FileManager.default.removeItem(atPath: base)
    let again = try Client.openedReadOnly(walPath: wal)
    try Self.check(again, against: model, "no base")
    #expect(again.skippedSnapshots.contains { $0.message.contains("is missing") })
    try again.close()
  }

  @Test func aBackupOfADeltaHoldsTheWholeStateAndRestores() throws {
    let directory = TemporaryDirectory()
    let (wal, model, lsns) = try Self.nodeWithADelta(directory)
    let archive = directory.file("node.sdbackup")
    let manifest = try BackupRestoreTests.backup(wal, to: archive)
    #expect(manifest.snapshotLSN == lsns.delta && manifest.keyCount == UInt64(model.count))
    let restored = directory.file("restored/node-a.wal")
    try FileManager.default.createDirectory(atPath: directory.file("restored"), withIntermediateDirectories: true)
    _ = try Restore.run(archive: try BackupArchive(path: archive), walPath: restored, nodeID: "node-a")
    #expect(try SnapshotReader(path: NodeFiles(walPath: restored).snapshots()[0].path).header.base == nil)
    #expect(try BackupRestoreTests.export(restored) == model)
  }

  /// After a restore the restored snapshot is the node's only snapshot and no archived WAL goes
  /// back to LSN 1: the first checkpoint is full (a delta over it would make it the one file the
  /// node cannot lose); deltas follow.
  @Test func theFirstCheckpointAfterARestoreIsFull() throws {
    let directory = TemporaryDirectory()
    let (wal, model, _) = try Self.nodeWithADelta(directory)
    let archive = directory.file("node.sdbackup")
    _ = try BackupRestoreTests.backup(wal, to: archive)
    let restored = directory.file("restored/node-a.wal")
    try FileManager.default.createDirectory(atPath: directory.file("restored"), withIntermediateDirectories: true)
    _ = try Restore.run(archive: try BackupArchive(path: archive), walPath: restored, nodeID: "node-a")
    let client = try BackupRestoreTests.client(restored)
    try client.put(Self.key(0), "after the restore")
    #expect(try client.checkpoint()?.snapshot.baseLSN == nil, "no way back but the restored snapshot")
    try client.put(Self.key(1), "later")
    let delta = try #require(try client.checkpoint()).snapshot
    #expect(delta.baseLSN != nil, "the restored snapshot is the way back now")
    var expected = model
    expected[Self.key(0)] = "after the restore"
    expected[Self.key(1)] = "later"
    try Self.check(client, against: expected, "after the restore")
    try client.close()
  }

  /// A damaged way back is no way back: with the archived WALs no longer reaching LSN 1, the next
  /// checkpoint is full rather than a delta whose base would be the one file the node cannot lose.
  @Test func aDamagedWayBackMakesTheNextCheckpointFull() throws {
    let directory = TemporaryDirectory()
    let (wal, _, lsns) = try Self.nodeWithADelta(directory)
    let files = NodeFiles(walPath: wal)
    #expect(files.segments().first?.firstLSN != 1)
    let older = files.snapshotPath(lsn: lsns.older)
    FileBytes.flipBit(older, offset: FileBytes.firstSnapshotBlock(older) + 3, bit: 4)
    let client = try BackupRestoreTests.client(wal)
    try client.put(Self.key(3), "after")
    #expect(try client.checkpoint()?.snapshot.baseLSN == nil)
    try client.close()
  }

  /// A writer checks, before it appends, that readers will find where the live WAL's history
  /// starts: a delta without its full snapshot and without a way back is damage, not a node to
  /// write to.
  @Test func aWriterRefusesANodeWhoseDeltaLostItsBaseAndItsWayBack() throws {
    let directory = TemporaryDirectory()
    let (wal, _, lsns) = try Self.nodeWithADelta(directory)
    let files = NodeFiles(walPath: wal)
    try FileManager.default.removeItem(atPath: files.snapshotPath(lsn: lsns.base))
    try FileManager.default.removeItem(atPath: files.snapshotPath(lsn: lsns.older))
    var options = ClientOptions.persistent(nodeID: "node-a", walPath: wal)
    options.loadsStoreOnOpen = false
    let writer = Client(options)
    #expect {
      try writer.open()
      try writer.put("lost", "write")
    } throws: { error in
      (error as? SoftadastraError)?.kind == .corrupt
    }
    try? writer.close()
    #expect(try WALScanner(path: wal).header.firstLSN == lsns.delta + 1)
    var scanner = try WALScanner(path: wal)
    var records = 0
    while try scanner.next() != nil { records += 1 }
    #expect(records == 2, "nothing appended past the two puts in the log")
  }

  /// A sync-table record that does not decode (a crafted log: a valid table is at most about
  /// 57 KB, a header holds at most 64 KiB) stops a checkpoint with an error, not a trap.
  @Test func aCheckpointRefusesASyncTableThatDoesNotDecode() throws {
    let directory = TemporaryDirectory()
    let wal = directory.file("node-a.wal")
    let header = WALHeader(nodeID: "node-a", createdMilliseconds: 1, firstLSN: 1, continuesSnapshot: false)
    var bytes = header.encoded()
    var seed = header.checksum
    for record in [
      WALRecord(
        lsn: 1, timestamp: HybridTimestamp(rawValue: 1), body: .operation(.put(key: [1], value: [2]), origin: nil)),
      WALRecord(
        lsn: 2, timestamp: HybridTimestamp(rawValue: 2), body: .syncTable(payload: [UInt8](repeating: 1, count: 70_000))
      ),
    ] {
      seed = RecordEncoder.append(record, seed: seed, to: &bytes)
    }
    FileBytes.write(bytes, to: wal)
    let client = try BackupRestoreTests.client(wal)
    #expect {
      try client.checkpoint()
    } throws: { error in
      (error as? SoftadastraError)?.message.contains("does not decode") == true
    }
    try client.close()
    #expect(NodeFiles(walPath: wal).snapshots().isEmpty)
  }

  /// The policy: a delta while the changes since the full snapshot (the delta's entries and one
  /// per record since) are at most an eighth of its entries.
  @Test func aCheckpointWritesADeltaWhileTheChangesAreAnEighthOfTheFullSnapshot() throws {
    let directory = TemporaryDirectory()
    let client = try BackupRestoreTests.client(directory.file("node-a.wal"))
    func put(_ keys: Range<Int>) throws {
      for index in keys { try client.put(Self.key(index), "\(index)") }
    }
    try put(0..<800)
    let full = try #require(try client.checkpoint()).snapshot
    #expect(full.baseLSN == nil, "nothing to be a delta of")
    try put(0..<60)
    #expect(try client.checkpoint()?.snapshot.baseLSN == full.lsn, "60 of 800")
    try put(0..<40)
    #expect(try client.checkpoint()?.snapshot.baseLSN == full.lsn, "60 held + 40 records: 100 of 800")
    try put(800..<841)
    let merged = try #require(try client.checkpoint()).snapshot
    #expect(merged.baseLSN == nil, "60 held + 41 records: 101 of 800")
    try put(0..<1)
    #expect(try client.checkpoint()?.snapshot.baseLSN == merged.lsn)
    try client.close()
  }
}
