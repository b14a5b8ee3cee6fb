import Foundation
import SoftadastraTestSupport
@_spi(Storage) import SoftadastraWAL
import Testing

@testable import Softadastra

/// A full state imported into a new node becomes the node's first snapshot (`FullStateSeed`):
/// the node the log and a checkpoint would make, without the log; all or nothing at every power
/// cut and every failed call; and a node that holds anything takes the log's way.
@Suite(.serialized) struct FullStateSeedTests {
  /// Node `id` in `directory`, with automatic checkpoints on (a node with them off is not seeded).
  static func open(_ directory: TemporaryDirectory, _ id: String) throws -> Client {
    try SyncTests.open(directory, id, checkpointBytes: ClientOptions.defaultCheckpointBytes)
  }

  /// node-a, holding 300 keys, one rewritten, one deleted (a tombstone) and one of node-c's.
  static func makeSender(_ directory: TemporaryDirectory) throws -> Client {
    let a = try SyncTests.open(directory, "node-a")
    let c = try SyncTests.open(directory, "node-c")
    try c.put("from-c", "c")
    try SyncTests.send(c, to: a)
    try c.close()
    try a.commit((0..<300).map { .put(key: Array("k\($0)".utf8), value: Array("v\($0)".utf8)) })
    try a.put("k7", "rewritten")
    try a.remove("k8")
    return a
  }

  /// `sender`'s full state for `recipient`, through a bundle file in `directory`.
  static func fullState(of sender: Client, for recipient: String = "node-b", in directory: TemporaryDirectory)
    throws -> ReceivedSyncBundle
  {
    let sink = MemorySink()
    try sender.sendSyncBundle(for: recipient, fullState: true, to: sink)
    let path = directory.file("full-\(recipient)-\(UInt64.random(in: 0...UInt64.max)).sdsync")
    FileBytes.write(sink.bytes, to: path)
    return try ReceivedSyncBundle.read(path: path)
  }

  /// node-a's full state for node-b (its file in `source`), and the keys and values it holds.
  static func senderBundle(in source: TemporaryDirectory) throws -> (ReceivedSyncBundle, [String: String]) {
    let a = try makeSender(source)
    defer { try? a.close() }
    return (try fullState(of: a, in: source), try a.textEntries())
  }

  /// Every key `client` holds or has deleted, with its version.
  static func versions(_ client: Client, keys: [String]) throws -> [String: WriteVersion?] {
    Dictionary(uniqueKeysWithValues: try keys.map { ($0, try client.writeVersion(of: Array($0.utf8))) })
  }

  @Test func aFullStateSeedsANewNodeAsItsFirstSnapshotAndTheNodeGoesOn() throws {
    let directory = TemporaryDirectory()
    let a = try Self.makeSender(directory)
    let bundle = try Self.fullState(of: a, in: directory)
    let keys = try Array(a.textEntries().keys) + ["k8"]
    let b = try Self.open(directory, "node-b")
    let result = try b.applySyncBundle(bundle)
    #expect(result.applied == bundle.operationCount && result.ignored == 0 && result.isFullState)
    #expect(b.writer?.header.firstLSN == UInt64(bundle.operationCount) + 1, "the client is in the new log at once")

    // One snapshot at the last operation's LSN, an empty log after it, no archived log, nothing left over.
    let lsn = UInt64(bundle.operationCount)
    let files = NodeFiles(walPath: directory.file("node-b.wal"))
    #expect(files.snapshots().map(\.lsn) == [lsn])
    #expect(files.segments().isEmpty)
    let live = try WALScanner(path: files.walPath, materialize: false)
    #expect(live.header.firstLSN == lsn + 1 && live.header.continuesSnapshot && live.fileSize == live.header.size)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).allSatisfy { !$0.hasPrefix(".") })
    // The snapshot names the last operation's time (later than every origin's) and the CRC of its entries.
    let header = try SnapshotHeader.read(path: files.snapshots()[0].path)
    #expect(header.lsn == lsn && header.lastTimestamp > bundle.newest!.timestamp && header.lastRecordChecksum != 0)
    #expect(header.successorChecksum == live.header.checksum && header.localOperations == 0)

    // The sender's values and versions (its delete's included), in the open client and reopened.
    func expectSenderState(_ client: Client, _ when: String, outbox: Int) throws {
      #expect(try client.textEntries() == a.textEntries(), "\(when)")
      #expect(try Self.versions(client, keys: keys) == Self.versions(a, keys: keys), "\(when)")
      #expect(try client.receivedPosition(from: "node-a") == bundle.header.end, "\(when)")
      #expect(try client.syncState().outboxSize == outbox, "\(when)")
    }
    try expectSenderState(b, "open", outbox: 0)
    // The client goes on in the new log, and its clock after the snapshot's.
    try b.put("from-b", "b")
    #expect(try b.writeVersion(of: Array("from-b".utf8))!.timestamp > header.lastTimestamp)
    try b.close()
    let reopened = try Self.open(directory, "node-b")
    #expect(try reopened.remove("from-b"))
    try expectSenderState(reopened, "reopened", outbox: 2)

    // Its writes reach node-a, and node-a's later writes reach it in a part of a log.
    try reopened.put("from-b", "b")
    try SyncTests.send(reopened, to: a)
    #expect(try a.get("from-b")?.string == "b")
    try a.put("k1", "later")
    let later = try SyncTests.send(a, to: reopened)
    #expect(!later.isFullState && later.applied == 1)
    #expect(try reopened.get("k1")?.string == "later")
    try reopened.checkpoint()
    try reopened.close()
    #expect(try Client.readOnlyTextEntries(walPath: files.walPath, nodeID: "node-b") == a.textEntries())
    try a.close()
  }

  /// The same bundle applied through the log (to a node that holds a key already) gives every key
  /// of it the value and the version the seed gives.
  @Test func aSeedHoldsWhatTheLogWouldHold() throws {
    let directory = TemporaryDirectory()
    let a = try Self.makeSender(directory)
    let keys = try Array(a.textEntries().keys) + ["k8"]
    let b = try Self.open(directory, "node-b")
    let d = try Self.open(directory, "node-d")
    try d.put("d-only", "d")
    let (toB, toD) = (try Self.fullState(of: a, in: directory), try Self.fullState(of: a, for: "node-d", in: directory))
    let seeded = try b.applySyncBundle(toB)
    let logged = try d.applySyncBundle(toD)
    #expect(seeded.applied == logged.applied)
    #expect(try b.receivedPosition(from: "node-a") == toB.header.end)
    #expect(try d.receivedPosition(from: "node-a") == toD.header.end)
    #expect(NodeFiles(walPath: directory.file("node-b.wal")).snapshots().count == 1)
    #expect(NodeFiles(walPath: directory.file("node-d.wal")).snapshots().isEmpty)
    var expected = try b.textEntries()
    expected["d-only"] = "d"
    #expect(try d.textEntries() == expected)
    #expect(try Self.versions(d, keys: keys) == Self.versions(b, keys: keys))
    for client in [a, b, d] { try client.close() }
  }

  /// An empty node with its log in place (how a node that will be seeded starts).
  static func makeEmptyNode(at walPath: String) throws {
    try FileManager.default.createDirectory(
      atPath: (walPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    let client = Client(.persistent(nodeID: "node-b", walPath: walPath))
    try client.open()
    try client.close()
  }

  /// A node that holds a record, automatic checkpoints off, or continuous archiving set up takes
  /// a whole state through its log.
  @Test func aNodeThatIsNotNewOrKeepsItsLogTakesAWholeStateThroughTheLog() throws {
    let directory = TemporaryDirectory()
    let a = try Self.makeSender(directory)
    let expected = try a.textEntries()
    let held = try Self.open(directory, "held")
    try held.put("held-only", "older")
    try held.remove("held-only")
    let noCheckpoints = try SyncTests.open(directory, "no-checkpoints")
    let archived = try Self.open(directory, "archived")
    FileBytes.write([], to: NodeFiles(walPath: directory.file("archived.wal")).archivingFiles[0])
    for client in [held, noCheckpoints, archived] {
      let id = client.options.nodeID
      #expect(try client.applySyncBundle(try Self.fullState(of: a, for: id, in: directory)).isFullState)
      #expect(NodeFiles(walPath: directory.file("\(id).wal")).snapshots().isEmpty, "\(id)")
      #expect(try client.textEntries() == expected, "\(id)")
      try client.close()
    }
    try a.close()
  }

  /// The snapshot names its history by the CRC-32C of all its entries, the last block's too.
  @Test func aSeedOfOneKeyNamesItsHistoryByItsEntries() throws {
    let directory = TemporaryDirectory()
    let a = try SyncTests.open(directory, "node-a")
    try a.put("only", "one")
    let b = try Self.open(directory, "node-b")
    try b.applySyncBundle(try Self.fullState(of: a, in: directory))
    let reader = try SnapshotReader(
      path: try #require(NodeFiles(walPath: directory.file("node-b.wal")).snapshots().first).path)
    #expect(reader.blockCount == 1 && reader.header.lsn == 1)
    var checksum: UInt32 = 0
    for number in 0..<reader.blockCount {
      let block = try reader.indexedBlock(number)
      let raw = try reader.storedBlock(block).withUnsafeBytes {
        try Zlib.decompressRaw($0, size: Int(block.rawSize), dictionary: reader.dictionary)
      }
      checksum = CRC32C.extend(checksum, try #require(raw))
    }
    #expect(checksum != 0 && reader.header.lastRecordChecksum == checksum)
    for client in [a, b] { try client.close() }
  }

  /// A writer open on the node while a seed took effect in a process that died before moving its
  /// files in (its journal written) finishes the seed before it writes: its write is not put into
  /// the log the seed moves away.
  @Test func aWriterOpenDuringASeedThatDiedMidwayFinishesItBeforeWriting() throws {
    let directory = TemporaryDirectory()
    let a = try Self.makeSender(directory)
    var expected = try a.textEntries()
    // The seeded files, as the dead process left them in its scratch directory.
    let elsewhere = TemporaryDirectory()
    let seeded = try Self.open(elsewhere, "node-b")
    try seeded.applySyncBundle(try Self.fullState(of: a, in: directory))
    try seeded.close()
    let snapshotName = try #require(NodeFiles(walPath: elsewhere.file("node-b.wal")).snapshots().first).path
      .split(separator: "/").last.map(String.init)!
    let writer = try Self.open(directory, "node-b")
    let scratch = ".softadastra-restore-999999-abcdef"
    try FileManager.default.createDirectory(atPath: directory.file(scratch), withIntermediateDirectories: false)
    for name in [snapshotName, "node-b.wal"] {
      try FileManager.default.copyItem(atPath: elsewhere.file(name), toPath: directory.file("\(scratch)/\(name)"))
    }
    try RestoreJournal(
      moves: [
        .init(from: "node-b.wal", to: "\(scratch)/node-b.wal.empty"),
        .init(from: "\(scratch)/\(snapshotName)", to: snapshotName),
        .init(from: "\(scratch)/node-b.wal", to: "node-b.wal"),
      ], scratch: scratch
    ).commit(for: NodeFiles(walPath: directory.file("node-b.wal")))

    try writer.put("written-after", "kept")
    expected["written-after"] = "kept"
    #expect(try writer.textEntries() == expected)
    try writer.close()
    #expect(try Client.readOnlyTextEntries(walPath: directory.file("node-b.wal"), nodeID: "node-b") == expected)
    try a.close()
  }

  @Test func everyPowerCutDuringASeedLeavesTheEmptyNodeOrTheSeededOne() throws {
    let source = TemporaryDirectory()
    let (bundle, expected) = try Self.senderBundle(in: source)
    let directory = TemporaryDirectory()
    let walPath = directory.file("node/node-b.wal")
    try Self.makeEmptyNode(at: walPath)
    let model = PowerLossModel(root: directory.path)
    var acknowledgedFrom = Int.max
    try IOObservation.with(model) {
      try model.adoptExistingFiles()
      let b = Client(.persistent(nodeID: "node-b", walPath: walPath))
      try b.open()
      try b.applySyncBundle(bundle)
      acknowledgedFrom = model.eventCount
      try b.close()
    }
    var random = SplitMix64(seed: 21)
    var (states, seededStates, journalStates) = (0, 0, 0)
    for point in 0..<model.eventCount {
      for survival in [PowerLossModel.Survival.nothingUnsynced, .everything, .randomPrefixes, .tornWrite] {
        let scratch = TemporaryDirectory("softadastra-powerloss")
        try model.materializeCrashState(at: point, into: scratch.path, survival: survival, using: &random)
        states += 1
        let crashedWAL = scratch.file("node/node-b.wal")
        if FileManager.default.fileExists(atPath: scratch.file("node/node-b.restore-journal")) { journalStates += 1 }
        let found = try Client.readOnlyTextEntries(walPath: crashedWAL, nodeID: "node-b")
        #expect(
          found == expected || (found.isEmpty && point < acknowledgedFrom),
          "point \(point) \(survival): \(found.count) keys, neither the empty node nor the seeded one")
        if found == expected {
          seededStates += 1
          let reader = try Client.openedReadOnly(walPath: crashedWAL, nodeID: "node-b")
          #expect(try reader.receivedPosition(from: "node-a") == bundle.header.end, "point \(point) \(survival)")
          try reader.close()
        }
        try RestoreAtomicityTests.expectTheNextWriteGoesOn(
          walPath: crashedWAL, nodeID: "node-b", from: found, "point \(point) \(survival)")
      }
    }
    #expect(seededStates > 0 && seededStates < states && journalStates > 0)
  }

  @Test func aFailureInjectedIntoAnyCallOfASeedLeavesTheNodeAsItWasOrSeeded() throws {
    let source = TemporaryDirectory()
    let (bundle, expected) = try Self.senderBundle(in: source)
    func seed(_ root: String, injecting injector: OperationInjector) -> Result<SyncImportResult, SoftadastraError> {
      IOObservation.with(injector) {
        Result { () throws(SoftadastraError) in
          let b = Client(.persistent(nodeID: "node-b", walPath: root + "/node/node-b.wal"))
          try b.open()
          defer { try? b.close() }
          return try b.applySyncBundle(bundle)
        }
      }
    }
    let counting = TemporaryDirectory()
    try Self.makeEmptyNode(at: counting.file("node/node-b.wal"))
    let counter = OperationInjector(root: counting.path, failAt: nil)
    #expect(try seed(counting.path, injecting: counter).get().applied == bundle.operationCount)
    #expect(counter.count > 10)
    var failures = 0
    for failAt in 0..<counter.count {
      for code in [EIO, ENOSPC] {
        let directory = TemporaryDirectory()
        let walPath = directory.file("node/node-b.wal")
        try Self.makeEmptyNode(at: walPath)
        let before = RestoreAtomicityTests.snapshotOfFiles(directory.path)
        let injector = OperationInjector(root: directory.path, failAt: failAt, code: code)
        let outcome = seed(directory.path, injecting: injector)
        let found = try Client.readOnlyTextEntries(walPath: walPath, nodeID: "node-b")
        // A failure after the commit (reopening the log, which makes no call this injects into)
        // would say that the bundle was imported.
        if case .failure(let error) = outcome, !error.message.hasPrefix("the bundle was imported") {
          failures += 1
          let after = RestoreAtomicityTests.snapshotOfFiles(directory.path)
          #expect(
            after == before,
            "failing \(injector.failed ?? "?") changed \(Set(after.keys).symmetricDifference(before.keys).sorted()): \(error)"
          )
          #expect(found.isEmpty, "failing \(injector.failed ?? "?")")
          // Nothing was recorded: the same bundle seeds the node once the disk is well.
          _ = try seed(directory.path, injecting: OperationInjector(root: directory.path, failAt: nil)).get()
        }
        #expect(
          try Client.readOnlyTextEntries(walPath: walPath, nodeID: "node-b") == expected,
          "operation \(failAt) (\(injector.failed ?? "none")): \(outcome)")
      }
    }
    #expect(failures > 10)
  }

  /// A journal is never written over another: the unfinished change it records is finished first.
  @Test func aJournalIsNeverWrittenOverAnother() throws {
    let directory = TemporaryDirectory()
    let files = NodeFiles(walPath: directory.file("node-a.wal"))
    let first = RestoreJournal(moves: [.init(from: "a", to: "b")], scratch: ".scratch-1")
    try first.commit(for: files)
    #expect(throws: SoftadastraError.self) {
      try RestoreJournal(moves: [.init(from: "c", to: "d")], scratch: ".scratch-2").commit(for: files)
    }
    #expect(FileBytes.read(RestoreJournal.path(for: files)) == first.encoded())
  }

  /// Another client of the node, open while it is seeded, reads the seeded node and writes after it.
  @Test func aClientOpenDuringTheSeedMovesToTheSeededNode() throws {
    let directory = TemporaryDirectory()
    let a = try Self.makeSender(directory)
    let bundle = try Self.fullState(of: a, in: directory)
    let other = try Self.open(directory, "node-b")
    #expect(try other.get("k0") == nil)
    let seeding = try Self.open(directory, "node-b")
    try seeding.applySyncBundle(bundle)
    #expect(try other.get("k0")?.string == "v0")
    try other.put("k0", "other")
    #expect(try seeding.get("k0")?.string == "other")
    #expect(try other.textEntries().count == a.textEntries().count)
    for client in [a, other, seeding] { try client.close() }
  }
}
