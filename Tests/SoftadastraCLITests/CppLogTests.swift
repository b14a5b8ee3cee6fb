import Foundation
import SoftadastraTestSupport
import Testing

/// The C++ Softadastra runtime's logs, as written by its own code (Fixtures/softadastra-v1, with
/// the contents an independent decoder and the upstream reader agree on).
@Suite struct CppLogTests {
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/softadastra-v1").path

  static func expected(_ name: String) throws -> [String: Any] {
    try #require(
      JSONSerialization.jsonObject(with: Data(FileBytes.read("\(fixtures)/\(name).expected.json"))) as? [String: Any])
  }

  /// A workspace holding a copy of the fixture (commands must never change the original).
  static func workspace(with name: String) -> CLIWorkspace {
    let workspace = CLIWorkspace()
    FileBytes.write(FileBytes.read("\(fixtures)/\(name).wal"), to: workspace.file("\(name).wal"))
    return workspace
  }

  @Test(arguments: ["basic", "many", "torn-tail", "bitflip"])
  func replayDumpAndVerifyGiveTheExpectedContents(_ name: String) throws {
    let expected = try Self.expected(name)
    let workspace = Self.workspace(with: name)
    let original = FileBytes.read(workspace.file("\(name).wal"))

    // The expected state is what the C++ reader returns: the records before any damage.
    let replay = workspace.run(arguments: ["wal-replay", "\(name).wal", "--export", "--recovery", "point-in-time"])
    #expect(replay.status == (name == "bitflip" ? 65 : 0), "\(name): \(replay.stderr)")
    let export = try workspace.jsonLines(replay)
    let state = Dictionary(uniqueKeysWithValues: export.map { ($0["key"] as! String, $0["value"] as! String) })
    #expect(state == expected["state"] as? [String: String], "\(name)")

    let stats = try workspace.json(workspace.run("wal-dump", "\(name).wal", "--stats", "--json"))
    let opCounts = try #require(expected["op_counts"] as? [String: Int])
    #expect((stats["puts"] as? [String: Any])?["records"] as? Int == opCounts["put"], "\(name)")
    #expect((stats["deletes"] as? [String: Any])?["records"] as? Int == opCounts["delete"], "\(name)")
    #expect(stats["last_lsn"] as? Int == expected["last_sequence"] as? Int, "\(name)")

    let verify = workspace.run("wal-verify", "\(name).wal", "--json")
    let report = try workspace.json(verify)
    #expect(report["format"] as? String == "cpp-v1")
    #expect(report["records"] as? Int == expected["records"] as? Int, "\(name)")
    #expect(report["last_lsn"] as? Int == expected["last_sequence"] as? Int, "\(name)")
    #expect(report["bytes_checked"] as? Int == expected["valid_prefix_bytes"] as? Int || name == "bitflip", "\(name)")
    switch name {
    case "torn-tail":
      #expect(verify.status == 65 && report["status"] as? String == "torn-tail")
      #expect((report["torn_tail"] as? [String: Any])?["offset"] as? Int == expected["stop_offset"] as? Int)
    case "bitflip":
      #expect(verify.status == 65 && report["status"] as? String == "corrupt")
      let corruption = try #require(report["corruption"] as? [String: Any])
      #expect(corruption["offset"] as? Int == expected["stop_offset"] as? Int)
      #expect(corruption["valid_records_after"] as? Int == (expected["salvageable_records_after_stop"] as? [Any])?.count)
    default:
      #expect(verify.status == 0 && report["status"] as? String == "clean", "\(name)")
    }
    #expect(FileBytes.read(workspace.file("\(name).wal")) == original, "\(name): a read changed the file")
  }

  @Test func everyRecordOfTheBasicLogIsDumpedWithItsOffsetSequenceAndOperation() throws {
    let expected = try #require(try Self.expected("basic")["record_list"] as? [[String: Any]])
    let workspace = Self.workspace(with: "basic")
    let records = try workspace.jsonLines(workspace.run("wal-dump", "basic.wal", "--json"))
    #expect(records.count == expected.count)
    for (record, want) in zip(records, expected) {
      #expect(record["offset"] as? Int == want["offset"] as? Int)
      #expect(record["size"] as? Int == want["length"] as? Int)
      #expect(record["lsn"] as? Int == want["sequence"] as? Int)
      #expect(record["op"] as? String == want["op"] as? String)
      #expect(record["key"] as? String == want["key"] as? String)
      if want["op"] as? String == "put" { #expect(record["value"] as? String == want["value"] as? String) }
    }
  }

  @Test func salvageReplaysTheRecordsTheCppReaderNeverShowsAgain() throws {
    let workspace = Self.workspace(with: "bitflip")
    let salvage = workspace.run("wal-replay", "bitflip.wal", "--recovery", "salvage", "--export")
    #expect(salvage.status == 0 && salvage.stderr.contains("skipped damaged"))
    let keys = try workspace.jsonLines(salvage).map { $0["key"] as? String }
    #expect(keys == ["app/name", "settings/theme"])  // doc/1 put then deleted; profile/name lost to the damage
    let pointInTime = workspace.run("wal-replay", "bitflip.wal", "--recovery", "point-in-time", "--json")
    #expect(pointInTime.status == 65)
    expectFailure(workspace.run("wal-verify", "bitflip.wal", "--repair", "--salvage"), 64, mentioning: "C++ runtime log")
  }
}
