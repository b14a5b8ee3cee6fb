import Foundation
import SoftadastraTestSupport
import Testing

/// `wal-dump`, `wal-verify` and `wal-replay` on real files made by the library, damaged in
/// the ways disks and crashes damage them.
@Suite struct WALCommandTests {
  /// Five puts, a delete and an import batch of two, written through the CLI.
  static func workspaceWithLog() throws -> (CLIWorkspace, String, [UInt64]) {
    let workspace = CLIWorkspace()
    for index in 0..<5 { workspace.run("store", "put", "key-\(index)", "value-\(index)") }
    workspace.run("store", "delete", "key-1")
    workspace.run("store", "import", stdin: Array("batch/a\t1\nbatch/b\t2\n".utf8))
    let wal = workspace.file("data/softadastra.wal")
    return (workspace, wal, try WALBuilder.recordOffsets(wal))
  }

  @Test func dumpPrintsOneLogfmtLinePerRecordAndHonoursFilters() throws {
    let (workspace, _, offsets) = try Self.workspaceWithLog()
    let dump = workspace.run("wal-dump")
    expectSuccess(dump)
    let lines = dump.out.split(separator: "\n")
    #expect(lines.count == 8)
    #expect(lines[0].hasPrefix("lsn=1 offset=\(offsets[0]) time=2"))
    #expect(lines[0].hasSuffix(#"op=put key="key-0" value="value-0""#))
    #expect(lines[5].hasSuffix(#"op=delete key="key-1""#))
    #expect(lines[6].hasSuffix("batch=first") && lines[7].hasSuffix("batch=last"))
    #expect(workspace.run("wal-dump", "--op", "delete").out.split(separator: "\n").count == 1)
    #expect(workspace.run("wal-dump", "--prefix", "batch/").out.split(separator: "\n").count == 2)
    #expect(workspace.run("wal-dump", "--key", "key-1").out.split(separator: "\n").count == 2)
    #expect(workspace.run("wal-dump", "--from-lsn", "3", "--to-lsn", "5").out.split(separator: "\n").count == 3)
    #expect(workspace.run("wal-dump", "--limit", "2").out.split(separator: "\n").count == 2)
    #expect(workspace.run("wal-dump", "--since", "2000-01-01", "--until", "2000-01-02").out.isEmpty)
    #expect(workspace.run("wal-dump", "--header").out.hasPrefix("header format=native version=1 node=softadastra"))
    expectFailure(workspace.run("wal-dump", "--since", "yesterday"), 64, mentioning: "since")
  }

  @Test func dumpShortensLongValuesAndEscapesBytes() throws {
    let workspace = CLIWorkspace()
    workspace.run("store", "put", "long", String(repeating: "x", count: 100))
    workspace.run("store", "put", "bin", "-", stdin: [0x00, 0x22, 0xFF, 0x0A])
    let lines = workspace.run("wal-dump").out.split(separator: "\n")
    #expect(lines[0].contains(#"value="\#(String(repeating: "x", count: 64))..." value_bytes=100"#))
    #expect(lines[1].hasSuffix(#"value="\x00\"\xff\n""#))
    #expect(workspace.run("wal-dump", "--full-values").out.contains(String(repeating: "x", count: 100)))
  }

  @Test func dumpJSONFollowsTheSchema() throws {
    let (workspace, _, offsets) = try Self.workspaceWithLog()
    workspace.run("store", "put", "bin", "-", stdin: [0xFF])
    let objects = try workspace.jsonLines(workspace.run("wal-dump", "--json"))
    #expect(objects.count == 9)
    #expect(objects[0]["schema"] as? Int == 2 && objects[0]["lsn"] as? Int == 1)
    #expect(objects[0]["offset"] as? Int == Int(offsets[0]) && objects[0]["op"] as? String == "put")
    #expect(objects[0]["key"] as? String == "key-0" && objects[0]["value"] as? String == "value-0")
    #expect((objects[0]["timestamp"] as? String)?.hasSuffix("Z") == true)
    #expect(objects[0]["origin"] is NSNull)
    #expect(objects[5]["op"] as? String == "delete" && objects[5]["value"] == nil)
    #expect(objects[8]["encoding"] as? String == "base64" && objects[8]["value"] as? String == "/w==")
    let stats = try workspace.json(workspace.run("wal-dump", "--stats", "--json"))
    #expect((stats["puts"] as? [String: Any])?["records"] as? Int == 8)
    #expect((stats["deletes"] as? [String: Any])?["records"] as? Int == 1)
    #expect(stats["distinct_keys"] as? Int == 8 && stats["live_keys"] as? Int == 7)
  }

  @Test func aDamagedLogIsDumpedUpToTheDamageThenExits65() throws {
    let (workspace, wal, offsets) = try Self.workspaceWithLog()
    FileBytes.flipBit(wal, offset: Int(offsets[3]) + 26, bit: 5)
    let dump = workspace.run("wal-dump")
    #expect(dump.status == 65)
    #expect(dump.out.split(separator: "\n").count == 3)
    #expect(dump.stderr.contains("offset \(offsets[3]) (LSN 4)"))
    let torn = CLIWorkspace()
    torn.run("store", "put", "a", "1")
    FileBytes.append(torn.file("data/softadastra.wal"), [0x30, 0, 0])
    let tornDump = torn.run("wal-dump")
    #expect(tornDump.status == 65 && tornDump.out.split(separator: "\n").count == 1)
    #expect(tornDump.stderr.contains("torn tail"))
  }

  @Test func verifyClassifiesEveryKindOfDamageWithItsExitStatus() throws {
    let (workspace, wal, offsets) = try Self.workspaceWithLog()
    let clean = workspace.run("wal-verify", "--json")
    expectSuccess(clean)
    #expect(try workspace.json(clean)["status"] as? String == "clean")
    #expect(try (workspace.json(clean)["damage"] as? [Any])?.isEmpty == true)
    let original = FileBytes.read(wal)
    for cut in stride(from: Int(offsets[0]) + 1, to: original.count, by: 5) where !offsets.contains(UInt64(cut)) {
      FileBytes.write(Array(original.prefix(cut)), to: workspace.file("cut.wal"))
      let result = workspace.run("wal-verify", "cut.wal", "--json")
      #expect(result.status == 65, "cut \(cut)")
      let report = try workspace.json(result)
      #expect(report["status"] as? String == "torn-tail", "cut \(cut)")
      let boundary = offsets.last { $0 < UInt64(cut) }!
      let expectedOffset = boundary == offsets[7] ? offsets[6] : boundary  // inside the batch: its start
      #expect((report["torn_tail"] as? [String: Any])?["offset"] as? Int == Int(expectedOffset), "cut \(cut)")
    }
    var flipped = original
    flipped[Int(offsets[2]) + 30] ^= 0x04
    FileBytes.write(flipped, to: workspace.file("flip.wal"))
    let corrupt = try workspace.json(workspace.run("wal-verify", "flip.wal", "--json"))
    #expect(corrupt["status"] as? String == "corrupt")
    let corruption = try #require(corrupt["corruption"] as? [String: Any])
    #expect(corruption["offset"] as? Int == Int(offsets[2]) && corruption["lsn"] as? Int == 3)
    #expect(corruption["valid_records_after"] as? Int == 5)
    var zeroed = original
    for index in Int(offsets[1])..<Int(offsets[3]) { zeroed[index] = 0 }
    FileBytes.write(zeroed, to: workspace.file("zero.wal"))
    #expect(try workspace.json(workspace.run("wal-verify", "zero.wal", "--json"))["status"] as? String == "corrupt")
    FileBytes.write(Array("not a wal at all, just text\n".utf8), to: workspace.file("text.wal"))
    let header = workspace.run("wal-verify", "text.wal")
    #expect(header.status == 65 && header.out.hasPrefix("text.wal: bad-header"))
    expectFailure(workspace.run("wal-verify", "missing.wal"), 66, mentioning: "missing.wal")
  }

  @Test func repairDryRunChangesNothingAndRepairLeavesACleanLogThatTakesWrites() throws {
    let (workspace, wal, offsets) = try Self.workspaceWithLog()
    FileBytes.flipBit(wal, offset: Int(offsets[1]) + 24, bit: 1)
    let damaged = FileBytes.read(wal)
    let dry = workspace.run("wal-verify", "--repair", "--salvage", "--dry-run")
    #expect(dry.status == 65 && dry.out.contains("would copy the original"))
    #expect(FileBytes.read(wal) == damaged)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: workspace.file("data")).sorted() == [
        "softadastra.wal", "softadastra.wal.lock",
      ])
    expectFailure(workspace.run("wal-verify", "--repair"), 65, mentioning: "--salvage")
    #expect(FileBytes.read(wal) == damaged)
    let repaired = workspace.run("wal-verify", "--repair", "--salvage", "--backup-to", "saved.wal", "--json")
    expectSuccess(repaired)
    let report = try workspace.json(repaired)
    #expect(report["action"] as? String == "salvage")
    #expect((report["after"] as? [String: Any])?["status"] as? String == "clean")
    #expect(FileBytes.read(workspace.file("saved.wal")) == damaged)
    expectSuccess(workspace.run("wal-verify"))
    // status says what the salvage dropped, not "none".
    let status = workspace.run("status").out
    #expect(status.contains("  last repair: salvage on ") && status.contains("dropped LSN 2 with "), "\(status)")
    let walStatus = try #require(try workspace.json(workspace.run("status", "--json"))["wal"] as? [String: Any])
    #expect(
      walStatus["lost_lsns"] as? Int == 1 && (walStatus["last_lost_range"] as? [String: Any])?["first_lsn"] as? Int == 2
    )
    expectSuccess(workspace.run("store", "put", "after", "repair"))
    #expect(workspace.run("store", "get", "key-0").out == "value-0\n")
    #expect(workspace.run("store", "get", "key-1").status == 1)  // its put was lost; its delete kept
  }

  @Test func replaySummarizesExportsAndCompacts() throws {
    let (workspace, _, _) = try Self.workspaceWithLog()
    let summary = try workspace.json(workspace.run("wal-replay", "--json"))
    #expect(summary["records_applied"] as? Int == 8 && summary["keys"] as? Int == 6 && summary["last_lsn"] as? Int == 8)
    let export = workspace.run("wal-replay", "--export")
    #expect(export.stdout == workspace.run("store", "export").stdout)
    let early = try workspace.jsonLines(workspace.run("wal-replay", "--export", "--to-lsn", "2"))
    #expect(early.map { $0["key"] as? String } == ["key-0", "key-1"])
    let exclusive = try workspace.jsonLines(workspace.run("wal-replay", "--export", "--to-lsn", "2", "--exclusive"))
    #expect(exclusive.count == 1)
    expectSuccess(workspace.run("wal-replay", "--output", "compact.wal"))
    #expect(workspace.run("wal-replay", "compact.wal", "--export").stdout == export.stdout)
    expectFailure(workspace.run("wal-replay", "--output", "compact.wal"), 73, mentioning: "already exists")
    expectFailure(workspace.run("wal-replay", "--exclusive"), 64, mentioning: "--exclusive")
  }

  @Test func replayPoliciesExitAsDocumented() throws {
    let (workspace, wal, offsets) = try Self.workspaceWithLog()
    FileBytes.flipBit(wal, offset: Int(offsets[2]) + 24, bit: 3)
    #expect(workspace.run("wal-replay").status == 65)
    let pointInTime = workspace.run("wal-replay", "--recovery", "point-in-time", "--json")
    #expect(pointInTime.status == 65)
    #expect(try workspace.json(pointInTime)["records_applied"] as? Int == 2)
    let salvage = workspace.run("wal-replay", "--recovery", "salvage", "--json")
    #expect(salvage.status == 0 && salvage.stderr.contains("skipped damaged"))
    #expect(try workspace.json(salvage)["records_applied"] as? Int == 7)
  }

  @Test func followPrintsRecordsAsAWriterAppendsThem() throws {
    let workspace = CLIWorkspace()
    workspace.run("store", "put", "first", "1")
    let follower = try workspace.start("wal-dump", "--follow", stdout: "follow.out")
    func lines() -> [Substring] { workspace.lines(of: "follow.out") }
    // Once the record already there is printed, the follower is following.
    #expect(waitUntil { lines().count == 1 })
    workspace.run("store", "put", "second", "2")
    workspace.run("store", "put", "third", "3")
    waitUntil { lines().count >= 3 }
    let printed = lines()
    follower.terminate()
    follower.waitUntilExit()
    #expect(printed.count == 3)
    #expect(printed.last?.contains(#"key="third""#) == true)
  }
}
