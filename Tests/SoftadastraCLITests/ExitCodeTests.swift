import Foundation
import SoftadastraTestSupport
import SoftadastraWAL
import Testing

/// Every documented exit status, each from a real situation.
@Suite struct ExitCodeTests {
  @Test func usageErrorsExit64() {
    let workspace = CLIWorkspace()
    expectFailure(workspace.run("store", "put", "only-key"), 64, mentioning: "Missing expected argument")
    expectFailure(workspace.run("store", "get", "k", "--lock-timeout", "-1"), 64, mentioning: "lock-timeout")
    expectFailure(workspace.run("store", "put", "", "v"), 64, mentioning: "empty")
    expectFailure(workspace.run("frobnicate"), 64, mentioning: "frobnicate")
    expectFailure(workspace.run("store", "put", "k", "v", "--node-id", "a/b"), 64, mentioning: "node id")
    expectFailure(workspace.run("--data-dir", "x", "status"), 64, mentioning: "global options go after the subcommand")
    // The hint is the command as it should have been written, values and quoting kept.
    let misplaced = workspace.run("--data-dir", "my dir", "--json", "store", "put", "k", "v")
    #expect(misplaced.stderr.contains("softadastra store put k v --data-dir 'my dir' --json"), "\(misplaced.stderr)")
    #expect(!FileManager.default.fileExists(atPath: workspace.file("data")))
  }

  @Test func aMissingWALOrInputFileExits66() {
    let workspace = CLIWorkspace()
    expectFailure(workspace.run("store", "get", "k"), 66, mentioning: "no WAL at data/softadastra.wal")
    expectFailure(workspace.run("store", "import", "nope.tsv"), 66, mentioning: "nope.tsv")
  }

  @Test func aFileWhereTheDataDirectoryShouldBeExits73() {
    let workspace = CLIWorkspace()
    FileBytes.write(Array("not a directory".utf8), to: workspace.file("data"))
    expectFailure(workspace.run("store", "put", "k", "v"), 73, mentioning: "data")
  }

  @Test func aHeldWriterLockExits75AfterTheTimeout() throws {
    let workspace = CLIWorkspace()
    workspace.run("store", "put", "k", "v")
    let holder = Process()
    holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
    holder.arguments = ["-o", "-x", workspace.file("data/softadastra.wal.lock"), "sleep", "60"]
    try holder.run()
    defer { holder.terminate() }
    #expect(waitUntil { WriterLock.isHeld(walPath: workspace.file("data/softadastra.wal")) })
    let started = Date()
    let result = workspace.run("store", "put", "k", "w", "--lock-timeout", "0.5")
    expectFailure(result, 75, mentioning: "data/softadastra.wal.lock")
    #expect(Date().timeIntervalSince(started) >= 0.5)
    expectSuccess(workspace.run("store", "get", "k"))  // readers take no lock
  }

  @Test func anUnreadableWALExits77() throws {
    let workspace = CLIWorkspace()
    workspace.run("store", "put", "k", "v")
    chmod(workspace.path, 0o755)
    // Root reads anything: run as nobody, for whom the 0700 data directory is closed.
    let result = CommandRunner.run(
      executable: "/usr/bin/setpriv",
      ["--reuid=nobody", "--regid=nogroup", "--clear-groups", CommandRunner.binaryPath, "store", "get", "k"],
      in: workspace.path)
    expectFailure(result, 77, mentioning: "Permission denied")
  }

  @Test func anotherNodesWALExits78NamingBothNodes() {
    let workspace = CLIWorkspace()
    workspace.run("store", "put", "k", "v", "--node-id", "node-a")
    let before = FileBytes.read(workspace.file("data/node-a.wal"))
    let result = workspace.run("store", "put", "k", "v", "--node-id", "node-b", "--wal", "data/node-a.wal")
    expectFailure(result, 78, mentioning: "belongs to node 'node-a', not 'node-b'")
    #expect(FileBytes.read(workspace.file("data/node-a.wal")) == before)
  }

  @Test func helpAndVersionGoToStandardOutput() {
    let workspace = CLIWorkspace()
    let help = workspace.run("--help")
    expectSuccess(help)
    #expect(help.out.contains("store") && help.out.contains("status") && help.out.contains("Exit status"))
    let version = workspace.run("--version")
    expectSuccess(version)
    #expect(version.out.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil)
    let subhelp = workspace.run("store", "put", "--help")
    expectSuccess(subhelp)
    #expect(subhelp.out.contains("--lock-timeout") && subhelp.out.contains("SOFTADASTRA_DATA_DIR"))
  }

  @Test func statusAndOtherCommandsSayWhatTheFirstWriteWouldRefuse() {
    let workspace = CLIWorkspace()
    FileBytes.write(Array("not a directory".utf8), to: workspace.file("afile"))
    // status gives no all-clear for a node whose first write would fail.
    expectFailure(workspace.run("status", "--data-dir", "afile"), 73, mentioning: "afile is not a directory")
    expectFailure(workspace.run("status", "--node-id", "bad id"), 64, mentioning: "node id 'bad id'")
    #expect(workspace.run("status", "--data-dir", "fresh").status == 0)
    // A file where a backup directory is expected, a negative lock timeout.
    expectSuccess(workspace.run("store", "put", "k", "v"))
    expectFailure(workspace.run("backup", "--dir", "afile"), 73, mentioning: "afile: it is not a directory")
    expectFailure(
      workspace.run("store", "put", "k", "w", "--lock-timeout", "-1"), 64, mentioning: "zero or more seconds")
    // A replay to an LSN past the log's end refuses, as a restore does.
    expectFailure(workspace.run("wal-replay", "--to-lsn", "5"), 64, mentioning: "LSN 5 is past the end")
    expectSuccess(workspace.run("wal-replay", "--to-lsn", "1"))
    expectSuccess(workspace.run("wal-replay", "--to-lsn", "2", "--exclusive"))
  }

  @Test func countsAgreeWithTheirNounsAndDefaultsAreShownOnce() throws {
    let workspace = CLIWorkspace()
    expectSuccess(workspace.run("store", "put", "k", "v"))
    #expect(workspace.run("snapshot").status == 0)
    let listed = workspace.run("snapshot", "list").out
    #expect(listed.contains(" 1 key ") && !listed.contains("1 keys"), "\(listed)")
    expectSuccess(workspace.run("backup", "--output", "one.sdbackup"))
    let restored = workspace.run("restore", "one.sdbackup", "--data-dir", "other")
    #expect(restored.out.contains(", 1 key (") && !restored.out.contains("1 keys"), "\(restored.out)")
    // Progress on a small node is in kB, and its line ends once: no blank line after it.
    let progress = workspace.run("backup", "--output", "two.sdbackup", "--progress").stderr
    #expect(progress.contains(" kB, ") && !progress.contains("0.0 of 0.0 MB"), "\(progress)")
    #expect(progress.hasSuffix("\n") && !progress.contains("\n\n") && progress.filter { $0 == "\n" }.count == 1)
    for command in [["sync", "with"], ["sync", "serve"]] {
      let help = workspace.run(arguments: command + ["--help"]).out
      #expect(help.components(separatedBy: "(default: 600").count == 2, "\(help)")
    }
  }

  @Test func syncExportAndForgetReportInJSONAndBinaryOutputSparesATerminal() throws {
    let workspace = CLIWorkspace()
    expectSuccess(workspace.run("store", "put", "k", "v"))
    expectFailure(workspace.run("sync", "export", "--peer", "b", "--json"), 64, mentioning: "--output FILE")
    let exported = try workspace.json(workspace.run("sync", "export", "--peer", "b", "--output", "b.sdsync", "--json"))
    #expect(
      exported["peer"] as? String == "b" && exported["operations"] as? Int == 1 && exported["end_lsn"] as? Int == 1)
    #expect(exported["schema"] as? Int == 2 && exported["output"] as? String == "b.sdsync")
    let forgotten = workspace.run("sync", "forget", "--peer", "b", "--json")
    let forgottenReport = try workspace.json(forgotten)
    #expect(forgotten.status == 0 && forgottenReport["forgotten"] as? Bool == true)
    let unknown = workspace.run("sync", "forget", "--peer", "b", "--json")
    let unknownReport = try workspace.json(unknown)
    #expect(unknown.status == 1 && unknownReport["forgotten"] as? Bool == false)
    // A node with no files at all is a mistake, not an empty list.
    expectFailure(workspace.run("snapshot", "list", "--data-dir", "missing"), 66, mentioning: "no WAL at missing/")
    // Binary output to a terminal is refused (util-linux's script gives the command one).
    for command in ["sync export --peer b", "backup --output -"] {
      let onTerminal = CommandRunner.run(
        executable: "/usr/bin/script", ["-qec", "\(CommandRunner.binaryPath) \(command)", "/dev/null"],
        in: workspace.path)
      #expect(onTerminal.status == 64 && onTerminal.out.contains("refusing to write a binary"), "\(onTerminal.out)")
    }
    // And so is reading a bundle from one, which would wait for ever.
    let fromTerminal = CommandRunner.run(
      executable: "/usr/bin/script", ["-qec", "\(CommandRunner.binaryPath) sync import -", "/dev/null"],
      in: workspace.path)
    #expect(fromTerminal.status == 64 && fromTerminal.out.contains("refusing to read a binary"), "\(fromTerminal.out)")
  }

  @Test func aDirectoryWhereAFileIsExpectedIsNamedAndExits66Or73() throws {
    let workspace = CLIWorkspace()
    expectSuccess(workspace.run("store", "put", "k", "v"))
    try FileManager.default.createDirectory(atPath: workspace.file("adir"), withIntermediateDirectories: false)
    for input in [
      ["store", "import", "adir"], ["sync", "import", "adir"], ["wal-dump", "adir"], ["wal-verify", "adir"],
      ["wal-replay", "adir"], ["snapshot", "verify", "adir"],
      ["wal-convert", "--to", "native", "adir", "out.wal", "--node-id", "a"],
    ] {
      expectFailure(workspace.run(arguments: input), 66, mentioning: "adir is a directory, not a file")
    }
    // restore and backup verify read a directory as continuous archiving's: this one has none.
    for input in [["restore", "adir", "--data-dir", "elsewhere"], ["backup", "verify", "adir"]] {
      expectFailure(workspace.run(arguments: input), 66, mentioning: "adir holds no archive chain")
    }
    for output in [["backup", "--output", "adir"], ["sync", "export", "--peer", "b", "--output", "adir"]] {
      expectFailure(workspace.run(arguments: output), 73, mentioning: "cannot write to adir: it is a directory")
    }
    #expect(!FileManager.default.fileExists(atPath: workspace.file("elsewhere")))
    #expect(!FileManager.default.fileExists(atPath: workspace.file("out.wal")))
  }
}
