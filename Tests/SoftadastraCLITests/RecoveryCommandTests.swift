import Foundation
import SoftadastraTestSupport
import Testing

@Suite struct RecoveryCommandTests {
  @Test func statusReportsTheWALStoreAndOutboxInTextAndJSON() throws {
    let workspace = CLIWorkspace()
    let fresh = workspace.run("status")
    expectSuccess(fresh)
    #expect(fresh.out.contains("exists     : no"))
    workspace.run("store", "put", "a", "1")
    workspace.run("store", "put", "b", "2")
    workspace.run("store", "delete", "a")
    let text = workspace.run("status")
    expectSuccess(text)
    for line in [
      "WAL", "  enabled    : yes", "  path       : data/softadastra.wal", "  durable    : yes", "  records    : 3",
      "  last LSN   : 3", "  keys       : 1", "  outbox     : 3",
    ] {
      #expect(text.out.split(separator: "\n").contains(Substring(line)), "missing line '\(line)' in\n\(text.out)")
    }
    #expect(workspace.run("status", "--no-auto-flush").out.contains("durable    : no"))
    let json = try workspace.json(workspace.run("status", "--json"))
    let wal = try #require(json["wal"] as? [String: Any])
    #expect(json["node_id"] as? String == "softadastra")
    #expect(wal["records"] as? Int == 3 && wal["first_lsn"] as? Int == 1 && wal["last_lsn"] as? Int == 3)
    #expect(wal["size_bytes"] as? Int == FileBytes.read(workspace.file("data/softadastra.wal")).count)
    #expect((json["store"] as? [String: Any])?["keys"] as? Int == 1)
    #expect((json["sync"] as? [String: Any])?["outbox_size"] as? Int == 3)
  }

  @Test func aTornTailIsIgnoredByReadersAndCutByTheNextWriter() throws {
    let workspace = CLIWorkspace()
    workspace.run("store", "put", "a", "1")
    workspace.run("store", "put", "b", "2")
    let wal = workspace.file("data/softadastra.wal")
    let goodSize = FileBytes.read(wal).count
    FileBytes.append(wal, [0x40, 0x00, 0x00, 0x00, 0x01, 0x00, 0x03])  // the start of a record that never finished
    #expect(workspace.run("store", "get", "b").out == "2\n")
    let status = try workspace.json(workspace.run("status", "--json"))
    let torn = try #require((status["wal"] as? [String: Any])?["torn_tail"] as? [String: Any])
    #expect(torn["offset"] as? Int == goodSize && torn["bytes"] as? Int == 7)
    expectSuccess(workspace.run("store", "put", "c", "3"))
    let after = try workspace.json(workspace.run("status", "--json"))
    let afterWAL = try #require(after["wal"] as? [String: Any])
    #expect(afterWAL["torn_tail"] is NSNull)
    let repair = try #require(afterWAL["last_tail_repair"] as? [String: Any])
    #expect(repair["offset"] as? Int == goodSize && repair["bytes"] as? Int == 7)
    #expect(workspace.run("store", "export").out.split(separator: "\n").count == 3)
  }

  /// Five puts through the CLI, then one flipped bit in the third record's key.
  static func logDamagedInTheThirdRecord() throws -> (CLIWorkspace, String, [UInt64]) {
    let workspace = CLIWorkspace()
    for index in 0..<5 { workspace.run("store", "put", "key-\(index)", "value-\(index)") }
    let wal = workspace.file("data/softadastra.wal")
    let offsets = try WALBuilder.recordOffsets(wal)
    FileBytes.flipBit(wal, offset: Int(offsets[2]) + 30, bit: 0)
    return (workspace, wal, offsets)
  }

  @Test func midLogCorruptionExits65WithTheOffsetAndChangesNothing() throws {
    let (workspace, wal, offsets) = try Self.logDamagedInTheThirdRecord()
    let damaged = FileBytes.read(wal)
    for arguments in [["store", "get", "key-0"], ["status"], ["store", "export"], ["store", "list"]] {
      let result = workspace.run(arguments: arguments, stdin: Array("k\tv\n".utf8))
      expectFailure(result, 65, mentioning: "offset \(offsets[2]) (LSN 3)")
      #expect(FileBytes.read(wal) == damaged, "\(arguments) changed the file")
    }
  }

  @Test func aSinglePutReadsOnlyTheTailAndLeavesEarlierDamageInPlace() throws {
    let (workspace, wal, offsets) = try Self.logDamagedInTheThirdRecord()
    let damaged = FileBytes.read(wal)
    // Appending validates only the last record, so the put lands after the damage, which
    // stays exactly where it was and is still reported by every read.
    expectSuccess(workspace.run("store", "put", "x", "y"))
    #expect(Array(FileBytes.read(wal).prefix(damaged.count)) == damaged)
    expectFailure(workspace.run("store", "get", "x"), 65, mentioning: "offset \(offsets[2]) (LSN 3)")
  }

  @Test func aPutKilledWithSIGKILLNeverLosesAnAcknowledgedWrite() throws {
    let workspace = CLIWorkspace()
    let binary = CommandRunner.binaryPath
    for round in 0..<4 {
      // A shell loop of durable puts; a put is acknowledged once its exit status 0 is reported.
      let script = """
        i=0; while true; do i=$((i+1)); "\(binary)" store put "r\(round)/$i" "v$i" && echo "$i" >> acked-\(round); done
        """
      let loop = Process()
      loop.executableURL = URL(fileURLWithPath: "/bin/sh")
      loop.arguments = ["-c", script]
      loop.currentDirectoryURL = URL(fileURLWithPath: workspace.path)
      try loop.run()
      // After some acknowledged puts (a count, not a time: a busy machine only makes it later),
      // kill the loop and whatever put it is running, mid-write if it is writing.
      func acknowledged() -> Int {
        FileBytes.read(workspace.file("acked-\(round)")).filter { $0 == UInt8(ascii: "\n") }.count
      }
      let target = Int.random(in: 1...30)
      #expect(waitUntil { acknowledged() >= target })
      let children = CommandRunner.run(
        executable: "/usr/bin/pgrep", ["-P", String(loop.processIdentifier)], in: workspace.path)
      kill(loop.processIdentifier, SIGKILL)
      for pid in children.out.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
      loop.waitUntilExit()
      let acked = String(decoding: FileBytes.read(workspace.file("acked-\(round)")), as: UTF8.self)
        .split(separator: "\n").map(String.init)
      #expect(!acked.isEmpty)
      let exported = workspace.run("store", "list", "--prefix", "r\(round)/")
      #expect(exported.status == 0, "\(exported.stderr)")
      let present = Set(exported.out.split(separator: "\n").map { String($0.dropFirst("r\(round)/".count)) })
      for key in acked { #expect(present.contains(key), "acknowledged put r\(round)/\(key) was lost") }
      expectSuccess(workspace.run("store", "put", "after-\(round)", "ok"))
    }
  }

  @Test func readersVerifyAndBackupRunCleanlyWhileAWriterAppends() throws {
    let workspace = CLIWorkspace()
    expectSuccess(workspace.run("store", "put", "first", "1"))
    let binary = CommandRunner.binaryPath
    let value = String(repeating: "x", count: 3000)
    let writer = Process()
    writer.executableURL = URL(fileURLWithPath: "/bin/sh")
    writer.arguments = [
      "-c", "for i in $(seq 1 150); do \"\(binary)\" store put k$i \(value) --checkpoint-bytes 60000 || exit 1; done",
    ]
    writer.currentDirectoryURL = URL(fileURLWithPath: workspace.path)
    try writer.run()
    var rounds = 0
    while writer.isRunning {
      rounds += 1
      expectSuccess(workspace.run("wal-verify"))
      // No warning either: a checkpoint replacing the WAL mid-read is read again, not reported.
      let get = workspace.run("store", "get", "first")
      #expect(get.status == 0 && get.out == "1\n" && get.stderr.isEmpty, "\(get.stderr)")
      #expect(workspace.run("status", "--json").status == 0)
      expectSuccess(workspace.run("backup", "--output", "during.sdbackup"))
      expectSuccess(workspace.run("backup", "verify", "during.sdbackup"))
      try FileManager.default.removeItem(atPath: workspace.file("during.sdbackup"))
    }
    writer.waitUntilExit()
    #expect(writer.terminationStatus == 0 && rounds >= 3)
    #expect(workspace.run("store", "list").out.split(separator: "\n").count == 151)
  }

  @Test func concurrentWritersAllLandInLSNOrderWithoutGaps() throws {
    let workspace = CLIWorkspace()
    let binary = CommandRunner.binaryPath
    let writers = (0..<4).map { writer in
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/bin/sh")
      process.arguments = ["-c", "for i in $(seq 1 25); do \"\(binary)\" store put w\(writer)/$i v || exit 1; done"]
      process.currentDirectoryURL = URL(fileURLWithPath: workspace.path)
      return process
    }
    for process in writers { try process.run() }
    for process in writers { process.waitUntilExit() }
    #expect(writers.allSatisfy { $0.terminationStatus == 0 })
    expectSuccess(workspace.run("wal-verify"))
    let records = try workspace.jsonLines(workspace.run("wal-dump", "--json"))
    #expect(records.map { $0["lsn"] as? Int } == Array(1...100).map { Optional($0) })
    #expect(workspace.run("store", "list").out.split(separator: "\n").count == 100)
  }
}
