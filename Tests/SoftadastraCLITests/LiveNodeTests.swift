import Foundation
import Softadastra
import SoftadastraTestSupport
import Testing

/// An app keeps its node open while the toolkit works on the same node, in other processes: each
/// takes the writer lock for a commit only, and each read sees every commit acknowledged before it.
@Suite struct LiveNodeTests {
  /// The app's client: the CLI's default node in `workspace`, open for the whole test.
  static func app(_ workspace: CLIWorkspace, checkpointBytes: UInt64 = 0) throws -> Client {
    var options = ClientOptions.persistent(nodeID: "softadastra", walPath: workspace.file("data/softadastra.wal"))
    options.createsDirectory = true
    options.checkpointBytes = checkpointBytes
    options.lockTimeout = 30
    let client = Client(options)
    try client.open()
    return client
  }

  @Test func theToolkitWritesWhileAnAppHoldsTheNodeOpenAndEachSeesTheOther() throws {
    let workspace = CLIWorkspace()
    let app = try Self.app(workspace)
    defer { try? app.close() }
    try app.put("from/app", "1")
    // The CLI writes while the app's client is open (it used to wait 10 s and exit 75).
    expectSuccess(workspace.run("store", "put", "from/cli", "2"))
    #expect(workspace.run("store", "get", "from/app").out == "1\n")
    // The app sees the CLI's write on its next read, without reopening.
    #expect(try app.get("from/cli")?.string == "2")
    #expect(app.size == 2)
    // Deletes and imports too, both ways.
    expectSuccess(workspace.run("store", "delete", "from/app"))
    #expect(try app.get("from/app") == nil)
    FileBytes.write(Array("i/1\tone\ni/2\ttwo\n".utf8), to: workspace.file("batch.tsv"))
    expectSuccess(workspace.run("store", "import", "batch.tsv"))
    #expect(try app.entries(prefix: Array("i/".utf8)).map { $0.value.string } == ["one", "two"])
    try app.put("from/app", "3")
    #expect(workspace.run("store", "get", "from/app").out == "3\n")
    // The LSNs stay one sequence: the app's next write follows the CLI's.
    let lsn = try #require(try app.commit([.put(key: Array("last".utf8), value: [1])]))
    let dumped = workspace.run("wal-dump", "--json")
    let last = try #require(try workspace.jsonLines(dumped).last)
    #expect(last["lsn"] as? Int == Int(lsn.lowerBound) && last["key"] as? String == "last")
    expectSuccess(workspace.run("wal-verify"))
  }

  @Test func checkpointsAndRestoresByTheToolkitReplaceTheLogUnderTheApp() throws {
    let workspace = CLIWorkspace()
    let app = try Self.app(workspace)
    defer { try? app.close() }
    for index in 0..<50 { try app.put("k\(index)", "v\(index)") }
    expectSuccess(workspace.run("backup", "--output", "fifty.sdbackup"))
    // A checkpoint by the CLI starts a new log; the app's next commit and read follow it.
    expectSuccess(workspace.run("snapshot"))
    try app.put("after-snapshot", "yes")
    #expect(try app.get("k7")?.string == "v7" && app.size == 51)
    expectSuccess(workspace.run("store", "put", "cli-after", "1"))
    #expect(try app.get("cli-after")?.string == "1")
    let expected = workspace.run("store", "export").stdout
    // The app's own checkpoint, then the CLI writes after it.
    try app.checkpoint()
    expectSuccess(workspace.run("store", "put", "after-app-snapshot", "1"))
    #expect(app.size == 53)
    #expect(workspace.run("store", "export").stdout.count > expected.count)
    // A restore by the CLI (forced: the node exists) puts the backup's state in place; the app
    // sees it on its next read and writes after it.
    expectSuccess(workspace.run("restore", "fifty.sdbackup", "--force"))
    #expect(app.size == 50)
    #expect(try app.get("after-snapshot") == nil)
    try app.put("after-restore", "1")
    #expect(workspace.run("store", "get", "after-restore").out == "1\n")
    expectSuccess(workspace.run("wal-verify"))
  }

  @Test func syncBothWaysWhileAnAppHoldsEachNodeOpen() throws {
    let workspace = CLIWorkspace()
    let app = try Self.app(workspace)
    defer { try? app.close() }
    try app.put("mine", "a")
    expectSuccess(workspace.run("store", "put", "theirs", "b", "--node-id", "b"))
    #expect(workspace.run("sync", "export", "--peer", "b", "--output", "to-b.sdsync").status == 0)
    #expect(workspace.run("sync", "import", "to-b.sdsync", "--node-id", "b", "--reply", "to-a.sdsync").status == 0)
    #expect(workspace.run("sync", "import", "to-a.sdsync").status == 0)
    #expect(try app.get("theirs")?.string == "b")
    #expect(workspace.run("store", "get", "mine", "--node-id", "b").out == "a\n")
  }

  @Test func processesAndAnAppWritingAtOnceLoseNothingAndReorderNothing() throws {
    let workspace = CLIWorkspace()
    let app = try Self.app(workspace, checkpointBytes: 4096)
    defer { try? app.close() }
    let binary = CommandRunner.binaryPath
    // Three shell loops of CLI puts and one of imports (all checkpointing often, and one loop of
    // explicit snapshots), while the app puts, overwrites and reads.
    let rounds = 30
    var loops: [Process] = []
    func loop(_ script: String) throws {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/bin/sh")
      process.arguments = ["-c", script]
      process.currentDirectoryURL = URL(fileURLWithPath: workspace.path)
      try process.run()
      loops.append(process)
    }
    let options = "--checkpoint-bytes 4096 --lock-timeout 30"
    for writer in 0..<3 {
      try loop("for i in $(seq 1 \(rounds)); do \"\(binary)\" store put w\(writer)/$i v$i \(options) || exit 1; done")
    }
    try loop(
      "for i in $(seq 1 \(rounds)); do printf 'im/%s/a\\t1\\nim/%s/b\\t2\\n' $i $i > batch-$i.tsv && \"\(binary)\" store import batch-$i.tsv \(options) || exit 1; done"
    )
    try loop("for i in $(seq 1 10); do \"\(binary)\" snapshot --lock-timeout 30 > /dev/null || exit 1; done")
    var model: [String: String] = [:]
    for index in 1...rounds {
      try app.put("app/\(index % 10)", "v\(index)")
      model["app/\(index % 10)"] = "v\(index)"
      // Every one of the app's own writes is there at once.
      #expect(try app.get("app/\(index % 10)")?.string == "v\(index)")
    }
    for process in loops {
      process.waitUntilExit()
      #expect(process.terminationStatus == 0)
    }
    for index in 1...rounds {
      for writer in 0..<3 { model["w\(writer)/\(index)"] = "v\(index)" }
      model["im/\(index)/a"] = "1"
      model["im/\(index)/b"] = "2"
    }
    // The app and a fresh reader hold exactly the model: nothing acknowledged is missing.
    #expect(try app.textEntries() == model)
    #expect(
      try Client.readOnlyTextEntries(walPath: workspace.file("data/softadastra.wal"), nodeID: "softadastra") == model)
    // Nothing is reordered: each process's writes were given increasing times in the log (a
    // record's time is past every earlier record's), and each import's pair is in order.
    #expect(try workspace.json(workspace.run("wal-replay", "--json"))["keys"] as? Int == model.count)
    var timeOf: [String: HybridTimestamp] = [:]
    for key in model.keys { timeOf[key] = try #require(try app.writeVersion(of: Array(key.utf8))).timestamp }
    for writer in 0..<3 {
      let times = (1...rounds).map { timeOf["w\(writer)/\($0)"]! }
      #expect(times == times.sorted(), "writer \(writer)'s puts out of order")
    }
    let imports = (1...rounds).map { timeOf["im/\($0)/a"]! }
    #expect(imports == imports.sorted())
    #expect((1...rounds).allSatisfy { timeOf["im/\($0)/a"]! < timeOf["im/\($0)/b"]! })
    expectSuccess(workspace.run("wal-verify"))
  }

  @Test func aWaitThatGivesUpNamesTheHolderAndStatusShowsIt() throws {
    let workspace = CLIWorkspace()
    expectSuccess(workspace.run("store", "put", "k", "v"))
    let lock = try WriterLock.acquire(walPath: workspace.file("data/softadastra.wal"), timeout: 0)
    defer { lock.release() }
    let refused = workspace.run("store", "put", "k", "w", "--lock-timeout", "0.2")
    expectFailure(refused, 75, mentioning: "held by pid \(getpid()) (")
    let status = try workspace.json(workspace.run("status", "--json"))
    let writer = (status["wal"] as? [String: Any])?["writer"] as? [String: Any]
    #expect(writer?["pid"] as? Int == Int(getpid()))
    #expect(workspace.run("status").out.contains("writer     : pid \(getpid()) ("))
    lock.release()
    #expect(workspace.run("status").out.contains("writer     : none now"))
  }

  @Test func anAppCommittingInATightLoopDoesNotStarveTheToolkit() throws {
    let workspace = CLIWorkspace()
    let app = try Self.app(workspace)
    defer { try? app.close() }
    final class Stop: @unchecked Sendable {
      private let lock = NSLock()
      private var stopped = false
      var isSet: Bool { lock.withLock { stopped } }
      func set() { lock.withLock { stopped = true } }
    }
    let stop = Stop()
    let finished = DispatchSemaphore(value: 0)
    nonisolated(unsafe) let writer = app  // used by the writing thread only until it finishes
    let thread = Thread {
      var index = 0
      while !stop.isSet {
        index += 1
        try? writer.put("app/\(index)", "v")
      }
      finished.signal()
    }
    thread.start()
    defer {
      stop.set()
      finished.wait()
    }
    // Each CLI put waits its turn among the app's commits; none waits out its 5 s.
    for index in 0..<5 {
      expectSuccess(workspace.run("store", "put", "cli/\(index)", "v", "--lock-timeout", "5"))
    }
  }

  @Test func aStalledPeerDoesNotHoldUpTheNodesWriters() throws {
    let workspace = CLIWorkspace()
    let app = try Self.app(workspace)
    defer { try? app.close() }
    try app.put("k", "v")
    // While the app delivers a bundle, another process commits: delivery holds no lock.
    var during: CommandResult?
    try app.sendSyncBundle(
      for: "b",
      to: DeliverySink {
        during = workspace.run("store", "put", "during", "1", "--lock-timeout", "1")
      })
    #expect(during?.status == 0)
    #expect(try app.get("during")?.string == "1")
    #expect(try app.syncState().peers.first?.sentLSN == 1)
    // A live exchange with a peer that never answers: the node takes writes meanwhile.
    let binary = CommandRunner.binaryPath
    let exchange = Process()
    exchange.executableURL = URL(fileURLWithPath: binary)
    exchange.arguments = ["sync", "with", "--timeout", "20", "sh", "-c", "touch peer-started; cat > /dev/null"]
    exchange.currentDirectoryURL = URL(fileURLWithPath: workspace.path)
    exchange.standardError = FileHandle(forWritingAtPath: "/dev/null")
    try exchange.run()
    defer {
      exchange.terminate()
      exchange.waitUntilExit()
    }
    #expect(waitUntil { FileManager.default.fileExists(atPath: workspace.file("peer-started")) })
    expectSuccess(workspace.run("store", "put", "while-syncing", "1", "--lock-timeout", "2"))
    try app.put("app-while-syncing", "1")
    #expect(exchange.isRunning)
  }

  @Test func theFollowerFollowsAcrossCheckpointsAndRestores() throws {
    let workspace = CLIWorkspace()
    expectSuccess(workspace.run("store", "put", "first", "1"))
    expectSuccess(workspace.run("backup", "--output", "one.sdbackup"))
    let follower = try workspace.start("wal-dump", "--follow", "--json", stdout: "follow.out", stderr: "follow.err")
    defer {
      follower.terminate()
      follower.waitUntilExit()
    }
    func keys() throws -> [String] {
      workspace.lines(of: "follow.out").compactMap { line in
        (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["key"] as? String
      }
    }
    #expect(try waitUntil { try keys() == ["first"] })
    // A checkpoint starts a new log: the follower goes on in it, no record missed or repeated.
    expectSuccess(workspace.run("store", "put", "second", "2"))
    expectSuccess(workspace.run("snapshot"))
    expectSuccess(workspace.run("store", "put", "third", "3"))
    #expect(try waitUntil { try keys().count >= 3 })
    #expect(try keys() == ["first", "second", "third"])
    // A restore puts another log in place: the follower says so and reads it from its start.
    expectSuccess(workspace.run("restore", "one.sdbackup", "--force"))
    expectSuccess(workspace.run("store", "put", "after-restore", "4"))
    #expect(try waitUntil { try keys().last == "after-restore" })
    #expect(try keys() == ["first", "second", "third", "first", "after-restore"])
    #expect(String(decoding: FileBytes.read(workspace.file("follow.err")), as: UTF8.self).contains("was replaced"))
  }

  @Test func oneProcessCheckpointsANodeAtATimeAndTheOthersStepAside() throws {
    let workspace = CLIWorkspace()
    expectSuccess(workspace.run("store", "put", "a", "1"))
    let data = workspace.file("data")
    let lock = try #require(try CheckpointLock.tryAcquire(walPath: data + "/softadastra.wal"))
    let refused = workspace.run("snapshot", "--lock-timeout", "0")
    #expect(refused.status == 75 && refused.stderr.contains("another process is checkpointing"), "\(refused.stderr)")
    // A writer past the threshold leaves the checkpoint to the one running; nothing is sealed.
    expectSuccess(workspace.run("store", "put", "b", "2", "--checkpoint-bytes", "1"))
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: data).sorted() == ["softadastra.wal", "softadastra.wal.lock"])
    lock.release()
    expectSuccess(workspace.run("snapshot"))
    #expect(FileManager.default.fileExists(atPath: data + "/softadastra.00000000000000000002.snapshot"))
    #expect(
      workspace.run("store", "export").out == #"{"key":"a","value":"1"}"# + "\n" + #"{"key":"b","value":"2"}"# + "\n")
  }

  @Test(.timeLimit(.minutes(1)))
  func theAppIsToldOfEveryCommitAcrossCheckpointsAndRestores() async throws {
    let workspace = CLIWorkspace()
    let app = try Self.app(workspace)
    defer { try? app.close() }
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
    try app.put("settings/seed", "0")
    expectSuccess(workspace.run("backup", "--output", "seed.sdbackup"))
    var changes = try app.changes(prefix: bytes("settings/")).makeAsyncIterator()

    // The toolkit's puts and deletes under the prefix, in order; others are not delivered.
    expectSuccess(workspace.run("store", "put", "settings/theme", "dark"))
    expectSuccess(workspace.run("store", "put", "other/key", "x"))
    expectSuccess(workspace.run("store", "delete", "settings/seed"))
    #expect(try await changes.next() == .put(key: bytes("settings/theme"), value: Value("dark"), lsn: 2, origin: nil))
    #expect(try await changes.next() == .delete(key: bytes("settings/seed"), lsn: 4, origin: nil))

    // The app's own commits, then an import after a checkpoint started a new log.
    try app.put("settings/lang", "fr")
    expectSuccess(workspace.run("snapshot"))
    FileBytes.write(Array("settings/a\t1\nsettings/b\t2\n".utf8), to: workspace.file("batch.tsv"))
    expectSuccess(workspace.run("store", "import", "batch.tsv"))
    #expect(try await changes.next() == .put(key: bytes("settings/lang"), value: Value("fr"), lsn: 5, origin: nil))
    #expect(try await changes.next() == .put(key: bytes("settings/a"), value: Value("1"), lsn: 6, origin: nil))
    #expect(try await changes.next() == .put(key: bytes("settings/b"), value: Value("2"), lsn: 7, origin: nil))

    // A restore puts another history in place: the app is told, and the feed goes on after it.
    expectSuccess(workspace.run("restore", "seed.sdbackup", "--force"))
    #expect(try await changes.next() == .reset)
    expectSuccess(workspace.run("store", "put", "settings/after", "restore"))
    #expect(
      try await changes.next() == .put(key: bytes("settings/after"), value: Value("restore"), lsn: 2, origin: nil))
    #expect(try app.get("settings/theme") == nil && app.get("settings/seed")?.string == "0")
  }

  @Test(.timeLimit(.minutes(1)))
  func theAppObservesOneKeyAsAnyProcessChangesIt() async throws {
    let workspace = CLIWorkspace()
    expectSuccess(workspace.run("store", "put", "settings/theme", "light"))
    expectSuccess(workspace.run("backup", "--output", "light.sdbackup"))
    expectSuccess(workspace.run("store", "delete", "settings/theme"))
    let node = try Node(
      ClientOptions.persistent(nodeID: "softadastra", walPath: workspace.file("data/softadastra.wal")))
    defer { try? node.close() }
    var values = try node.values(of: "settings/theme").makeAsyncIterator()
    #expect(try await values.next() == .some(nil))  // its value now: none
    expectSuccess(workspace.run("store", "put", "settings/theme", "dark"))
    expectSuccess(workspace.run("store", "put", "settings/themes", "other key"))
    try await node.put("settings/theme", "blue")
    expectSuccess(workspace.run("store", "delete", "settings/theme"))
    #expect(try await values.next() == Value("dark"))
    #expect(try await values.next() == Value("blue"))
    #expect(try await values.next() == .some(nil))
    // A restore: the value the restored node holds.
    expectSuccess(workspace.run("restore", "light.sdbackup", "--force"))
    #expect(try await values.next() == Value("light"))
  }
}

/// A sink that drops the bytes and runs `delivery` when the bundle is whole.
private final class DeliverySink: SyncBundleSink {
  let delivery: () -> Void
  init(_ delivery: @escaping () -> Void) { self.delivery = delivery }
  func write(_ bytes: [UInt8]) throws(SoftadastraError) {}
  func finish() throws(SoftadastraError) { delivery() }
}
