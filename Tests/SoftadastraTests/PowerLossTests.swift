import Foundation
import SoftadastraTestSupport
import Testing

@testable import Softadastra

/// Power cuts at every point of a workload, through the I/O seam: after every recorded file
/// operation, the states a power cut could leave (only synced data; everything; random in-order
/// prefixes of each file's and directory's unsynced changes; the same with the last write torn)
/// are rebuilt in a fresh directory,
/// and recovery must give back every acknowledged write, nothing wrong, and a writer that goes on.
@Suite(.serialized) struct PowerLossTests {
  struct Acknowledged {
    var key: String
    var value: String
    /// The crash points from which the write must survive.
    var fromPoint: Int
  }

  /// Checks every crash point of `model` against the acknowledged writes; returns how many crash
  /// states were checked.
  static func checkEveryCrashPoint(
    _ model: PowerLossModel, walName: String, nodeID: String, acknowledged: [Acknowledged],
    attempted: [String: Set<String>], seed: UInt64
  ) throws -> Int {
    var random = SplitMix64(seed: seed)
    var states = 0
    for point in 0..<model.eventCount {
      // A key acknowledged more than once must hold its latest value acknowledged by this point,
      // or one acknowledged later (written, not yet acknowledged, when the power went).
      var required: [String: Acknowledged] = [:]
      for write in acknowledged where write.fromPoint <= point { required[write.key] = write }
      for survival in [PowerLossModel.Survival.nothingUnsynced, .everything, .randomPrefixes, .tornWrite] {
        let scratch = TemporaryDirectory("softadastra-powerloss")
        try model.materializeCrashState(at: point, into: scratch.path, survival: survival, using: &random)
        states += 1
        let walPath = scratch.file(walName)
        guard FileManager.default.fileExists(atPath: walPath) || !required.isEmpty else { continue }
        var options = ClientOptions.persistent(nodeID: nodeID, walPath: walPath)
        options.readOnly = true
        let reader = Client(options)
        do {
          try reader.open()
          let found = try reader.textEntries()
          try reader.close()
          for write in required.values {
            let later = acknowledged.filter { $0.key == write.key && $0.fromPoint > point }.map(\.value)
            #expect(
              found[write.key].map { ([write.value] + later).contains($0) } == true,
              "point \(point) \(survival): acknowledged \(write.key)=\(write.value) lost (seed \(seed))")
          }
          for (key, value) in found {
            #expect(
              attempted[key]?.contains(value) == true,
              "point \(point) \(survival): \(key)=\(value) was never written (seed \(seed))")
          }
        } catch {
          Issue.record("point \(point) \(survival): recovery failed: \(error) (seed \(seed))")
          continue
        }
        // The next writer goes on from here.
        var writerOptions = ClientOptions.persistent(nodeID: nodeID, walPath: walPath)
        writerOptions.checkpointBytes = 0
        let writer = Client(writerOptions)
        do {
          try writer.open()
          try writer.put("after-power-cut", "1")
          try writer.close()
        } catch {
          Issue.record("point \(point) \(survival): the next writer failed: \(error) (seed \(seed))")
        }
      }
    }
    return states
  }

  /// A workload on a new node whose file operations a power-loss model records: what it wrote,
  /// and from which crash point on each write was acknowledged.
  final class Workload {
    let model: PowerLossModel
    let walPath: String
    var acknowledged: [Acknowledged] = []
    var attempted: [String: Set<String>] = [:]

    init(_ directory: TemporaryDirectory) throws {
      let root = directory.file("node")
      try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
      model = PowerLossModel(root: root)
      walPath = root + "/data/node-a.wal"
    }

    /// Runs `body` with an open client of the node, recording every file operation.
    func run(checkpointBytes: UInt64, _ body: (Client) throws -> Void) throws {
      try IOObservation.with(model) {
        var options = ClientOptions.persistent(nodeID: "node-a", walPath: walPath)
        options.checkpointBytes = checkpointBytes
        options.createsDirectory = true
        let client = Client(options)
        try client.open()
        try body(client)
        try client.close()
      }
    }

    /// Notes `writes` (key and value) as acknowledged from now on: the call that made them returned.
    func acknowledge(_ writes: [(key: String, value: String)]) {
      for write in writes {
        attempted[write.key, default: []].insert(write.value)
        acknowledged.append(Acknowledged(key: write.key, value: write.value, fromPoint: model.eventCount))
      }
    }

    /// Checks every crash point of the workload; returns how many crash states were checked.
    func checkEveryCrashPoint(seed: UInt64) throws -> Int {
      try PowerLossTests.checkEveryCrashPoint(
        model, walName: "data/node-a.wal", nodeID: "node-a", acknowledged: acknowledged, attempted: attempted,
        seed: seed)
    }
  }

  @Test func everyCrashPointOfPutsAndCheckpointsKeepsEveryAcknowledgedWrite() throws {
    let directory = TemporaryDirectory()
    let workload = try Workload(directory)
    try workload.run(checkpointBytes: 1200) { client in
      for index in 0..<36 {
        let key = "k\(index % 20)-\(index)"
        if index % 7 == 6 {
          try client.commit([
            .put(key: Array(key.utf8), value: Array("v\(index)".utf8)), .put(key: Array("\(key)b".utf8), value: [0x62]),
          ])
          workload.acknowledge([(key + "b", "b"), (key, "v\(index)")])
        } else {
          try client.put(key, "v\(index)")
          workload.acknowledge([(key, "v\(index)")])
        }
        if index == 20 { try client.checkpoint() }
      }
    }
    #expect(NodeFiles(walPath: workload.walPath).snapshots().count >= 1)
    let states = try workload.checkEveryCrashPoint(seed: 6)
    print("power-loss puts: \(workload.model.eventCount) crash points, \(states) states")
    #expect(workload.model.eventCount > 80 && states == workload.model.eventCount * 4)
  }

  /// Delta checkpoints (each replacing the one before) over a full snapshot, overwriting keys the
  /// full snapshot holds, then a full checkpoint merging them: no crash point loses a write or
  /// brings an overwritten value back.
  @Test func everyCrashPointOfDeltaCheckpointsKeepsEveryAcknowledgedWrite() throws {
    let directory = TemporaryDirectory()
    let workload = try Workload(directory)
    try workload.run(checkpointBytes: 0) { client in
      let keys = (0..<80).map { "k\($0)" }
      try client.commit(keys.map { .put(key: Array($0.utf8), value: Array("base".utf8)) })
      workload.acknowledge(keys.map { ($0, "base") })
      try client.checkpoint()
      for round in 0..<4 {
        for key in ["k\(round * 7)", "new\(round)"] {
          try client.put(key, "r\(round)")
          workload.acknowledge([(key, "r\(round)")])
        }
        try client.checkpoint()
        #expect(try client.currentSnapshot()?.baseLSN == 80, "round \(round) writes a delta")
      }
      try client.put("last", "full")
      workload.acknowledge([("last", "full")])
      try client.checkpoint(full: true)
      #expect(try client.currentSnapshot()?.baseLSN == nil)
    }
    let states = try workload.checkEveryCrashPoint(seed: 7)
    print("power-loss delta checkpoints: \(workload.model.eventCount) crash points, \(states) states")
    #expect(workload.model.eventCount > 80 && states == workload.model.eventCount * 4)
  }
}
