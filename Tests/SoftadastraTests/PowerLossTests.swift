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
    _ model: PowerLossModel, walName: String, nodeID: String, acknowledged: [Acknowledged], attempted: [String: String],
    seed: UInt64
  ) throws -> Int {
    var random = SplitMix64(seed: seed)
    var states = 0
    for point in 0..<model.eventCount {
      let required = acknowledged.filter { $0.fromPoint <= point }
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
          for write in required {
            #expect(
              found[write.key] == write.value,
              "point \(point) \(survival): acknowledged \(write.key) lost (seed \(seed))")
          }
          for (key, value) in found {
            #expect(
              attempted[key] == value, "point \(point) \(survival): \(key)=\(value) was never written (seed \(seed))")
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

  @Test func everyCrashPointOfPutsAndCheckpointsKeepsEveryAcknowledgedWrite() throws {
    let directory = TemporaryDirectory()
    let root = directory.file("node")
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
    let model = PowerLossModel(root: root)
    var acknowledged: [Acknowledged] = []
    var attempted: [String: String] = [:]
    try IOObservation.with(model) {
      var options = ClientOptions.persistent(nodeID: "node-a", walPath: root + "/data/node-a.wal")
      options.checkpointBytes = 1200
      options.createsDirectory = true
      let client = Client(options)
      try client.open()
      for index in 0..<36 {
        let key = "k\(index % 20)-\(index)"
        attempted[key] = "v\(index)"
        if index % 7 == 6 {
          try client.commit([
            .put(key: Array(key.utf8), value: Array("v\(index)".utf8)), .put(key: Array("\(key)b".utf8), value: [0x62]),
          ])
          attempted[key + "b"] = "b"
          acknowledged.append(Acknowledged(key: key + "b", value: "b", fromPoint: model.eventCount))
        } else {
          try client.put(key, "v\(index)")
        }
        acknowledged.append(Acknowledged(key: key, value: "v\(index)", fromPoint: model.eventCount))
        if index == 20 { try client.checkpoint() }
      }
      try client.close()
    }
    #expect(NodeFiles(walPath: root + "/data/node-a.wal").snapshots().count >= 1)
    let states = try Self.checkEveryCrashPoint(
      model, walName: "data/node-a.wal", nodeID: "node-a", acknowledged: acknowledged, attempted: attempted, seed: 6)
    print("power-loss puts: \(model.eventCount) crash points, \(states) states")
    #expect(model.eventCount > 80 && states == model.eventCount * 4)
  }
}
