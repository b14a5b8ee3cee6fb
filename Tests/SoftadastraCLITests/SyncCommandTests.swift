import Foundation
import SoftadastraTestSupport
import Testing

/// `softadastra sync` as people and scripts run it: bundles through files and pipes, the status
/// in text and JSON, refusals that change nothing, and live exchanges between two processes.
@Suite struct SyncCommandTests {
  /// `softadastra ARGS… --node-id ID` in the workspace.
  static func on(_ workspace: CLIWorkspace, _ id: String, _ arguments: String..., stdin: [UInt8] = []) -> CommandResult
  {
    workspace.run(arguments: arguments + ["--node-id", id], stdin: stdin)
  }

  static func exported(_ workspace: CLIWorkspace, _ id: String) -> String { on(workspace, id, "store", "export").out }

  @Test func bundlesThroughFilesConvergeAndReimportingChangesNothing() throws {
    let workspace = CLIWorkspace()
    expectSuccess(Self.on(workspace, "laptop", "store", "put", "settings/theme", "dark"))
    expectSuccess(Self.on(workspace, "laptop", "store", "put", "doc/1", "draft"))
    expectSuccess(Self.on(workspace, "phone", "store", "put", "settings/theme", "light"))
    expectSuccess(Self.on(workspace, "phone", "store", "delete", "doc/1"))
    expectSuccess(Self.on(workspace, "phone", "store", "put", "notes/1", "milk"))

    let export = Self.on(workspace, "laptop", "sync", "export", "--peer", "phone", "--output", "to-phone.sdsync")
    #expect(export.status == 0 && export.stdout.isEmpty)
    #expect(export.stderr.contains("exported 2 operations for phone"))
    let imported = Self.on(workspace, "phone", "sync", "import", "to-phone.sdsync", "--reply", "to-laptop.sdsync")
    #expect(
      imported.status == 0 && imported.out.contains("imported 2 operations from laptop (0 applied"),
      "\(imported.stderr)")
    let back = try workspace.json(Self.on(workspace, "laptop", "sync", "import", "to-laptop.sdsync", "--json"))
    #expect(
      back["sender"] as? String == "phone" && back["applied"] as? Int == 3 && back["full_state"] as? Bool == false)
    let expected = "{\"key\":\"notes/1\",\"value\":\"milk\"}\n{\"key\":\"settings/theme\",\"value\":\"light\"}\n"
    #expect(Self.exported(workspace, "laptop") == expected)
    #expect(Self.exported(workspace, "phone") == expected)

    // Importing the same bundles again changes no value.
    let walBefore = FileBytes.read(workspace.file("data/laptop.wal"))
    let again = try workspace.json(Self.on(workspace, "laptop", "sync", "import", "to-laptop.sdsync", "--json"))
    #expect(again["applied"] as? Int == 0 && again["ignored"] as? Int == 3 && again["stale"] as? Bool == true)
    #expect(FileBytes.read(workspace.file("data/laptop.wal")) == walBefore)
    #expect(Self.on(workspace, "laptop", "sync", "import", "to-laptop.sdsync").out.contains("nothing applied"))
    expectSuccess(Self.on(workspace, "phone", "sync", "import", "to-phone.sdsync", "--json"))
    #expect(Self.exported(workspace, "laptop") == expected && Self.exported(workspace, "phone") == expected)

    let status = try workspace.json(Self.on(workspace, "laptop", "sync", "status", "--json"))
    for field in [
      "outbox_size", "queued_count", "in_flight_count", "acknowledged_count", "failed_count", "last_submitted_lsn",
      "last_applied_remote_lsn", "total_retries",
    ] {
      #expect(status[field] is Int, "sync status --json lacks \(field)")
    }
    let peers = try #require(status["peers"] as? [[String: Any]])
    #expect(peers.count == 1 && peers[0]["node_id"] as? String == "phone" && peers[0]["last_exchange"] is String)
    #expect(peers[0]["received_lsn"] as? Int == 4)
    let text = Self.on(workspace, "laptop", "sync")  // status is the default subcommand
    #expect(text.status == 0 && text.out.contains("outbox         : 0 operations (0 queued, 0 in flight)"))
    #expect(text.out.contains("PEER") && text.out.contains("phone"))
  }

  @Test func bundlesStreamThroughPipesAndSurviveRestarts() throws {
    let workspace = CLIWorkspace()
    for index in 0..<20 { expectSuccess(Self.on(workspace, "a", "store", "put", "k\(index)", "v\(index)")) }
    let bundle = Self.on(workspace, "a", "sync", "export", "--peer", "b")
    #expect(bundle.status == 0 && !bundle.stdout.isEmpty)
    let reply = Self.on(workspace, "b", "sync", "import", "-", "--reply", "-", stdin: bundle.stdout)
    #expect(reply.status == 0 && reply.stderr.contains("imported 20 operations from a (20 applied"))
    expectSuccess(Self.on(workspace, "a", "sync", "import", "-", "--json", stdin: reply.stdout))
    #expect(Self.exported(workspace, "a") == Self.exported(workspace, "b"))
    // Each command is a new process: positions came from the WAL, and the outbox is empty.
    let status = try workspace.json(Self.on(workspace, "a", "sync", "status", "--json"))
    #expect(status["outbox_size"] as? Int == 0 && status["acknowledged_count"] as? Int == 20)
  }

  @Test func badBundlesExit65AndChangeNothing() throws {
    let workspace = CLIWorkspace()
    expectSuccess(Self.on(workspace, "a", "store", "put", "k", "v"))
    expectSuccess(Self.on(workspace, "b", "store", "put", "other", "x"))
    _ = Self.on(workspace, "a", "sync", "export", "--peer", "b", "--output", "good.sdsync")
    let good = FileBytes.read(workspace.file("good.sdsync"))
    let walBefore = FileBytes.read(workspace.file("data/b.wal"))

    FileBytes.write(Array(good.prefix(good.count / 2)), to: workspace.file("cut.sdsync"))
    expectFailure(Self.on(workspace, "b", "sync", "import", "cut.sdsync"), 65, mentioning: "cut short")
    var flipped = good
    flipped[flipped.count - 20] ^= 0x10
    FileBytes.write(flipped, to: workspace.file("flipped.sdsync"))
    expectFailure(Self.on(workspace, "b", "sync", "import", "flipped.sdsync"), 65, mentioning: "checksum")
    var newer = good
    newer[8] = 9
    FileBytes.write(newer, to: workspace.file("newer.sdsync"))
    expectFailure(Self.on(workspace, "b", "sync", "import", "newer.sdsync"), 65, mentioning: "version 9")
    expectFailure(Self.on(workspace, "c", "sync", "import", "good.sdsync"), 65, mentioning: "for node 'b'")
    expectFailure(Self.on(workspace, "b", "sync", "import", "missing.sdsync"), 66, mentioning: "no bundle")
    expectFailure(
      Self.on(workspace, "b", "sync", "import", "-", stdin: Array("this is not a sync bundle, only some text\n".utf8)),
      65, mentioning: "magic")
    expectFailure(Self.on(workspace, "a", "sync", "export", "--peer", "a"), 64, mentioning: "own id")
    expectFailure(Self.on(workspace, "a", "sync", "export", "--peer", "../x"), 64, mentioning: "peer id")
    #expect(FileBytes.read(workspace.file("data/b.wal")) == walBefore)
    #expect(!FileManager.default.fileExists(atPath: workspace.file("data/c.wal")))
    expectSuccess(Self.on(workspace, "b", "sync", "import", "good.sdsync"))
    #expect(Self.on(workspace, "b", "store", "get", "k").out == "v\n")
  }

  @Test func syncWithALocalProcessConvergesBothWays() throws {
    let workspace = CLIWorkspace()
    for index in 0..<30 { expectSuccess(Self.on(workspace, "a", "store", "put", "shared/\(index % 10)", "a\(index)")) }
    for index in 0..<30 { expectSuccess(Self.on(workspace, "b", "store", "put", "shared/\(index % 7)", "b\(index)")) }
    expectSuccess(Self.on(workspace, "b", "store", "delete", "shared/9"))
    let serve = [
      CommandRunner.binaryPath, "sync", "serve", "--stdio", "--data-dir", workspace.file("other"), "--node-id", "b",
    ]
    // b lives in another data directory, as on another host.
    try FileManager.default.createDirectory(atPath: workspace.file("other"), withIntermediateDirectories: true)
    try FileManager.default.moveItem(atPath: workspace.file("data/b.wal"), toPath: workspace.file("other/b.wal"))
    let synced = workspace.run(arguments: ["sync", "with", "--node-id", "a"] + serve)
    #expect(synced.status == 0, "\(synced.stderr)")
    #expect(synced.out.hasPrefix("synced with b: sent "))
    let a = Self.exported(workspace, "a")
    let b = workspace.run("store", "export", "--data-dir", "other", "--node-id", "b").out
    #expect(a == b && !a.isEmpty)
    #expect(!a.contains("shared/9\""))  // b's delete came later than a's put
    // Nothing left to send either way; both outboxes are empty.
    let second = try workspace.json(workspace.run(arguments: ["sync", "with", "--node-id", "a", "--json"] + serve))
    #expect(second["peer"] as? String == "b")
    #expect(((second["imports"] as? [[String: Any]])?.first?["applied"] as? Int) == 0)
    #expect(try workspace.json(Self.on(workspace, "a", "sync", "status", "--json"))["outbox_size"] as? Int == 0)
    let other = try workspace.json(workspace.run("sync", "status", "--json", "--data-dir", "other", "--node-id", "b"))
    #expect(other["outbox_size"] as? Int == 0)
  }

  @Test func anExchangeBrokenOffExits74AndCountsAFailure() throws {
    let workspace = CLIWorkspace()
    expectSuccess(Self.on(workspace, "a", "store", "put", "k", "v"))
    expectFailure(workspace.run("sync", "with", "--node-id", "a", "false"), 74, mentioning: "ended the exchange early")
    expectFailure(
      workspace.run("sync", "with", "--node-id", "a", "no-such-command-here"), 66, mentioning: "cannot start")
    // The other side greets, then finds its input closed and gives up: the exchange is counted
    // as failed with that peer, and nothing is lost. The pipe from the caller stays open on fd 3
    // until the server exits, so the caller's greeting is never refused before the server's
    // greeting is read (which made this test depend on which process ran first).
    let script = workspace.file("gives-up.sh")
    FileBytes.write(
      Array("#!/bin/sh\nexec '\(CommandRunner.binaryPath)' sync serve --stdio --node-id b 3<&0 </dev/null\n".utf8),
      to: script)
    chmod(script, 0o755)
    let broken = workspace.run("sync", "with", "--node-id", "a", script)
    #expect(broken.status == 74 && broken.stderr.contains("exited with status 74"), "\(broken.stderr)")
    #expect(
      broken.stderr.contains("sync serve (node b): the calling node ended the exchange early"), "\(broken.stderr)")
    let status = try workspace.json(Self.on(workspace, "a", "sync", "status", "--json"))
    #expect(status["failed_count"] as? Int == 1)
    #expect(Self.on(workspace, "a", "store", "get", "k").out == "v\n")
  }

  @Test func exportsAreRecordedOnlyOnceWrittenAndNeverReplaceWhatTheyWriteThrough() throws {
    let workspace = CLIWorkspace()
    expectSuccess(Self.on(workspace, "a", "store", "put", "k", "v"))
    let wal = FileBytes.read(workspace.file("data/a.wal"))
    expectFailure(
      Self.on(workspace, "a", "sync", "export", "--peer", "b", "--output", "missing/x.sdsync"), 73,
      mentioning: "cannot create")
    #expect(FileBytes.read(workspace.file("data/a.wal")) == wal)  // not recorded as sent
    let status = try workspace.json(Self.on(workspace, "a", "sync", "status", "--json"))
    #expect((status["peers"] as? [Any])?.isEmpty == true && status["last_submitted_lsn"] as? Int == 0)

    // A symbolic link is written through (and stays a link), even to a file not there yet.
    try FileManager.default.createSymbolicLink(
      atPath: workspace.file("link.sdsync"), withDestinationPath: "target.sdsync")
    #expect(Self.on(workspace, "a", "sync", "export", "--peer", "b", "--output", "link.sdsync").status == 0)
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: workspace.file("link.sdsync")) == "target.sdsync")
    #expect(Self.on(workspace, "b", "sync", "import", "target.sdsync").status == 0)
    // A FIFO is read to its end.
    #expect(mkfifo(workspace.file("pipe.sdsync"), 0o600) == 0)
    let feeder = Process()
    feeder.executableURL = URL(fileURLWithPath: "/bin/sh")
    feeder.arguments = ["-c", "cat target.sdsync > pipe.sdsync"]
    feeder.currentDirectoryURL = URL(fileURLWithPath: workspace.path)
    try feeder.run()
    let fromFIFO = Self.on(workspace, "c", "sync", "import", "pipe.sdsync")
    feeder.waitUntilExit()
    // Read whole, then refused.
    #expect(fromFIFO.status == 65 && fromFIFO.stderr.contains("for node 'b'"), "\(fromFIFO.stderr)")
    // A device is written to, not replaced.
    #expect(Self.on(workspace, "a", "sync", "export", "--peer", "b", "--output", "/dev/null").status == 0)
    var device = stat()
    #expect(stat("/dev/null", &device) == 0 && device.st_mode & S_IFMT == S_IFCHR)
  }

  /// A whole state of several chunks streams from one process to another through a pipe, the
  /// receiver keeping it in a nameless file in $TMPDIR; a cut stream is refused and creates no
  /// node.
  @Test func aWholeStateStreamsThroughAPipe() throws {
    let workspace = CLIWorkspace()
    let lines = (0..<60_000).map { "key-\($0)\tvalue-\($0)-" + String(repeating: "x", count: 40) }
    FileBytes.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: workspace.file("data.tsv"))
    expectSuccess(Self.on(workspace, "a", "store", "import", "data.tsv"))
    try FileManager.default.createDirectory(atPath: workspace.file("tmp"), withIntermediateDirectories: true)
    let binary = CommandRunner.binaryPath
    func pipe(_ command: String) -> CommandResult {
      CommandRunner.run(
        executable: "/bin/sh", ["-c", command], in: workspace.path, environment: ["TMPDIR": workspace.file("tmp")])
    }
    let piped = pipe(
      "'\(binary)' sync export --peer b --full --node-id a | '\(binary)' sync import - --node-id b --json")
    #expect(piped.status == 0, "\(piped.stderr)")
    let report = try workspace.json(piped)
    #expect(report["received"] as? Int == 60_000 && report["applied"] as? Int == 60_000)
    #expect(Self.exported(workspace, "b") == Self.exported(workspace, "a"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.file("tmp")).isEmpty)
    // The new node's first snapshot holds it: no log of it to replay, nothing left over.
    let files = try FileManager.default.contentsOfDirectory(atPath: workspace.file("data")).filter {
      $0.hasPrefix("b.")
    }
    #expect(Set(files) == ["b.00000000000000060000.snapshot", "b.wal", "b.wal.lock"], "\(files)")
    expectSuccess(Self.on(workspace, "b", "snapshot", "verify"))
    expectSuccess(Self.on(workspace, "b", "wal-verify"))
    #expect(
      Self.on(workspace, "b", "store", "get", "key-59999").out == "value-59999-" + String(repeating: "x", count: 40)
        + "\n")

    #expect(Self.on(workspace, "a", "sync", "export", "--peer", "c", "--full", "--output", "c.sdsync").status == 0)
    let size = FileBytes.read(workspace.file("c.sdsync")).count
    let cut = pipe("head -c \(size / 2) c.sdsync | '\(binary)' sync import - --node-id c")
    #expect(cut.status == 65 && cut.stderr.contains("cut short"), "\(cut.stderr)")
    #expect(!FileManager.default.fileExists(atPath: workspace.file("data/c.wal")))
    #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.file("tmp")).isEmpty)
  }

  /// While an export writes FILE.part, a second export to FILE is refused (exit 75) and leaves
  /// it alone; the leftovers of an export that was killed are taken over.
  @Test func aSecondExportToTheSameFileAtOnceIsRefused() throws {
    let workspace = CLIWorkspace()
    expectSuccess(Self.on(workspace, "a", "store", "put", "k", "v"))
    FileBytes.write(Array("half a bundle".utf8), to: workspace.file("out.sdsync.part"))
    let part = open(workspace.file("out.sdsync.part"), O_RDWR)
    #expect(flock(part, LOCK_EX | LOCK_NB) == 0)
    expectFailure(
      Self.on(workspace, "a", "sync", "export", "--peer", "b", "--output", "out.sdsync"), 75,
      mentioning: "another export")
    #expect(FileBytes.read(workspace.file("out.sdsync.part")) == Array("half a bundle".utf8))
    #expect(!FileManager.default.fileExists(atPath: workspace.file("out.sdsync")))
    close(part)
    #expect(Self.on(workspace, "a", "sync", "export", "--peer", "b", "--output", "out.sdsync").status == 0)
    #expect(!FileManager.default.fileExists(atPath: workspace.file("out.sdsync.part")))
    expectSuccess(Self.on(workspace, "b", "sync", "import", "out.sdsync"))
    #expect(Self.on(workspace, "b", "store", "get", "k").out == "v\n")
    // A symbolic link where FILE.part goes is not written through.
    FileBytes.write(Array("keep".utf8), to: workspace.file("victim"))
    try FileManager.default.createSymbolicLink(
      atPath: workspace.file("other.sdsync.part"), withDestinationPath: "victim")
    let refused = Self.on(workspace, "a", "sync", "export", "--peer", "b", "--output", "other.sdsync")
    #expect(refused.status != 0 && FileBytes.read(workspace.file("victim")) == Array("keep".utf8))
    #expect(!FileManager.default.fileExists(atPath: workspace.file("other.sdsync")))
  }

  @Test func mistakesCreateNoNodeAndAnImportWithAnUnwritableReplyImportsNothing() throws {
    let workspace = CLIWorkspace()
    expectSuccess(Self.on(workspace, "a", "store", "put", "k", "v"))
    expectFailure(Self.on(workspace, "typo", "sync", "export", "--peer", "b"), 66, mentioning: "no WAL")
    expectFailure(Self.on(workspace, "typo", "sync", "forget", "--peer", "b"), 66, mentioning: "no WAL")
    #expect(!FileManager.default.fileExists(atPath: workspace.file("data/typo.wal")))
    #expect(!FileManager.default.fileExists(atPath: workspace.file("data/typo.wal.lock")))
    expectFailure(
      Self.on(workspace, "a", "sync", "export", "--peer", "b", "--data-dir", "nowhere"), 66, mentioning: "no WAL")
    expectFailure(Self.on(workspace, "a", "snapshot", "--data-dir", "nowhere"), 66, mentioning: "no WAL")
    #expect(!FileManager.default.fileExists(atPath: workspace.file("nowhere")))

    _ = Self.on(workspace, "a", "sync", "export", "--peer", "b", "--output", "first.sdsync")
    expectSuccess(Self.on(workspace, "b", "sync", "import", "first.sdsync", "--reply", "back.sdsync", "--json"))
    expectSuccess(Self.on(workspace, "a", "sync", "import", "back.sdsync", "--json"))
    expectSuccess(Self.on(workspace, "a", "store", "put", "k2", "v2"))
    _ = Self.on(workspace, "a", "sync", "export", "--peer", "c", "--output", "for-c.sdsync")
    _ = Self.on(workspace, "a", "sync", "export", "--peer", "b", "--output", "second.sdsync")
    // b's second bundle starts after LSN 0: a node that does not exist yet cannot take it.
    let forNew = Self.on(workspace, "b", "sync", "import", "second.sdsync", "--data-dir", "fresh")
    #expect(forNew.status == 65 && forNew.stderr.contains("--full"))
    #expect(!FileManager.default.fileExists(atPath: workspace.file("fresh")))

    let before = FileBytes.read(workspace.file("data/b.wal"))
    expectFailure(
      Self.on(workspace, "b", "sync", "import", "second.sdsync", "--reply", "missing/r.sdsync"), 66,
      mentioning: "nothing was imported")
    #expect(FileBytes.read(workspace.file("data/b.wal")) == before)

    // forget: a peer known only by a mistyped export stops counting.
    #expect(try workspace.json(Self.on(workspace, "a", "sync", "status", "--json"))["outbox_size"] as? Int == 2)
    let forgot = Self.on(workspace, "a", "sync", "forget", "--peer", "c")
    #expect(forgot.status == 0 && forgot.stderr.contains("forgot peer c"))
    let status = try workspace.json(Self.on(workspace, "a", "sync", "status", "--json"))
    #expect((status["peers"] as? [[String: Any]])?.map { $0["node_id"] as? String } == ["b"])
    #expect(status["outbox_size"] as? Int == 1)
    let unknown = Self.on(workspace, "a", "sync", "forget", "--peer", "c")
    #expect(unknown.status == 1 && unknown.stderr.contains("not a known peer"))
  }

  @Test func syncWithParsesItsOwnOptionsAndGivesUpOnAStalledPeer() throws {
    let workspace = CLIWorkspace()
    expectSuccess(Self.on(workspace, "a", "store", "put", "k", "v"))
    let help = workspace.run("sync", "with", "--help")
    #expect(help.status == 0 && help.out.contains("--timeout"))
    expectFailure(workspace.run("sync", "with", "--bogus", "true"), 64, mentioning: "unknown option '--bogus'")
    expectFailure(workspace.run("sync", "with"), 64, mentioning: "give the command")
    expectFailure(
      workspace.run("sync", "with", "--node-id", "a", "--", "false"), 74, mentioning: "ended the exchange early")
    expectFailure(workspace.run("sync", "serve", "--node-id", "a"), 64, mentioning: "--stdio")
    let start = Date()
    let stalled = workspace.run("sync", "with", "--node-id", "a", "--timeout", "1", "sleep", "30")
    #expect(stalled.status == 74 && stalled.stderr.contains("within 1 seconds"), "\(stalled.stderr)")
    #expect(Date().timeIntervalSince(start) < 10)
  }

  @Test func aMessageClaimingAHugeBundleAllocatesOnlyWhatArrives() throws {
    let workspace = CLIWorkspace()
    expectSuccess(workspace.run("store", "put", "a", "b"))
    // A version 2 header (the test vector's), then a chunk announcing the largest body a chunk
    // may have, then 112 bytes and the end.
    let vector = FileBytes.read(
      URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SoftadastraTests/Vectors/small-v2.sdsync").path)
    var message = Array(vector.prefix(90))
    for field: UInt32 in [33_587_264, 32 << 20, 1, 0] { withUnsafeBytes(of: field.littleEndian) { message += $0 } }
    message += [UInt8](repeating: 0x78, count: 112)
    FileBytes.write(message, to: workspace.file("message"))
    // A version 1 prefix announcing a body of 4 GiB - 1: a live exchange does not read version 1.
    var old = [0x53, 0x44, 0x53, 0x59, 0x4E, 0x0D, 0x0A, 0x1A] as [UInt8]
    old += [1, 0, 0, 0]  // version 1, flags 0
    withUnsafeBytes(of: UInt32(113).littleEndian) { old += $0 }
    withUnsafeBytes(of: UInt64((1 << 32) - 1).littleEndian) { old += $0 }
    old += [UInt8](repeating: 0x78, count: 112)
    FileBytes.write(old, to: workspace.file("old"))
    // Under a 1 GB address-space limit, allocating what a header claims would abort.
    func serve(_ input: String) -> CommandResult {
      CommandRunner.run(
        executable: "/bin/bash", ["-c", "ulimit -v 1000000; exec \"$SOFTADASTRA\" sync serve --stdio < \(input)"],
        in: workspace.path, environment: ["SOFTADASTRA": CommandRunner.binaryPath])
    }
    let result = serve("message")
    #expect(result.status == 74, "stderr: \(result.stderr)")
    #expect(result.stderr.contains("in the middle of a bundle"))
    let refused = serve("old")
    #expect(refused.status == 65 && refused.stderr.contains("version 1"), "stderr: \(refused.stderr)")
  }
}
