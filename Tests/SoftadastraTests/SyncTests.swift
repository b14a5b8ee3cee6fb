import Foundation
import SoftadastraTestSupport
@_spi(Storage) import SoftadastraWAL
import Testing

@testable import Softadastra

/// Sync between two or three nodes, step by step: the bundle format, the conflict rule,
/// tombstones, idempotence, durability of positions, refusals that change nothing, and a node
/// restored from a backup.
@Suite struct SyncTests {
  static func open(_ directory: TemporaryDirectory, _ id: String, checkpointBytes: UInt64 = 0) throws -> Client {
    var options = ClientOptions.persistent(nodeID: id, walPath: directory.file("\(id).wal"))
    options.checkpointBytes = checkpointBytes
    let client = Client(options)
    try client.open()
    return client
  }

  /// `sender`'s bundle for `recipient`, through its bytes, imported there.
  @discardableResult
  static func send(_ sender: Client, to recipient: Client, full: Bool = false) throws -> SyncImportResult {
    let bundle = try sender.makeSyncBundle(for: recipient.options.nodeID, fullState: full)
    return try recipient.applySyncBundle(try SyncBundle.decode(bundle.encoded(), source: "bundle"))
  }

  /// A backup of node `id` in `directory`; its path.
  static func backUp(_ directory: TemporaryDirectory, _ id: String) throws -> String {
    let archive = directory.file("\(id)-\(UInt64.random(in: 0...UInt64.max)).sdbackup")
    _ = try BackupWriter.write(
      walPath: directory.file("\(id).wal"), to: try SystemFile.createExclusive(archive), toolVersion: "test")
    return archive
  }

  static func restore(_ archive: String, to walPath: String, as id: String, force: Bool = false) throws {
    _ = try Restore.run(archive: try BackupArchive(path: archive), walPath: walPath, nodeID: id, force: force)
  }

  static func exchange(_ a: Client, _ b: Client) throws {
    try send(a, to: b)
    try send(b, to: a)
    try send(a, to: b)
  }

  static let sample = SyncBundle(
    sender: "node-a", recipient: "node-b", created: HybridTimestamp(milliseconds: 1_795_594_148_700, counter: 3),
    isFullState: false, fromLSN: 3,
    end: LogPosition(lsn: 9, checksum: 0x1234_5678, localOperations: 7),
    acknowledgement: LogPosition(lsn: 4, checksum: 0x9ABC_DEF0, localOperations: 2),
    operations: [
      SyncOperation(
        .put(key: Array("app/name".utf8), value: Array("Softadastra".utf8)),
        origin: Origin(
          nodeID: "node-a", lsn: 4, timestamp: HybridTimestamp(milliseconds: 1_795_594_148_650, counter: 4))),
      SyncOperation(
        .delete(key: Array("doc/1".utf8)),
        origin: Origin(
          nodeID: "node-c", lsn: 12, timestamp: HybridTimestamp(milliseconds: 1_795_594_148_600, counter: 1))),
      SyncOperation(
        .put(key: [0xFF, 0x00], value: [0, 1, 2]),
        origin: Origin(nodeID: "node-a", lsn: 9, timestamp: HybridTimestamp(milliseconds: 1_795_594_148_660))),
    ])

  static let vectorURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
    "Vectors/small-v2.sdsync")
  /// The same bundle in format version 1, which softadastra wrote before version 2.
  static let version1VectorURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
    "Vectors/small.sdsync")

  /// `docs/sync-format.md`'s test vector: the sample at zlib level 0 (stored blocks, so the
  /// bytes do not depend on the zlib version), byte for byte.
  @Test func theSampleBundleIsTheCommittedVector() throws {
    let bytes = Data(try Self.sample.encoded(level: 0))
    if ProcessInfo.processInfo.environment["SOFTADASTRA_UPDATE_VECTORS"] == "1" { try bytes.write(to: Self.vectorURL) }
    #expect(bytes == (try Data(contentsOf: Self.vectorURL)))
    #expect(try SyncBundle.decode([UInt8](try Data(contentsOf: Self.vectorURL)), source: "vector") == Self.sample)
  }

  /// Every cut and every bit flip of `bytes` is refused as malformed.
  static func expectEveryCutAndFlipRefused(_ bytes: [UInt8]) {
    for size in 0..<bytes.count {
      #expect(throws: SoftadastraError.self) { try SyncBundle.decode(Array(bytes.prefix(size)), source: "b") }
    }
    var refused = 0
    for offset in bytes.indices {
      for bit in 0..<8 {
        var flipped = bytes
        flipped[offset] ^= UInt8(1 << bit)
        do {
          _ = try SyncBundle.decode(flipped, source: "b")
          Issue.record("a flip of bit \(bit) at offset \(offset) was not caught")
        } catch {
          #expect(error.kind == .malformedInput)
          refused += 1
        }
      }
    }
    #expect(refused == bytes.count * 8)
    #expect(throws: SoftadastraError.self) { try SyncBundle.decode(bytes + [0], source: "b") }
  }

  @Test func bundlesRoundTripAndEveryCutOrFlippedByteIsRefused() throws {
    let bytes = try Self.sample.encoded()
    #expect(try SyncBundle.decode(bytes, source: "b") == Self.sample)
    Self.expectEveryCutAndFlipRefused(bytes)
    var newer = bytes
    newer[8] = 3
    let error = try #require(throws: SoftadastraError.self) { try SyncBundle.decode(newer, source: "b") }
    #expect(error.message.contains("format version 3") && error.message.contains("upgrade"))
  }

  @Test func version1BundlesStillReadAndEveryCutOrFlipOfOneIsRefused() throws {
    let bytes = [UInt8](try Data(contentsOf: Self.version1VectorURL))
    #expect(bytes[8] == 1)
    #expect(try SyncBundle.decode(bytes, source: "old") == Self.sample)
    Self.expectEveryCutAndFlipRefused(bytes)
    // Read from a file like any other; stray bytes after it are named as such.
    let directory = TemporaryDirectory()
    FileBytes.write(bytes, to: directory.file("old.sdsync"))
    let received = try Self.read(directory, "old.sdsync")
    #expect(received.header == Self.sample.header && received.operationCount == 3)
    FileBytes.write(bytes + [0], to: directory.file("longer.sdsync"))
    let refused = try #require(throws: SoftadastraError.self) { try Self.read(directory, "longer.sdsync") }
    #expect(refused.kind == .malformedInput && refused.message.contains("stray bytes"))
  }

  /// The bundle in file `name` of `directory`, checked in place.
  static func read(_ directory: TemporaryDirectory, _ name: String) throws -> ReceivedSyncBundle {
    try ReceivedSyncBundle.read(path: directory.file(name))
  }

  /// A live exchange takes version 2 only (both sides write it): a version 1 bundle, read whole
  /// in memory, is refused; and a greeting holds nothing.
  @Test func aLiveExchangeRefusesVersion1AndGreetingsHoldNothing() throws {
    var ends: [Int32] = [0, 0]
    #expect(pipe(&ends) == 0)
    defer { close(ends[0]) }
    let old = [UInt8](try Data(contentsOf: Self.version1VectorURL))
    #expect(old.withUnsafeBytes { write(ends[1], $0.baseAddress!, $0.count) } == old.count)
    close(ends[1])
    let stream = SyncStream(input: ends[0], output: -1, peerName: "peer")
    let refused = try #require(throws: SoftadastraError.self) { try stream.receive() }
    #expect(refused.kind == .malformedInput && refused.message.contains("version 1"))

    var greeting = Self.sample
    greeting.recipient = ""
    let error = try #require(throws: SoftadastraError.self) {
      try SyncBundle.decode(greeting.encoded(), source: "greeting")
    }
    #expect(error.message.contains("a greeting holds no operations"))
  }

  /// A bundle larger than `Client.appliedInMemoryLimit` operations, over several chunks: a part
  /// of a log with keys written twice (from a file read in place) and a whole state (through a
  /// scratch file, as from a pipe), each applied by the conflict rule as one batch.
  @Test func largeBundlesStreamInChunksAndApplyWhole() throws {
    let directory = TemporaryDirectory()
    let a = try Self.open(directory, "node-a")
    let b = try Self.open(directory, "node-b")
    let c = try Self.open(directory, "node-c")
    let count = Client.appliedInMemoryLimit + 4_464
    var expected: [String: String] = [:]
    try a.commit((0..<count).map { .put(key: Array("k\($0)".utf8), value: Array("a-\($0)".utf8)) })
    try a.commit((0..<1_000).map { .put(key: Array("k\($0)".utf8), value: Array("a2-\($0)".utf8)) })
    for index in 0..<count { expected["k\(index)"] = index < 1_000 ? "a2-\(index)" : "a-\(index)" }
    // b's own later write wins over a's; a key of b's alone stays.
    try b.put("k5", "b-new")
    try b.put("b-only", "b")

    let part = MemorySink()
    let sent = try a.sendSyncBundle(for: "node-b", to: part)
    #expect(!sent.header.isFullState && sent.operationCount == count + 1_000)
    #expect(part.bytes.count > 2 * SyncBundle.chunkTargetBytes / 4)  // several chunks, even compressed
    FileBytes.write(part.bytes, to: directory.file("part.sdsync"))
    let received = try Self.read(directory, "part.sdsync")
    #expect(!received.keysAscending && received.operationCount == count + 1_000)
    let result = try b.applySyncBundle(received)
    #expect(result.applied == count - 1 && result.ignored == 1_001)

    let whole = MemorySink()
    #expect(try a.sendSyncBundle(for: "node-c", fullState: true, to: whole).operationCount == count)
    var offset = 0
    let spooled = try #require(
      try ReceivedSyncBundle.receive(
        from: { (wanted: Int) throws(SoftadastraError) -> [UInt8] in
          let slice = Array(whole.bytes[offset..<min(whole.bytes.count, offset + wanted)])
          offset += slice.count
          return slice
        }, source: "pipe", spoolingIn: directory.path))
    #expect(spooled.keysAscending)
    #expect(try c.applySyncBundle(spooled).applied == count)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).allSatisfy { !$0.hasPrefix(".") })

    for (client, id) in [(b, "node-b"), (c, "node-c")] {
      try client.close()
      let reopened = try Self.open(directory, id)
      for (key, value) in expected where !(id == "node-b" && key == "k5") {
        #expect(try reopened.get(key)?.string == value, "\(id) \(key)")
      }
      #expect(try reopened.get("k5")?.string == (id == "node-b" ? "b-new" : "a2-5"))
      #expect(try reopened.get("b-only")?.string == (id == "node-b" ? "b" : nil))
      try reopened.close()
    }
  }

  /// A bundle file that changes between its check and its apply is refused, and nothing is
  /// written: a damaged byte, a cut, and a rewrite whose checksums all match but which holds
  /// another operation (more than were counted, or newer than the newest seen).
  @Test func aBundleFileChangedAfterItWasCheckedIsRefused() throws {
    let directory = TemporaryDirectory()
    let a = try Self.open(directory, "node-a")
    let b = try Self.open(directory, "node-b")
    for index in 0..<100 { try a.put("k\(index)", "v") }
    let bundle = try a.makeSyncBundle(for: "node-b")
    let bytes = try bundle.encoded()
    var flipped = bytes
    flipped[bytes.count - 40] ^= 1
    var more = bundle
    more.operations.append(bundle.operations[0])
    var newer = bundle
    newer.operations[5].origin.timestamp = HybridTimestamp(
      rawValue: bundle.operations[99].origin.timestamp.rawValue + 1)
    let path = directory.file("to-b.sdsync")
    let before = FileBytes.read(directory.file("node-b.wal"))
    for changed in [flipped, Array(bytes.prefix(100)), try more.encoded(), try newer.encoded()] {
      FileBytes.write(bytes, to: path)
      let received = try Self.read(directory, "to-b.sdsync")
      let file = try SystemFile.openForUpdate(path)
      try file.truncate(to: 0)
      try file.write(changed, at: 0)
      file.close()
      let refused = try #require(throws: SoftadastraError.self) { try b.applySyncBundle(received) }
      #expect(refused.kind == .malformedInput, "\(refused)")
      #expect(FileBytes.read(directory.file("node-b.wal")) == before)
    }
    #expect(try b.get("k1") == nil)
  }

  /// Accepted operations past `Client.appliedInMemoryBytes` stream into the WAL, however few,
  /// and a checkpoint follows a large import as it follows any large commit.
  @Test func largeValuesStreamIntoTheLogToo() throws {
    let directory = TemporaryDirectory()
    let a = try Self.open(directory, "node-a")
    let b = try Self.open(directory, "node-b", checkpointBytes: 16 << 20)
    let value = [UInt8](repeating: 7, count: 1 << 20)
    let count = Client.appliedInMemoryBytes >> 20 + 2
    try a.commit((0..<count).map { .put(key: Array("big\($0)".utf8), value: value + [UInt8($0)]) })
    #expect(try b.get("big0") == nil)  // b's state is loaded, and must be loaded again after the import
    #expect(try Self.send(a, to: b).applied == count)
    #expect(b.state == nil && b.backgroundCheckpoint != nil)
    for index in 0..<count { #expect(try b.get("big\(index)")?.bytes == value + [UInt8(index)]) }
  }

  @Test func laterTimestampWinsThenGreaterNodeID() {
    let early = HybridTimestamp(milliseconds: 1000, counter: 5)
    let late = HybridTimestamp(milliseconds: 1000, counter: 6)
    #expect(WriteVersion(timestamp: early, nodeID: "node-z") < WriteVersion(timestamp: late, nodeID: "node-a"))
    #expect(WriteVersion(timestamp: late, nodeID: "node-a") < WriteVersion(timestamp: late, nodeID: "node-b"))
    #expect(!(WriteVersion(timestamp: late, nodeID: "node-b") < WriteVersion(timestamp: late, nodeID: "node-b")))
  }

  @Test func aDeleteIsNeverUndoneByAnOlderWriteAndItsTombstoneGoesOnceEveryPeerHasIt() throws {
    let directory = TemporaryDirectory()
    let a = try Self.open(directory, "node-a")
    let b = try Self.open(directory, "node-b")
    try a.put("doc", "draft")
    let oldBundle = try a.makeSyncBundle(for: "node-b").encoded()
    try b.applySyncBundle(try SyncBundle.decode(oldBundle, source: "old"))
    #expect(try b.get("doc")?.string == "draft")
    try b.remove("doc")

    // The old put arrives again, before and after a checkpoint and a restart: the key stays deleted.
    #expect(try b.applySyncBundle(try SyncBundle.decode(oldBundle, source: "old")).applied == 0)
    #expect(try b.get("doc") == nil)
    let kept = try #require(try b.checkpoint())
    let withTombstone = try SnapshotReader(path: kept.snapshot.path)
    #expect(withTombstone.entryCount == 1 && withTombstone.valueCount == 0)
    try b.close()
    try b.open()
    #expect(try b.applySyncBundle(try SyncBundle.decode(oldBundle, source: "old")).applied == 0)
    #expect(try b.get("doc") == nil && b.size == 0)

    // A backup keeps the tombstone: restored elsewhere, the node still refuses the old put.
    let archive = try Self.backUp(directory, "node-b")
    #expect(try BackupArchive.verify(path: archive).isSound)
    try Self.restore(archive, to: directory.file("copy/node-b.wal"), as: "node-b")
    let copy = Client(ClientOptions.persistent(nodeID: "node-b", walPath: directory.file("copy/node-b.wal")))
    try copy.open()
    #expect(try copy.applySyncBundle(try SyncBundle.decode(oldBundle, source: "old")).applied == 0)
    #expect(try copy.get("doc") == nil)
    try copy.close()

    // a learns of the delete and acknowledges it; the next checkpoint drops the tombstone.
    try Self.exchange(b, a)
    #expect(try a.get("doc") == nil)
    try b.put("other", "x")
    let compacted = try #require(try b.checkpoint())
    let withoutTombstone = try SnapshotReader(path: compacted.snapshot.path)
    #expect(withoutTombstone.entryCount == 1 && withoutTombstone.valueCount == 1)
    try Self.exchange(b, a)
    #expect(try a.textEntries() == ["other": "x"] && b.textEntries() == ["other": "x"])
    // With the tombstone gone, the old bundle arriving once more must still not bring it back:
    // it was made before bundles already imported from a, so nothing of it is applied.
    let late = try b.applySyncBundle(try SyncBundle.decode(oldBundle, source: "old"))
    #expect(late.isStale && late.applied == 0)
    #expect(try b.get("doc") == nil)
  }

  @Test func importingTheSameBundleAgainChangesNoValue() throws {
    let directory = TemporaryDirectory()
    let a = try Self.open(directory, "node-a")
    let b = try Self.open(directory, "node-b")
    for index in 0..<50 { try a.put("k\(index % 20)", "v\(index)") }
    try a.remove("k3")
    let bundle = try a.makeSyncBundle(for: "node-b")
    let first = try b.applySyncBundle(bundle)
    #expect(first.received == 51 && first.applied == 20)  // the newest write of each of the 20 keys
    let state = try b.textEntries()
    let again = try b.applySyncBundle(bundle)
    #expect(again.applied == 0 && again.ignored == first.received)
    #expect(try b.textEntries() == state)
    #expect(try b.textEntries() == a.textEntries())
  }

  @Test func positionsSurviveRestartCheckpointBackupAndRestore() throws {
    let directory = TemporaryDirectory()
    let a = try Self.open(directory, "node-a")
    let b = try Self.open(directory, "node-b")
    for index in 0..<10 { try a.put("k\(index)", "v") }
    try Self.send(a, to: b)
    try Self.send(b, to: a)
    for index in 10..<14 { try a.put("k\(index)", "v") }
    try a.makeSyncBundle(for: "node-b")  // sent, never delivered
    try a.put("k14", "v")
    let state = try a.syncState()
    #expect(
      state.outboxSize == 5 && state.inFlightCount == 4 && state.queuedCount == 1 && state.acknowledgedCount == 10)
    #expect(state.peers.map(\.nodeID) == ["node-b"] && state.peers[0].pendingOperations == 5)
    try a.close()
    try a.open()
    #expect(try a.syncState() == state)
    try a.checkpoint()
    #expect(try a.syncState() == state)
    try a.close()
    let archive = try Self.backUp(directory, "node-a")
    let restoredWAL = directory.file("restored/node-a.wal")
    try Self.restore(archive, to: restoredWAL, as: "node-a")
    let restored = Client(ClientOptions.persistent(nodeID: "node-a", walPath: restoredWAL))
    try restored.open()
    #expect(try restored.syncState() == state)
    // The resend (the whole state: the acknowledged part of the log is in the snapshot now)
    // counts as retries, and the acknowledgement empties the outbox.
    try Self.send(restored, to: b)
    #expect(try restored.syncState().totalRetries >= 4)
    try Self.send(b, to: restored)
    #expect(try restored.syncState().outboxSize == 0)
    #expect(try restored.textEntries() == b.textEntries())
  }

  @Test func anAcknowledgementOutsideThisNodesHistoryCountsForNothing() throws {
    let directory = TemporaryDirectory()
    let a = try Self.open(directory, "node-a")
    let b = try Self.open(directory, "node-b")
    try a.put("k", "v")
    try a.remove("k")
    try Self.exchange(a, b)
    #expect(try a.syncState().peers[0].acknowledgedLSN > 0)
    // (A wrong CRC first: once a snapshot covers LSN 2, positions before it are taken as they are.)
    for wrong in [
      LogPosition(lsn: 2, checksum: 0xDEAD, localOperations: 2),
      LogPosition(lsn: 1_000, checksum: 1, localOperations: 1_000),
    ] {
      var bundle = try b.makeSyncBundle(for: "node-a")
      bundle.acknowledgement = wrong
      try a.applySyncBundle(bundle)
      let peer = try #require(try a.syncState().peers.first)
      #expect(try peer.acknowledgedLSN == 0 && a.syncState().acknowledgedCount == 0)
      // So the tombstone is kept by the next snapshot.
      try a.put("again", "x")
      let snapshot = try SnapshotReader(path: try #require(try a.checkpoint()).snapshot.path)
      #expect(snapshot.entryCount == 2 && snapshot.valueCount == 1)
    }
  }

  @Test func crazySizesInAValidLookingHeaderAreRefusedBeforeAnyAllocation() throws {
    var old = [UInt8](try Data(contentsOf: Self.version1VectorURL))
    old.withUnsafeMutableBytes { $0.storeBytes(of: UInt64(1 << 40).littleEndian, toByteOffset: 16, as: UInt64.self) }
    let error = try #require(throws: SoftadastraError.self) { try SyncBundle.decode(old, source: "b") }
    #expect(error.message.contains("over the limit"))
    // A version 2 chunk claiming 4 GiB: refused by its sizes, before its checksum is computed.
    let bytes = try Self.sample.encoded()
    let headerSize = Int(bytes.withUnsafeBytes { $0.loadLittleEndian(at: 12, as: UInt32.self) })
    for field in 0..<2 {
      var crafted = bytes
      crafted.withUnsafeMutableBytes {
        $0.storeBytes(of: UInt32.max.littleEndian, toByteOffset: headerSize + 4 * field, as: UInt32.self)
      }
      let refused = try #require(throws: SoftadastraError.self) { try SyncBundle.decode(crafted, source: "b") }
      #expect(refused.message.contains("impossible sizes"))
    }
  }

  @Test func refusedBundlesChangeNothingOnDisk() throws {
    let directory = TemporaryDirectory()
    let a = try Self.open(directory, "node-a")
    let b = try Self.open(directory, "node-b")
    let c = try Self.open(directory, "node-c")
    try a.put("k", "1")
    try Self.exchange(a, b)
    try a.put("k", "2")
    let late = try a.makeSyncBundle(for: "node-b")
    let before = FileBytes.read(directory.file("node-b.wal"))
    var gap = late
    gap.fromLSN = late.end.lsn  // claims b already has more of a's log than it does
    #expect(throws: SoftadastraError.self) { try b.applySyncBundle(gap) }
    #expect(throws: SoftadastraError.self) { try c.applySyncBundle(late) }  // for another node
    #expect(throws: SoftadastraError.self) { try b.applySyncBundle(SyncBundle.greeting(from: "node-a")) }
    // A write dated far in the future (a broken clock, or a crafted bundle at the clock's
    // maximum) would drag this node's clock along for good: refused.
    for milliseconds: UInt64 in [
      HybridTimestamp.wallClockMilliseconds() + 2 * SyncBundle.maxClockAheadMilliseconds, (1 << 48) - 1,
    ] {
      var future = late
      future.operations[0].origin.timestamp = HybridTimestamp(milliseconds: milliseconds, counter: .max)
      let refused = try #require(throws: SoftadastraError.self) { try b.applySyncBundle(future) }
      #expect(refused.message.contains("ahead of this node's clock"))
    }
    let error = try #require(throws: SoftadastraError.self) { try b.applySyncBundle(gap) }
    #expect(error.kind == .malformedInput && error.remedy == .closeTheGap(sender: "node-a", recipient: "node-b"))
    #expect(error.description.contains("fullState: true"))
    #expect(FileBytes.read(directory.file("node-b.wal")) == before)
    #expect(try b.get("k")?.string == "1")
    try b.applySyncBundle(late)
    #expect(try b.get("k")?.string == "2")
  }

  @Test func aBundleNamingAnLSNNoLogCanHoldIsRefusedWhole() throws {
    let directory = TemporaryDirectory()
    let a = try Self.open(directory, "node-a")
    try a.put("k", "1")
    let bundle = try a.makeSyncBundle(for: "node-b")
    var crafted = [bundle, bundle, bundle, bundle]
    crafted[0].end.lsn = UInt64.max
    crafted[1].fromLSN = UInt64(Int64.max) + 1
    crafted[2].acknowledgement.lsn = UInt64.max - 1
    crafted[3].operations[0].origin.lsn = UInt64.max
    for bundle in crafted {
      let refused = try #require(throws: SoftadastraError.self) {
        try SyncBundle.decode(bundle.encoded(), source: "crafted")
      }
      #expect(refused.kind == .malformedInput && refused.message.contains("above the highest a log can hold"))
    }
  }

  @Test func aBundleDatedFarAheadIsRefusedAndDoesNotSilenceItsSender() throws {
    let directory = TemporaryDirectory()
    let a = try Self.open(directory, "node-a")
    let b = try Self.open(directory, "node-b")
    try a.put("k", "1")
    var crafted = try a.makeSyncBundle(for: "node-b")
    let tenYears: UInt64 = 10 * 365 * 24 * 60 * 60 * 1000
    crafted.created = HybridTimestamp(milliseconds: HybridTimestamp.wallClockMilliseconds() + tenYears)
    let before = FileBytes.read(directory.file("node-b.wal"))
    let refused = try #require(throws: SoftadastraError.self) { try b.applySyncBundle(crafted) }
    #expect(refused.kind == .malformedInput && refused.message.contains("ahead of this node's clock"))
    #expect(FileBytes.read(directory.file("node-b.wal")) == before)
    // The genuine bundles that follow are applied, not skipped as older than the crafted one.
    try a.put("k", "2")
    let genuine = try a.makeSyncBundle(for: "node-b")
    let result = try b.applySyncBundle(genuine)
    #expect(!result.isStale && result.applied == 1)
    #expect(try b.get("k")?.string == "2")
  }

  @Test func aNodeRestoredFromAnOlderBackupLosesNoNewWriteAndGetsItsOldOnesBack() throws {
    let directory = TemporaryDirectory()
    let a = try Self.open(directory, "node-a")
    let b = try Self.open(directory, "node-b")
    for index in 0..<5 { try a.put("k\(index)", "old") }
    try a.close()
    let archive = try Self.backUp(directory, "node-a")
    try a.open()
    try a.put("after-backup", "kept by b")
    try a.put("k0", "overwritten after the backup")
    try Self.exchange(a, b)
    try a.close()
    try Self.restore(archive, to: directory.file("node-a.wal"), as: "node-a", force: true)
    try a.open()
    #expect(try a.get("after-backup") == nil)
    try a.put("new", "write")  // takes an LSN b has already seen from the lost history
    try a.put("newer", "write")

    // b's part of its log starts after what the restored a has received: refused, and a's own
    // bundle tells b where a stands; then b's answer brings back what a lost.
    #expect(throws: SoftadastraError.self) { try Self.send(b, to: a) }
    try Self.send(a, to: b)
    #expect(try b.get("new")?.string == "write" && b.get("newer")?.string == "write")
    let back = try Self.send(b, to: a)
    #expect(back.applied == 2)  // a's own writes after the backup, which b still had
    #expect(try a.get("after-backup")?.string == "kept by b")
    #expect(try a.get("k0")?.string == "overwritten after the backup")
    try Self.exchange(a, b)
    #expect(try a.textEntries() == b.textEntries())
    #expect(try a.syncState().outboxSize == 0)
  }

  /// A live exchange between `caller` and `answerer` over pipes, the answerer on another thread.
  @discardableResult
  static func liveExchange(_ caller: Client, _ answerer: Client) throws -> SyncExchangeResult {
    var toAnswerer: [Int32] = [0, 0]
    var toCaller: [Int32] = [0, 0]
    #expect(pipe(&toAnswerer) == 0 && pipe(&toCaller) == 0)
    nonisolated(unsafe) let other = answerer  // used by the other thread only until it finishes
    let (input, output) = (toAnswerer[0], toCaller[1])
    final class Failure: @unchecked Sendable { var error: SoftadastraError? }
    let failure = Failure()
    let finished = DispatchSemaphore(value: 0)
    let answered = Thread {
      do throws(SoftadastraError) {
        _ = try SyncExchange.answer(other, over: SyncStream(input: input, output: output, peerName: "the caller"))
      } catch {
        failure.error = error
      }
      finished.signal()
    }
    answered.start()
    defer {
      finished.wait()  // it still reads the caller's last acknowledgement
      for descriptor in toAnswerer + toCaller { close(descriptor) }
      #expect(failure.error == nil, "the answering side failed: \(failure.error.map(\.message) ?? "")")
    }
    return try SyncExchange.call(
      caller, over: SyncStream(input: toCaller[0], output: toAnswerer[1], peerName: "the answerer"))
  }

  @Test func aLiveExchangeOverPipesConvergesBothWays() throws {
    let directory = TemporaryDirectory()
    let a = try Self.open(directory, "node-a")
    let b = try Self.open(directory, "node-b")
    try a.put("from-a", "1")
    try b.put("from-b", "2")
    try b.remove("gone")
    let result = try Self.liveExchange(a, b)
    #expect(result.peer == "node-b" && result.sent == 1)
    #expect(try a.textEntries() == ["from-a": "1", "from-b": "2"])
    #expect(try b.textEntries() == a.textEntries())
    #expect(try a.syncState().outboxSize == 0 && b.syncState().outboxSize == 0)
  }

  @Test func aLiveExchangeHealsEitherSideBeingRestoredFromAnOlderBackup() throws {
    let directory = TemporaryDirectory()
    let a = try Self.open(directory, "node-a")
    let b = try Self.open(directory, "node-b")
    try a.put("a-before", "1")
    try b.put("b-before", "1")
    try Self.liveExchange(a, b)
    for (restored, other) in [(b, a), (a, b)] {
      let id = restored.options.nodeID
      try restored.close()
      let archive = try Self.backUp(directory, id)
      try restored.open()
      try restored.put("\(id)-lost", "written after the backup")
      try Self.liveExchange(a, b)
      try restored.close()
      try Self.restore(archive, to: directory.file("\(id).wal"), as: id, force: true)
      try restored.open()
      #expect(try restored.get("\(id)-lost") == nil)
      try restored.put("\(id)-new", "after the restore")
      try other.put("\(other.options.nodeID)-new", "meanwhile")
      try Self.liveExchange(a, b)
      #expect(try restored.get("\(id)-lost")?.string == "written after the backup")
      #expect(try a.textEntries() == b.textEntries())
      #expect(try a.get("\(id)-new") != nil && b.get("\(id)-new") != nil)
    }
  }
}
