import Foundation
import SoftadastraTestSupport
import Testing

/// `snapshot`, `backup` and `restore` as operators and cron jobs run them, on the built binary.
@Suite struct SnapshotBackupCommandTests {
  /// A workspace whose default node holds `count` keys, imported in one batch.
  static func workspace(keys count: Int, prefix: String = "key") -> CLIWorkspace {
    let workspace = CLIWorkspace()
    let lines = (0..<count).map {
      "\(prefix)/\(String(format: "%06d", $0))\tvalue \($0) \(String(repeating: "x", count: $0 % 50))"
    }
    FileBytes.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: workspace.file("input.tsv"))
    expectSuccess(workspace.run("store", "import", "input.tsv"))
    return workspace
  }

  @Test func snapshotStatusAndReadsThroughADamagedSnapshot() throws {
    let workspace = Self.workspace(keys: 3000)
    let created = try workspace.json(workspace.run("snapshot", "--json"))
    #expect(created["created"] as? Bool == true)
    expectSuccess(workspace.run("store", "put", "key/000010", "changed"))
    expectSuccess(workspace.run("store", "delete", "key/000011"))
    let status = try workspace.json(workspace.run("status", "--json"))
    let snapshot = try #require(status["snapshot"] as? [String: Any])
    #expect(snapshot["lsn"] as? Int == 3000 && snapshot["keys"] as? Int == 3000)
    #expect((status["store"] as? [String: Any])?["keys"] as? Int == 2999)
    #expect((status["wal"] as? [String: Any])?["first_lsn"] as? Int == 3001)
    #expect(workspace.run("store", "get", "key/000010").out == "changed\n")
    #expect(workspace.run("store", "get", "key/000011").status == 1)
    #expect(workspace.run("store", "get", "key/002999").out.hasPrefix("value 2999 "))
    #expect(workspace.run("store", "list", "--prefix", "key/00001").out.split(separator: "\n").count == 9)
    expectSuccess(workspace.run("snapshot", "verify"))
    let again = workspace.run("snapshot", "create")
    #expect(again.out.contains("LSN        : 3002"))
    // Damage a block of the newest snapshot: verify names it, reads fall back and say so.
    let path = try #require(
      FileManager.default.contentsOfDirectory(atPath: workspace.file("data")).filter { $0.hasSuffix("3002.snapshot") }
        .first)
    let damaged = workspace.file("data/" + path)
    FileBytes.flipBit(damaged, offset: FileBytes.firstSnapshotBlock(damaged) + 20, bit: 2)
    let verified = workspace.run("snapshot", "verify")
    #expect(verified.status == 65 && verified.out.contains("damaged  data/\(path)"))
    #expect(verified.out.contains("block 0 fails its checksum"))
    let read = workspace.run("store", "get", "key/000010")
    #expect(read.status == 0 && read.out == "changed\n")
    #expect(read.stderr.contains("warning: snapshot data/\(path) is damaged"))
    #expect(workspace.run("store", "export").out.split(separator: "\n").count == 2999)
    // A WAL deleted beside its snapshots: status says so too, rather than "not written yet".
    try FileManager.default.removeItem(atPath: workspace.file("data/softadastra.wal"))
    expectFailure(workspace.run("status"), 65, mentioning: "is missing but snapshots")
  }

  /// A delta as operators see it: status, list, create and verify name its full snapshot;
  /// `--full` merges it; a delta without its full snapshot beside it is damage to verify.
  @Test func aDeltaSnapshotIsNamedAsOneAndMergedWithFull() throws {
    let workspace = Self.workspace(keys: 3000)
    expectSuccess(workspace.run("snapshot"))
    expectSuccess(workspace.run("store", "put", "key/000010", "changed"))
    let created = workspace.run("snapshot", "create")
    #expect(created.out.contains("delta over : the full snapshot at LSN 3000"))
    let status = try workspace.json(workspace.run("status", "--json"))
    let snapshot = try #require(status["snapshot"] as? [String: Any])
    #expect(snapshot["lsn"] as? Int == 3001 && snapshot["base_lsn"] as? Int == 3000 && snapshot["keys"] as? Int == 1)
    #expect((status["store"] as? [String: Any])?["keys"] as? Int == 3000)
    #expect(workspace.run("status").out.contains("delta over : the full snapshot at LSN 3000"))
    let listed = workspace.run("snapshot", "list").out
    #expect(listed.contains("snapshot  LSN 3001 (delta over LSN 3000)  1 key"))
    #expect(listed.contains("snapshot  LSN 3000  3000 keys"))
    #expect(
      workspace.run("snapshot", "verify").out.contains(
        "ok       data/softadastra.00000000000000003001.snapshot: LSN 3001 (delta over LSN 3000)"))

    // Without its full snapshot, the delta is damage to verify; reads use the archived WALs.
    let base = workspace.file("data/softadastra.00000000000000003000.snapshot")
    try FileManager.default.moveItem(atPath: base, toPath: workspace.file("aside"))
    let unusable = workspace.run("snapshot", "verify")
    #expect(
      unusable.status == 65
        && unusable.out.contains("its base data/softadastra.00000000000000003000.snapshot is missing"))
    let read = workspace.run("store", "get", "key/000010")
    #expect(read.status == 0 && read.out == "changed\n" && read.stderr.contains("is missing"))
    try FileManager.default.moveItem(atPath: workspace.file("aside"), toPath: base)

    // With nothing after the delta, --full saves nothing and exits 0: the delta stays.
    let nothing = try workspace.json(workspace.run("snapshot", "--full", "--json"))
    #expect(nothing["created"] as? Bool == false)
    #expect((nothing["snapshot"] as? [String: Any])?["base_lsn"] as? Int == 3000)

    expectSuccess(workspace.run("store", "put", "key/000011", "changed too"))
    let merged = try workspace.json(workspace.run("snapshot", "--full", "--json"))
    let full = try #require(merged["snapshot"] as? [String: Any])
    #expect(full["lsn"] as? Int == 3002 && full["base_lsn"] is NSNull && full["keys"] as? Int == 3000)
    #expect(workspace.run("store", "get", "key/000011").out == "changed too\n")
  }

  @Test func snapshotAndBackupOfANodeThatDoesNotExistSaySo() throws {
    let workspace = CLIWorkspace()
    expectFailure(workspace.run("snapshot"), 66, mentioning: "no WAL at data/softadastra.wal")
    expectFailure(workspace.run("backup", "--output", "b.sdbackup"), 66, mentioning: "no WAL at data/softadastra.wal")
    #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.path).isEmpty)
    expectFailure(workspace.run("backup", "verify", "missing.sdbackup"), 66, mentioning: "missing.sdbackup")
    expectFailure(workspace.run("backup"), 64, mentioning: "--output")
    expectSuccess(workspace.run("store", "put", "a", "1"))
    expectFailure(workspace.run("backup", "--dir", "nowhere"), 66, mentioning: "mkdir -p nowhere")
  }

  @Test func progressShowsByItselfWhenStandardErrorIsATerminal() throws {
    let workspace = Self.workspace(keys: 500)
    // script(1) gives the command a terminal; the progress line goes to it.
    let binary = CommandRunner.binaryPath
    let result = CommandRunner.run(
      executable: "/usr/bin/script", ["-qec", "\(binary) backup --output tty.sdbackup", "/dev/null"], in: workspace.path
    )
    #expect(result.status == 0, "\(result.out) \(result.stderr)")
    #expect(result.out.contains("backup: 100%") && result.out.contains("B/s, ETA"), "\(result.out)")
    // Not a terminal, not asked: no progress line.
    let quiet = workspace.run("backup", "--output", "quiet.sdbackup")
    #expect(quiet.status == 0 && !quiet.stderr.contains("backup:"))

    // A restore shows the archive's bytes extracted, then its steps, on one line that ends once.
    let restored = CommandRunner.run(
      executable: "/usr/bin/script", ["-qec", "\(binary) restore tty.sdbackup --data-dir restored", "/dev/null"],
      in: workspace.path)
    #expect(restored.status == 0, "\(restored.out) \(restored.stderr)")
    let line = try #require(restored.out.components(separatedBy: "\r\n").first)
    #expect(line.contains("restore: 100%") && line.contains("B/s, ETA"), "\(restored.out)")
    #expect(
      line.contains("restore: checking the restored node")
        && line.trimmingCharacters(in: .whitespaces).hasSuffix("restore: moving it into place"), "\(line)"
    )
    #expect(restored.out.contains("\r\nrestored     : node softadastra"), "\(restored.out)")
    let quietRestore = workspace.run("restore", "quiet.sdbackup", "--data-dir", "restored-quietly")
    #expect(quietRestore.status == 0 && quietRestore.stderr.isEmpty, "\(quietRestore.stderr)")
  }

  @Test func theNextWriterCheckpointsPastTheThreshold() throws {
    let workspace = CLIWorkspace()
    for index in 0..<30 {
      expectSuccess(workspace.run("store", "put", "k\(index)", "v\(index)", "--checkpoint-bytes", "400"))
    }
    let listed = try workspace.json(workspace.run("snapshot", "list", "--json"))
    let snapshots = try #require(listed["snapshots"] as? [[String: Any]])
    #expect((1...2).contains(snapshots.count))
    #expect(workspace.run("store", "list").out.split(separator: "\n").count == 30)
    #expect(workspace.run("store", "get", "k17").out == "v17\n")
    // The environment variable works too; 0 turns checkpoints off.
    let before = try FileManager.default.contentsOfDirectory(atPath: workspace.file("data")).count
    for index in 0..<10 {
      expectSuccess(workspace.run("store", "put", "e\(index)", "v", environment: ["SOFTADASTRA_CHECKPOINT_BYTES": "0"]))
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.file("data")).count == before)
  }

  @Test func backupVerifyRestoreAsACronJobWould() throws {
    let workspace = Self.workspace(keys: 2000)
    expectSuccess(workspace.run("snapshot"))
    for index in 0..<20 {
      expectSuccess(workspace.run("store", "put", "key/\(String(format: "%06d", index))", "new \(index)"))
    }
    try FileManager.default.createDirectory(atPath: workspace.file("backups"), withIntermediateDirectories: false)
    let written = try workspace.json(workspace.run("backup", "--dir", "backups", "--json"))
    let archive = try #require(written["path"] as? String)
    #expect(archive.hasPrefix("backups/softadastra-") && archive.hasSuffix("-2020.sdbackup"))
    #expect(!FileManager.default.fileExists(atPath: workspace.file(archive + ".part")))
    let listed = try workspace.json(workspace.run("backup", "list", "backups", "--json"))
    #expect((listed["backups"] as? [[String: Any]])?.count == 1)
    expectSuccess(workspace.run("backup", "verify", archive))
    expectSuccess(workspace.run("backup", "verify", "--quick", archive))
    let expected = workspace.run("store", "export").stdout

    // A full restore elsewhere gives the same export; a second one is refused; --force keeps the old files.
    expectSuccess(workspace.run("restore", archive, "--data-dir", "restored"))
    #expect(workspace.run("store", "export", "--data-dir", "restored").stdout == expected)
    expectFailure(workspace.run("restore", archive, "--data-dir", "restored"), 73, mentioning: "--force")
    let forced = workspace.run("restore", archive, "--data-dir", "restored", "--force", "--to-lsn", "2000")
    #expect(forced.status == 0, "\(forced.stderr)")
    #expect(workspace.run("store", "get", "key/000000", "--data-dir", "restored").out == "value 0 \n")
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: workspace.file("restored")).contains {
        $0.contains(".pre-restore-")
      })

    // Damage anywhere: verify and restore exit 65, and the target stays byte-identical.
    let original = FileBytes.read(workspace.file(archive))
    let before = try FileManager.default.contentsOfDirectory(atPath: workspace.file("restored")).sorted()
    let walBefore = FileBytes.read(workspace.file("restored/softadastra.wal"))
    for offset in [3, 40, original.count / 2, original.count - 30, original.count - 3] {
      var bytes = original
      bytes[offset] ^= 0x10
      FileBytes.write(bytes, to: workspace.file("bad.sdbackup"))
      let verified = workspace.run("backup", "verify", "bad.sdbackup")
      #expect(
        verified.status == 65 && verified.out.contains("DAMAGED") && verified.out.contains("problem"),
        "flip at \(offset)")
      expectFailure(
        workspace.run("restore", "bad.sdbackup", "--data-dir", "restored", "--force"), 65, mentioning: "bad.sdbackup")
      #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.file("restored")).sorted() == before)
      #expect(FileBytes.read(workspace.file("restored/softadastra.wal")) == walBefore)
    }

    // Streams: backup to standard output, restore and verify from standard input; a cut stream is caught.
    let stream = workspace.run("backup", "--output", "-")
    #expect(stream.status == 0 && stream.stdout.starts(with: Array("SDBACKUP".utf8)))
    expectSuccess(workspace.run("restore", "-", "--data-dir", "streamed", stdin: stream.stdout))
    #expect(workspace.run("store", "export", "--data-dir", "streamed").stdout == expected)
    let cut = workspace.run("backup", "verify", "-", stdin: Array(stream.stdout.dropLast(100)))
    #expect(cut.status == 65 && cut.out.contains("backup standard input is damaged") && cut.out.contains("truncated"))
    expectFailure(
      workspace.run("restore", "-", "--data-dir", "never", stdin: Array(stream.stdout.dropLast(1))), 65,
      mentioning: "standard input")
    #expect(!FileManager.default.fileExists(atPath: workspace.file("never")))

    // A dry run says what it would do and changes nothing; --progress reports on standard error.
    let dry = workspace.run("restore", archive, "--data-dir", "dry", "--dry-run", "--to-lsn", "2010")
    #expect(dry.status == 0 && dry.out.contains("would restore: node softadastra at LSN 2010"))
    #expect(!FileManager.default.fileExists(atPath: workspace.file("dry")))
    let progressed = workspace.run("backup", "--output", "progress.sdbackup", "--progress")
    #expect(progressed.status == 0 && progressed.stderr.contains("backup: 100%"))

    // Under another node id, only on request, and said so.
    let renamed = workspace.run("restore", archive, "--data-dir", "other", "--node-id", "node-z")
    #expect(renamed.status == 0 && renamed.stderr.contains("as node node-z"))
    #expect(workspace.run("store", "export", "--data-dir", "other", "--node-id", "node-z").stdout == expected)
    expectFailure(
      workspace.run("restore", archive, "--to-lsn", "99", "--dry-run"), 64, mentioning: "outside this backup")
  }

  @Test func backupsTakenWhileAWriterRunsHoldWholeBatchesAtAnExactLSN() throws {
    let workspace = CLIWorkspace()
    let binary = CommandRunner.binaryPath
    // A writer importing batches of 50 keys (b<batch>/<i>), checkpointing as it goes.
    let script = """
      b=0; while [ $b -lt 400 ]; do b=$((b+1)); i=0; : > batch-$b.tsv
      while [ $i -lt 50 ]; do i=$((i+1)); printf 'b%d/%d\\tv\\n' $b $i >> batch-$b.tsv; done
      "\(binary)" store import batch-$b.tsv --checkpoint-bytes 20000 || exit 1; rm batch-$b.tsv; echo $b > imported; done
      """
    let writer = Process()
    writer.executableURL = URL(fileURLWithPath: "/bin/sh")
    writer.arguments = ["-c", script]
    writer.currentDirectoryURL = URL(fileURLWithPath: workspace.path)
    try writer.run()
    var archives: [String] = []
    // A backup after the 1st, 21st, 41st… batch, while the writer goes on.
    func imported() -> Int {
      Int(
        String(decoding: FileBytes.read(workspace.file("imported")), as: UTF8.self).split(separator: "\n").first ?? "")
        ?? 0
    }
    while writer.isRunning, archives.count < 6 {
      waitUntil { !writer.isRunning || imported() > 20 * archives.count }
      let name = "during-\(archives.count).sdbackup"
      let result = workspace.run("backup", "--output", name)
      #expect(result.status == 0, "\(result.stderr)")
      archives.append(name)
    }
    writer.waitUntilExit()
    #expect(writer.terminationStatus == 0)
    #expect(archives.count >= 2)
    for (index, archive) in archives.enumerated() {
      expectSuccess(workspace.run("backup", "verify", archive))
      expectSuccess(workspace.run("restore", archive, "--data-dir", "restored-\(index)"))
      var perBatch: [Substring: Int] = [:]
      for key in workspace.run("store", "list", "--data-dir", "restored-\(index)").out.split(separator: "\n") {
        perBatch[key.split(separator: "/")[0], default: 0] += 1
      }
      #expect(
        perBatch.values.allSatisfy { $0 == 50 }, "a backup holds part of a batch: \(perBatch.filter { $0.value != 50 })"
      )
      let lsn =
        try #require(
          try workspace.json(workspace.run("backup", "verify", archive, "--json"))["manifest"] as? [String: Any])[
          "last_lsn"] as? Int
      #expect(lsn == perBatch.count * 50)
    }
  }

  @Test func pruneKeepsTheNewest() throws {
    let workspace = CLIWorkspace()
    try FileManager.default.createDirectory(atPath: workspace.file("backups"), withIntermediateDirectories: false)
    for index in 0..<3 {
      expectSuccess(workspace.run("store", "put", "k", "\(index)"))
      // Archives made in the same millisecond are ordered by their last LSN.
      expectSuccess(workspace.run("backup", "--output", "backups/b\(index).sdbackup"))
    }
    let dry = workspace.run("backup", "prune", "backups", "--keep", "1", "--dry-run")
    #expect(dry.out.contains("would remove backups/b0.sdbackup") && dry.out.contains("keep    backups/b2.sdbackup"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.file("backups")).count == 3)
    let pruned = try workspace.json(workspace.run("backup", "prune", "backups", "--keep", "1", "--json"))
    #expect((pruned["removed"] as? [String])?.count == 2)
    #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.file("backups")) == ["b2.sdbackup"])
    expectFailure(workspace.run("backup", "prune", "backups"), 64, mentioning: "--keep")
    expectFailure(workspace.run("backup", "prune", "backups", "--keep-within", "7x"), 64, mentioning: "unit")
  }

  @Test func aSIGKILLDuringSnapshotBackupOrRestoreLosesNothing() throws {
    let workspace = Self.workspace(keys: 20_000)
    expectSuccess(workspace.run("store", "put", "tail", "1"))
    let expected = workspace.run("store", "export").stdout
    expectSuccess(workspace.run("backup", "--output", "good.sdbackup"))
    let binary = CommandRunner.binaryPath
    func killed(_ arguments: [String], after microseconds: UInt32) throws {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: binary)
      process.arguments = arguments
      process.currentDirectoryURL = URL(fileURLWithPath: workspace.path)
      process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
      process.standardError = FileHandle(forWritingAtPath: "/dev/null")
      try process.run()
      usleep(microseconds)
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
    for round in 0..<8 {
      let delay = UInt32.random(in: 0..<250_000)
      try killed(["snapshot"], after: delay)
      #expect(workspace.run("store", "export").stdout == expected, "snapshot killed after \(delay) µs (round \(round))")
      try killed(["backup", "--output", "b\(round).sdbackup"], after: delay)
      if FileManager.default.fileExists(atPath: workspace.file("b\(round).sdbackup")) {
        expectSuccess(workspace.run("backup", "verify", "b\(round).sdbackup"))
      }
      // A restore over another node state: killed, it leaves that state or the backup's, whole.
      let target = "target\(round)"
      expectSuccess(workspace.run("store", "put", "other", "state", "--data-dir", target))
      let targetBefore = workspace.run("store", "export", "--data-dir", target).stdout
      try killed(["restore", "good.sdbackup", "--data-dir", target, "--force"], after: delay)
      let after = workspace.run("store", "export", "--data-dir", target)
      #expect(after.status == 0, "restore killed after \(delay) µs: \(after.stderr)")
      #expect(
        after.stdout == targetBefore || after.stdout == expected, "restore killed after \(delay) µs (round \(round))")
      // The next restore clears what a killed one left behind.
      expectSuccess(workspace.run("restore", "good.sdbackup", "--data-dir", target, "--force"))
      #expect(
        try !FileManager.default.contentsOfDirectory(atPath: workspace.file(target)).contains {
          $0.hasPrefix(".softadastra-restore-")
        })
    }
    expectSuccess(workspace.run("snapshot"))
    #expect(workspace.run("store", "export").stdout == expected)
  }

  @Test func backupWritesThroughDevicesAndSymbolicLinksWithoutReplacingThem() throws {
    let workspace = Self.workspace(keys: 100)
    #expect(workspace.run("backup", "--output", "/dev/null").status == 0)
    var device = stat()
    #expect(stat("/dev/null", &device) == 0 && device.st_mode & S_IFMT == S_IFCHR)
    try FileManager.default.createSymbolicLink(
      atPath: workspace.file("latest.sdbackup"), withDestinationPath: "archive.sdbackup")
    #expect(workspace.run("backup", "--output", "latest.sdbackup").status == 0)
    #expect(
      try FileManager.default.destinationOfSymbolicLink(atPath: workspace.file("latest.sdbackup")) == "archive.sdbackup"
    )
    expectSuccess(workspace.run("backup", "verify", "archive.sdbackup"))
  }
}
