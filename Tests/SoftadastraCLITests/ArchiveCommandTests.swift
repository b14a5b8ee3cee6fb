import Foundation
import SoftadastraTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `softadastra archive` end to end: real processes killed at random moments, real carriers
/// (rclone over WebDAV on loopback), a failing command counted and reported.
@Suite(.serialized) struct ArchiveCommandTests {
  /// Starts `executable arguments…` in `directory` with `environment` added, its output to `log`.
  /// Foundation starts it as the leader of a process group of its own, so that killing the group
  /// kills what it started too.
  static func start(
    _ executable: String, _ arguments: [String], in directory: String, log: String,
    environment: [String: String] = [:]
  ) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    FileBytes.write([], to: log)
    let handle = FileHandle(forWritingAtPath: log)
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    return process
  }

  static func kill(_ process: Process, _ signal: Int32 = SIGKILL) {
    Glibc.kill(-process.processIdentifier, signal)
    Glibc.kill(process.processIdentifier, signal)
    process.waitUntilExit()
  }

  /// The archiving state `status --json` shows, or nil.
  static func archive(_ workspace: CLIWorkspace, _ options: String...) throws -> [String: Any]? {
    let status = try workspace.json(workspace.run(arguments: ["status", "--json"] + options))
    return status["archive"] as? [String: Any]
  }

  @Test func anArchiverKilledAtRandomMomentsLosesNothingAndShipsNothingUnderTwoNames() throws {
    let workspace = CLIWorkspace()
    try FileManager.default.createDirectory(atPath: workspace.file("arch"), withIntermediateDirectories: false)
    var random = SystemRandomNumberGenerator()
    var archiver: Process?
    func startArchiver() throws {
      archiver = try Self.start(
        CommandRunner.binaryPath, ["archive", "--dir", "arch", "--interval", "0.01", "--json"], in: workspace.path,
        log: workspace.file("archiver-\(UUID().uuidString).log"))
    }
    try startArchiver()
    var expected: [String: String] = [:]
    var kills = 0
    for index in 0..<160 {
      let value = "value \(index) \(random.next() % 1000)"
      expectSuccess(workspace.run("store", "put", "k\(index % 50)", value))
      expected["k\(index % 50)"] = value
      if random.next() % 12 == 0 {
        // A kill at whatever the archiver, looking every 10 ms, is doing as the put returns:
        // reading, writing a segment, storing it, saving its state.
        Self.kill(archiver!)
        kills += 1
        try startArchiver()
      }
    }
    #expect(kills >= 4)
    let last =
      try #require(try workspace.json(workspace.run("status", "--json"))["wal"] as? [String: Any])["last_lsn"]
      as? Int
    #expect(try waitUntil { (try Self.archive(workspace)?["shipped_lsn"] as? Int) == last })
    Self.kill(archiver!, SIGTERM)
    #expect(archiver!.terminationStatus == 0)
    let verify = workspace.run("backup", "verify", "arch", "--json")
    #expect(verify.status == 0, "\(verify.out)")
    let restored = workspace.run("restore", "arch", "--data-dir", "restored")
    expectSuccess(restored)
    // One chain: pruning keeps all of it.
    let pruned = try workspace.json(workspace.run("backup", "prune", "arch", "--keep", "1", "--json"))
    #expect((pruned["removed"] as? [String])?.isEmpty == true && (pruned["kept"] as? [String])?.count ?? 0 >= 2)
    let export = workspace.run("store", "export", "--data-dir", "restored").out
    #expect(export == workspace.run("store", "export").out)
    #expect(export.split(separator: "\n").count == expected.count)
  }

  /// The issue's scenario: a node written continuously, archived through rclone to a WebDAV server
  /// on loopback, then lost (writer and archiver killed, data directory deleted) and restored from
  /// the remote. Every write acknowledged a few seconds before the loss is there, and the restored
  /// node is a prefix of the writes: nothing out of order, no batch half-applied.
  @Test func aNodeLostWhileWritingIsRestoredFromRcloneOverWebDAV() throws {
    let rclone = try #require(DocumentationTests.tool("rclone"), "rclone is not installed (apt-get install rclone)")
    let workspace = CLIWorkspace()
    try FileManager.default.createDirectory(atPath: workspace.file("dav"), withIntermediateDirectories: false)
    let server = try Self.start(
      rclone, ["serve", "webdav", "dav", "--addr", "127.0.0.1:0"], in: workspace.path, log: workspace.file("dav.log"))
    defer { Self.kill(server) }
    var port: Substring?
    #expect(
      waitUntil {
        port =
          String(decoding: FileBytes.read(workspace.file("dav.log")), as: UTF8.self)
          .firstMatch(of: /started on http:\/\/127\.0\.0\.1:([0-9]+)/)?.1
        return port != nil
      })
    let remote = [
      "RCLONE_CONFIG_DAV_TYPE": "webdav", "RCLONE_CONFIG_DAV_URL": "http://127.0.0.1:\(try #require(port))",
      "RCLONE_CONFIG_DAV_VENDOR": "other", "RCLONE_CONFIG": "/dev/null",
    ]
    let writer = try Self.start(
      "/bin/bash",
      [
        "-c",
        "i=0; while :; do \(CommandRunner.binaryPath) store put k$i v$i >/dev/null && echo \"$i $(date +%s%N)\" >> acks; i=$((i+1)); done",
      ], in: workspace.path, log: workspace.file("writer.log"))
    // The archiver needs the node: it starts once the first write is acknowledged (under load,
    // the writer's first put can come after it, which then exits with "no WAL").
    #expect(waitUntil { !workspace.lines(of: "acks").isEmpty })
    let archiver = try Self.start(
      CommandRunner.binaryPath, ["archive", "--archive-command", "rclone rcat dav:arch/%f", "--interval", "0.2"],
      in: workspace.path, log: workspace.file("archiver.log"), environment: remote)
    // Wait until the node has written for 10 s and the archive has shipped several segments.
    #expect(
      try waitUntil(timeout: 120) {
        let segments = try Self.archive(workspace)?["segments"] as? Int ?? 0
        let acks = workspace.lines(of: "acks")
        guard let first = acks.first?.split(separator: " ").last.flatMap({ Double($0) }) else { return false }
        return Date().timeIntervalSince1970 - first / 1e9 >= 10 && segments >= 3
      },
      "archiver: \(String(decoding: FileBytes.read(workspace.file("archiver.log")), as: UTF8.self))")
    Self.kill(writer)
    Self.kill(archiver)
    let lost = Date().timeIntervalSince1970
    try FileManager.default.removeItem(atPath: workspace.file("data"))
    let acks = workspace.lines(of: "acks").map { line in
      let fields = line.split(separator: " ")
      return (index: Int(fields[0])!, seconds: Double(fields[1])! / 1e9)
    }

    let restore = CommandRunner.run(
      ["restore", "--restore-command", "rclone cat dav:arch/%f", "--list-command", "rclone lsf dav:arch", "--json"],
      in: workspace.path, environment: remote)
    #expect(restore.status == 0, "\(restore.stderr)")
    let export = workspace.run("store", "export", "--json").out.split(separator: "\n")
    var restored: Set<Int> = []
    for line in export {
      let entry = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
      let index = try #require(Int(entry["key"]!.dropFirst()))
      #expect(entry["value"] == "v\(index)")
      restored.insert(index)
    }
    // A prefix of the writes, holding every write acknowledged 5 s before the loss.
    #expect(restored == Set(0..<restored.count))
    let safe = acks.filter { $0.seconds < lost - 5 }.map(\.index).max() ?? -1
    #expect(restored.count > safe, "lost a write acknowledged 5 s before the machine")
    #expect(safe > 50)
    if let firstLost = acks.first(where: { $0.index == restored.count }) {
      print("archive over rclone/WebDAV: lost the writes of the last \(lost - firstLost.seconds) s")
    }
  }

  @Test func aFailingCommandIsReportedCountedAndExits74() throws {
    let workspace = CLIWorkspace()
    expectSuccess(workspace.run("store", "put", "k", "v"))
    // The first base fails to store (no such directory); once it exists, the base is shipped.
    let missing = workspace.run("archive", "--once", "--dir", "later")
    #expect(missing.status == 66 && missing.stderr.contains("later does not exist"), "\(missing.stderr)")
    try FileManager.default.createDirectory(atPath: workspace.file("later"), withIntermediateDirectories: false)
    let later = try workspace.json(workspace.run("archive", "--once", "--dir", "later", "--json"))
    #expect((later["shipped"] as? [[String: Any]])?.first?["kind"] as? String == "base")
    let failed = workspace.run("archive", "--once", "--archive-command", "cat > /dev/null; exit 3")
    #expect(failed.status == 74)
    #expect(failed.stderr.contains("exited with status 3"), "\(failed.stderr)")
    // Nothing was stored: the next run ships the base again, now through a command that works.
    try FileManager.default.createDirectory(atPath: workspace.file("arch"), withIntermediateDirectories: false)
    let shipped = workspace.run("archive", "--once", "--archive-command", "cat > arch/%f", "--json")
    expectSuccess(shipped)
    let report = try workspace.json(shipped)
    let files = try #require(report["shipped"] as? [[String: Any]])
    #expect(files.count == 1 && files[0]["kind"] as? String == "base")
    #expect(FileManager.default.fileExists(atPath: workspace.file("arch/\(files[0]["name"] as! String)")))
    // A later failure of the same destination is counted in status until a store succeeds.
    expectSuccess(workspace.run("store", "put", "k2", "v2"))
    try FileManager.default.moveItem(atPath: workspace.file("arch"), toPath: workspace.file("arch-away"))
    #expect(workspace.run("archive", "--once", "--archive-command", "cat > arch/%f").status == 74)
    let state = try #require(try Self.archive(workspace))
    #expect(state["failures"] as? Int == 1 && state["running"] as? Bool == false)
    #expect((state["last_error"] as? String)?.contains("exited with status 2") == true, "\(state)")
    try FileManager.default.moveItem(atPath: workspace.file("arch-away"), toPath: workspace.file("arch"))
    expectSuccess(workspace.run("archive", "--once", "--archive-command", "cat > arch/%f"))
    #expect(try Self.archive(workspace)?["failures"] as? Int == 0)
    expectSuccess(workspace.run("restore", "arch", "--data-dir", "restored"))
    #expect(workspace.run("store", "get", "k2", "--data-dir", "restored").out == "v2\n")
    // A command that runs too long is stopped and counts as failed.
    expectSuccess(workspace.run("store", "put", "k1", "v1"))
    let slow = workspace.run("archive", "--once", "--archive-command", "sleep 30 & wait", "--command-timeout", "0.5")
    #expect(slow.status == 74 && slow.stderr.contains("ran longer than"), "\(slow.stderr)")
    // --base-every takes a size or a time, nothing else.
    #expect(workspace.run("archive", "--once", "--dir", "arch", "--base-every", "5x").status == 64)
    #expect(
      workspace.run("archive", "--once", "--dir", "arch", "--base-every", "512M", "--base-every", "7d").status == 0)
  }
}
