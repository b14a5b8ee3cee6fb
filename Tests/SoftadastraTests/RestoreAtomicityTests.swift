import Foundation
import SoftadastraTestSupport
import Testing

@testable import Softadastra
@testable import SoftadastraWAL

/// A restore is all or nothing on every kind of target: a power cut after any file-system call
/// leaves the old node or the restored one (the next process to open it finishes or ignores the
/// restore), and a failure injected into any call leaves the target's files byte for byte as
/// they were.
@Suite(.serialized) struct RestoreAtomicityTests {
  /// The kinds of node a restore replaces.
  enum Target: CaseIterable, CustomStringConvertible {
    /// No data directory yet.
    case fresh
    /// A node with a WAL and no snapshot.
    case walOnly
    /// A node restored from the same archive that wrote more since: one snapshot, at the LSN of
    /// the archive's snapshot, and no older one to fall back on.
    case restoredEarlier
    /// A node with two snapshots and archived WALs.
    case olderSnapshots

    var description: String {
      switch self {
      case .fresh: "fresh"
      case .walOnly: "WAL only"
      case .restoredEarlier: "restored earlier"
      case .olderSnapshots: "older snapshots"
      }
    }
  }

  /// An archive of node-a: 20 keys, a snapshot, then 10 more.
  struct Source {
    let directory = TemporaryDirectory()
    let archive: String
    let state: [String: String]
    /// The state at LSN 25 (for `--to-lsn`).
    let stateAt25: [String: String]

    init() throws {
      let wal = directory.file("node-a.wal")
      let client = Client(.persistent(nodeID: "node-a", walPath: wal))
      try client.open()
      for index in 0..<20 { try client.put("new\(index)", "n\(index)") }
      try client.checkpoint()
      for index in 20..<30 { try client.put("new\(index)", "n\(index)") }
      try client.close()
      archive = directory.file("a.sdbackup")
      _ = try BackupWriter.write(walPath: wal, to: try SystemFile.createExclusive(archive), toolVersion: "test")
      state = Dictionary(uniqueKeysWithValues: (0..<30).map { ("new\($0)", "n\($0)") })
      stateAt25 = Dictionary(uniqueKeysWithValues: (0..<25).map { ("new\($0)", "n\($0)") })
    }
  }

  /// Builds a target node of `kind` at `root/node/node-a.wal`; returns its WAL path and state.
  static func makeTarget(_ kind: Target, in root: String, source: Source) throws -> (
    walPath: String, state: [String: String]
  ) {
    let directory = root + "/node"
    let walPath = directory + "/node-a.wal"
    var state: [String: String] = [:]
    switch kind {
    case .fresh:
      return (walPath, [:])
    case .walOnly:
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
      let client = Client(.persistent(nodeID: "node-a", walPath: walPath))
      try client.open()
      for index in 0..<8 {
        try client.put("old\(index)", "o\(index)")
        state["old\(index)"] = "o\(index)"
      }
      try client.close()
    case .restoredEarlier:
      _ = try Restore.run(archive: try BackupArchive(path: source.archive), walPath: walPath, nodeID: "node-a")
      state = source.state
      let client = Client(.persistent(nodeID: "node-a", walPath: walPath))
      try client.open()
      try client.put("after-restore", "x")
      state["after-restore"] = "x"
      try client.close()
    case .olderSnapshots:
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
      let client = Client(.persistent(nodeID: "node-a", walPath: walPath))
      try client.open()
      for round in 0..<3 {
        for index in 0..<5 {
          try client.put("old\(round)-\(index)", "o")
          state["old\(round)-\(index)"] = "o"
        }
        if round < 2 { try client.checkpoint() }
      }
      try client.close()
    }
    return (walPath, state)
  }

  /// The next writer of the node at `walPath` goes on from `found`, the state a crash left.
  static func expectTheNextWriteGoesOn(
    walPath: String, nodeID: String = "node-a", from found: [String: String], _ context: String
  ) throws {
    let client = Client(.persistent(nodeID: nodeID, walPath: walPath))
    try client.open()
    try client.put("next", "write")
    try client.close()
    var expected = found
    expected["next"] = "write"
    #expect(try Client.readOnlyTextEntries(walPath: walPath, nodeID: nodeID) == expected, "\(context): the next write")
  }

  /// Every file under `directory` (recursively) with its bytes.
  static func snapshotOfFiles(_ directory: String) -> [String: Data] {
    var result: [String: Data] = [:]
    guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return result }
    for case let name as String in enumerator {
      var isDirectory: ObjCBool = false
      let path = directory + "/" + name
      if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
        let contents = FileManager.default.contents(atPath: path) ?? Data()
        // A lock file's change count moves with every release of the lock: it is not the node's data.
        result[name] = name.hasSuffix(".lock") ? contents.prefix(ChangeCounter.pageOffset) : contents
      } else {
        result[name + "/"] = Data()
      }
    }
    return result
  }

  @Test(arguments: Target.allCases, [false, true])
  func everyPowerCutDuringARestoreLeavesTheOldNodeOrTheNewOne(_ kind: Target, toLSN: Bool) throws {
    let source = try Source()
    let directory = TemporaryDirectory()
    let (walPath, oldState) = try Self.makeTarget(kind, in: directory.path, source: source)
    let model = PowerLossModel(root: directory.path)
    let newState = toLSN ? source.stateAt25 : source.state
    let target = toLSN ? ReplayTarget(lsn: 25) : ReplayTarget()
    // Everything before the restore is durable: the model starts from the files as they are.
    try IOObservation.with(model) {
      try model.adoptExistingFiles()
      _ = try Restore.run(
        archive: try BackupArchive(path: source.archive), walPath: walPath, nodeID: "node-a", target: target,
        force: true)
    }
    var random = SplitMix64(seed: 14)
    var states = 0
    var journalStates = 0
    for point in 0..<model.eventCount {
      for survival in [PowerLossModel.Survival.nothingUnsynced, .everything, .randomPrefixes] {
        let scratch = TemporaryDirectory("softadastra-powerloss")
        try model.materializeCrashState(at: point, into: scratch.path, survival: survival, using: &random)
        states += 1
        let crashedWAL = scratch.path + "/node/node-a.wal"
        let journal = scratch.path + "/node/node-a.restore-journal"
        if survival == .everything, FileManager.default.fileExists(atPath: journal) {
          journalStates += 1
          // A command that reads the log directly finishes the restore too, then finds it clean.
          let verify = CommandRunner.run(["wal-verify", "--data-dir", "node", "--node-id", "node-a"], in: scratch.path)
          #expect(verify.status == 0, "\(kind) point \(point): wal-verify \(verify.stderr)\(verify.out)")
          #expect(!FileManager.default.fileExists(atPath: journal))
        }
        let found: [String: String]
        if kind == .fresh, !FileManager.default.fileExists(atPath: crashedWAL),
          !FileManager.default.fileExists(atPath: scratch.path + "/node/node-a.restore-journal")
        {
          found = [:]
        } else {
          found = try Client.readOnlyTextEntries(walPath: crashedWAL)
        }
        #expect(
          found == oldState || found == newState,
          "\(kind) point \(point) \(survival): neither the old node nor the restored one")
        guard found == oldState || found == newState, !(kind == .fresh && found.isEmpty) else { continue }
        try Self.expectTheNextWriteGoesOn(walPath: crashedWAL, from: found, "\(kind) point \(point) \(survival)")
      }
    }
    #expect(states > 10)
    #expect(journalStates > 3, "crash points with a pending journal")
  }

  @Test(arguments: Target.allCases)
  func aFailureInjectedIntoAnyCallOfARestoreLeavesTheTargetAsItWas(_ kind: Target) throws {
    let source = try Source()
    // How many operations a restore makes on this kind of target.
    let counting = TemporaryDirectory()
    let countingTarget = try Self.makeTarget(kind, in: counting.path, source: source)
    let counter = OperationInjector(root: counting.path, failAt: nil)
    try IOObservation.with(counter) {
      _ = try Restore.run(
        archive: try BackupArchive(path: source.archive), walPath: countingTarget.walPath, nodeID: "node-a", force: true
      )
    }
    #expect(counter.count > 10)
    for failAt in 0..<counter.count {
      for code in [EIO, ENOSPC] {
        let directory = TemporaryDirectory()
        let (walPath, oldState) = try Self.makeTarget(kind, in: directory.path, source: source)
        let before = Self.snapshotOfFiles(directory.path)
        let injector = OperationInjector(root: directory.path, failAt: failAt, code: code)
        let outcome = IOObservation.with(injector) {
          Result { () throws(SoftadastraError) in
            try Restore.run(
              archive: try BackupArchive(path: source.archive), walPath: walPath, nodeID: "node-a", force: true)
          }
        }
        switch outcome {
        case .success:
          #expect(
            try Client.readOnlyTextEntries(walPath: walPath) == source.state,
            "\(kind): operation \(failAt) (\(injector.failed ?? "none"))")
        case .failure(let error):
          let after = Self.snapshotOfFiles(directory.path)
          #expect(
            after == before,
            "\(kind): failing \(injector.failed ?? "?") changed \(Set(after.keys).symmetricDifference(before.keys).sorted()): \(error)"
          )
          if kind != .fresh { #expect(try Client.readOnlyTextEntries(walPath: walPath) == oldState) }
        }
      }
    }
  }

  @Test func twoRestoresInOneSecondKeepEveryReplacedFile() throws {
    let source = try Source()
    let directory = TemporaryDirectory()
    let (walPath, _) = try Self.makeTarget(.olderSnapshots, in: directory.path, source: source)
    let original = Self.snapshotOfFiles(directory.path + "/node")
    for _ in 0..<3 {
      _ = try Restore.run(
        archive: try BackupArchive(path: source.archive), walPath: walPath, nodeID: "node-a", force: true)
    }
    let after = Self.snapshotOfFiles(directory.path + "/node")
    // Every original file's bytes are still there, under some kept-aside name.
    let keptBytes = Set(after.filter { $0.key.contains(".pre-restore-") }.values)
    for (name, bytes) in original where !name.hasSuffix(".lock") {
      #expect(keptBytes.contains(bytes), "\(name) was lost")
    }
    #expect(try Client.readOnlyTextEntries(walPath: walPath) == source.state)
  }

  @Test func aWriterRefusesANodeWhoseWALContinuesAMissingSnapshot() throws {
    let source = try Source()
    let directory = TemporaryDirectory()
    let (walPath, _) = try Self.makeTarget(.restoredEarlier, in: directory.path, source: source)
    let snapshot = NodeFiles(walPath: walPath).snapshots()[0].path
    try FileManager.default.moveItem(atPath: snapshot, toPath: snapshot + ".moved")
    let walBefore = FileManager.default.contents(atPath: walPath)
    let client = Client(.persistent(nodeID: "node-a", walPath: walPath))
    #expect(throws: SoftadastraError.self) { try client.open() }
    #expect(FileManager.default.contents(atPath: walPath) == walBefore)
  }
}

/// Fails the `failAt`-th operation under `root` (counting from 0) with `code`, and counts them.
final class OperationInjector: IOObserver, @unchecked Sendable {
  let root: String
  let failAt: Int?
  let code: Int32
  private(set) var count = 0
  private(set) var failed: String?

  init(root: String, failAt: Int?, code: Int32 = EIO) {
    self.root = root
    self.failAt = failAt
    self.code = code
  }

  func observe(_ event: IOEvent) {}

  func failure(for operation: IOOperation) -> Int32? {
    guard operation.path.hasPrefix(root) else { return nil }
    defer { count += 1 }
    guard count == failAt else { return nil }
    failed = "\(operation)"
    return code
  }
}

extension RestoreAtomicityTests {
  @Test(arguments: ["../evil", "bad id", "", ".hidden", "a/b"])
  func aNodeIDThatIsNotValidIsRefusedBeforeAnythingIsWritten(_ nodeID: String) throws {
    let source = try Source()
    let directory = TemporaryDirectory()
    let data = directory.file("data")
    #expect {
      try Restore.run(
        archive: try BackupArchive(path: source.archive), walPath: "\(data)/\(nodeID).wal", nodeID: nodeID)
    } throws: { ($0 as! SoftadastraError).kind == .invalidArgument }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == [])
  }
}
