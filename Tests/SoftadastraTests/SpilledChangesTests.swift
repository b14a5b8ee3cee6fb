import Foundation
import SoftadastraTestSupport
import Testing

@testable import Softadastra
@_spi(Storage) @testable import SoftadastraWAL

/// A state that moves its changes to sorted runs on disk as they outgrow its budget (the build
/// of a snapshot) lists exactly what a state holding them all in memory lists.
@Suite struct SpilledChangesTests {
  /// A node with a snapshot of `keys` keys; returns the snapshot's path. With `delta`, a delta
  /// over it follows, which changes every 50th key and deletes every 97th: the newest snapshot's
  /// path.
  static func snapshotted(_ directory: TemporaryDirectory, keys: Int, delta: Bool = false) throws -> String {
    let path = directory.file("node-a.wal")
    let client = Client(.persistent(nodeID: "node-a", walPath: path))
    try client.open()
    try client.commit((0..<keys).map { .put(key: Self.key($0), value: Array("base-\($0)".utf8)) })
    _ = try client.checkpoint()
    if delta {
      try client.commit(
        stride(from: 0, to: keys, by: 50).map { .put(key: Self.key($0), value: Array("delta-\($0)".utf8)) }
          + stride(from: 1, to: keys, by: 97).map { .delete(key: Self.key($0)) })
      let result = try #require(try client.checkpoint())
      #expect(result.snapshot.baseLSN != nil, "a delta")
    }
    try client.close()
    return try #require(NodeFiles(walPath: path).snapshots().first?.path)
  }

  static func key(_ index: Int) -> [UInt8] { Array("key-\(index)".utf8) }

  static func listing(_ state: NodeState, prefix: [UInt8] = [], tombstones: Bool = true) throws -> [String] {
    var lines: [String] = []
    try state.forEach(prefix: prefix, includingTombstones: tombstones) { key, entry in
      lines.append("\(key) \(entry)")
      return true
    }
    return lines
  }

  /// Over a whole snapshot and over a delta (whose entries the merge takes under the runs' and
  /// the table's: a key in all of them gives the newest), with and without a prefix, one that
  /// matches nothing and one that is a whole key.
  @Test(arguments: 0..<4)
  func aSpillingStateListsWhatAWholeStateDoes(seed: UInt64) throws {
    let directory = TemporaryDirectory()
    let snapshotPath = try Self.snapshotted(directory, keys: 3_000, delta: seed % 2 == 1)
    var whole = NodeState(snapshot: try SnapshotStack.open(snapshotPath))
    // A budget of 1 byte: a run every 1,024 records.
    var spilling = try NodeState(
      snapshot: SnapshotStack.open(snapshotPath), spillingTo: directory.file("spill.tmp"), budgetBytes: 1)
    var random = SplitMix64(seed: seed)
    for lsn in UInt64(3_001)...23_000 {
      let key = Self.key(Int(random.next() % 5_000))
      let origin =
        random.next() % 7 == 0 ? Origin(nodeID: "peer", lsn: lsn, timestamp: HybridTimestamp(rawValue: 5)) : nil
      let operation: StoreOperation =
        random.next() % 4 == 0
        ? .delete(key: key)
        : .put(key: key, value: [UInt8](repeating: UInt8(lsn % 251), count: Int(random.next() % 300)))
      let record = WALRecord(
        lsn: lsn, timestamp: HybridTimestamp(rawValue: lsn), body: .operation(operation, origin: origin))
      whole.apply(record)
      try spilling.applySpilling(record)
    }
    #expect(try #require(spilling.spilled).runs.count > 10, "it spilled")
    #expect(!FileManager.default.fileExists(atPath: directory.file("spill.tmp")), "the file has no name")
    #expect(try Self.listing(spilling) == Self.listing(whole), "seed \(seed)")
    #expect(try Self.listing(spilling, tombstones: false) == Self.listing(whole, tombstones: false))
    let prefix = Array("key-12".utf8)
    #expect(try Self.listing(spilling, prefix: prefix) == Self.listing(whole, prefix: prefix))
    #expect(try Self.listing(spilling, prefix: prefix).count > 10)
    for prefix in ["nothing", "key-1234"].map({ Array($0.utf8) }) {
      #expect(try Self.listing(spilling, prefix: prefix) == Self.listing(whole, prefix: prefix))
    }
    // The odd seeds merge a delta's entries under the changes.
    #expect((whole.snapshot?.base != nil) == (seed % 2 == 1))
  }

  /// A spill file damaged between its write and its read is reported with its offset, and the
  /// snapshot is not built from it.
  @Test func aDamagedSpillIsReported() throws {
    let directory = TemporaryDirectory()
    let snapshotPath = try Self.snapshotted(directory, keys: 10)
    let spillPath = directory.file("spill.tmp")
    do {
      var spilling = try NodeState(
        snapshot: SnapshotStack(whole: try SnapshotReader(path: snapshotPath)), spillingTo: spillPath, budgetBytes: 1)
      for lsn in UInt64(11)...3_000 {
        let record = WALRecord(
          lsn: lsn, timestamp: HybridTimestamp(rawValue: lsn),
          body: .operation(.put(key: Self.key(Int(lsn)), value: [1, 2, 3]), origin: nil))
        try spilling.applySpilling(record)
      }
      // Through the descriptor the state has open (the file has no name).
      let file = try #require(spilling.spilled).file
      let middle = try file.size() / 2
      var byte = try file.read(count: 1, at: middle)
      byte[0] ^= 0x40
      try file.write(byte, at: middle)
      #expect {
        try Self.listing(spilling)
      } throws: { error in
        let error = error as! SoftadastraError
        return error.kind == .corrupt && error.path == spillPath && error.offset.map { $0 <= middle } == true
      }
    }
  }
}
