import Foundation
import Softadastra
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
      #expect(
        corruption["valid_records_after"] as? Int == (expected["salvageable_records_after_stop"] as? [Any])?.count)
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
      #expect(
        record["wal_type"] as? Int == want["wal_type"] as? Int && record["status"] as? Int == want["status"] as? Int)
      #expect(record["op_timestamp"] as? String != nil)
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
  }

  @Test func theEncoderReproducesTheReferencesWorkedExample() {
    var bytes: [UInt8] = []
    CppLogScanner.appendRecord(
      sequence: 1, milliseconds: 1_700_000_000_000,
      operation: .put(key: Array("app/name".utf8), value: Array("Softadastra".utf8)),
      operationMilliseconds: 1_700_000_000_000, to: &bytes)
    let hex = bytes.map { String(format: "%02x", $0) }.joined()
    #expect(
      hex
        == "314c415701000000010000000000000001010068e5cf8b010000250000000101080000006170702f6e616d650b00"
        + "0000536f6674616461737472610068e5cf8b0100008f0f9a4d")
  }

  @Test(arguments: ["basic", "many"])
  func convertingToNativeAndBackKeepsEveryOperationItsSequenceAndTime(_ name: String) throws {
    let workspace = Self.workspace(with: name)
    expectFailure(workspace.run("wal-convert", "--to", "native", "\(name).wal", "n.wal"), 64, mentioning: "--node-id")
    expectSuccess(workspace.run("wal-convert", "--to", "native", "\(name).wal", "n.wal", "--node-id", "node-a"))
    expectSuccess(workspace.run("wal-verify", "n.wal"))
    expectSuccess(workspace.run("wal-convert", "--to", "cpp-v1", "n.wal", "back.wal"))
    let fields = { (file: String) throws -> [[String?]] in
      try workspace.jsonLines(workspace.run("wal-dump", file, "--json")).map { record in
        ["lsn", "timestamp", "op", "key", "value"].map {
          (record[$0] as? Int).map(String.init) ?? record[$0] as? String
        }
      }
    }
    let original = try fields("\(name).wal")
    #expect(try fields("n.wal") == original)
    #expect(try fields("back.wal") == original)
    if name == "basic" {
      #expect(FileBytes.read(workspace.file("back.wal")) == FileBytes.read(workspace.file("basic.wal")))
    }
    expectFailure(workspace.run("wal-convert", "--to", "cpp-v1", "n.wal", "back.wal"), 73, mentioning: "already exists")
    expectFailure(
      workspace.run("wal-convert", "--to", "cpp-v1", "gone.wal", "x.wal"), 66, mentioning: "no WAL at gone.wal")
  }

  @Test func aDamagedLogIsConvertedOnlyWithSalvageAndRepairedInItsOwnFormat() throws {
    let workspace = Self.workspace(with: "bitflip")
    expectFailure(
      workspace.run("wal-convert", "--to", "native", "bitflip.wal", "x.wal", "--node-id", "a"), 65,
      mentioning: "--salvage")
    #expect(!FileManager.default.fileExists(atPath: workspace.file("x.wal")))
    let salvaged = workspace.run("wal-convert", "--to", "native", "bitflip.wal", "x.wal", "--node-id", "a", "--salvage")
    #expect(salvaged.status == 0 && salvaged.stderr.contains("offset 141"))
    let before = FileBytes.read(workspace.file("bitflip.wal"))
    expectFailure(workspace.run("wal-verify", "bitflip.wal", "--repair"), 65, mentioning: "--salvage")
    #expect(FileBytes.read(workspace.file("bitflip.wal")) == before)
    expectSuccess(workspace.run("wal-verify", "bitflip.wal", "--repair", "--salvage", "--backup-to", "saved.wal"))
    #expect(FileBytes.read(workspace.file("saved.wal")) == before)
    expectSuccess(workspace.run("wal-verify", "bitflip.wal"))
    let lsns = try workspace.jsonLines(workspace.run("wal-dump", "bitflip.wal", "--json")).map { $0["lsn"] as? Int }
    #expect(lsns == [1, 2, 4, 5, 6])  // sequence numbers kept; the damaged record 3 is gone
    #expect(try workspace.jsonLines(workspace.run("wal-replay", "bitflip.wal", "--export")).count == 2)

    let torn = Self.workspace(with: "torn-tail")
    expectSuccess(torn.run("wal-verify", "torn-tail.wal", "--repair"))
    #expect(FileBytes.read(torn.file("torn-tail.wal")).count == 341)
    expectSuccess(torn.run("wal-verify", "torn-tail.wal"))
  }

  @Test func repeatedAndDecreasingSequencesAreWarningsWithTheirOffsets() throws {
    var bytes: [UInt8] = []
    for sequence: UInt64 in [1, 2, 2, 1, 3] {
      CppLogScanner.appendRecord(
        sequence: sequence, milliseconds: 1_700_000_000_000 + sequence,
        operation: .put(key: Array("k\(sequence)".utf8), value: [0x31]),
        operationMilliseconds: 1_700_000_000_000, to: &bytes)
    }
    let workspace = CLIWorkspace()
    FileBytes.write(bytes, to: workspace.file("dup.wal"))
    let result = workspace.run("wal-verify", "dup.wal", "--json")
    #expect(result.status == 0)
    let warnings = try workspace.json(result)["warnings"] as? [String]
    let size = bytes.count / 5
    // Each record's time is 1 700 000 000 000 + its sequence: where the sequence goes back, so does the clock.
    #expect(
      warnings == [
        "sequence 2 at offset \(2 * size) repeats sequence 2",
        "sequence 1 at offset \(3 * size) goes back from sequence 2",
        "the clock goes back at offset \(3 * size) (LSN 1): 2023-11-14T22:13:20.001Z after 2023-11-14T22:13:20.002Z at LSN 2",
      ])
  }

  /// As text and as JSON (whose records carry the runtime's own fields, read from the records
  /// the follower has, not from the file as it was when it started).
  @Test(arguments: [false, true]) func followPrintsRecordsTheRuntimeAppends(json: Bool) throws {
    let workspace = CLIWorkspace()
    func record(_ sequence: UInt64) -> [UInt8] {
      var bytes: [UInt8] = []
      CppLogScanner.appendRecord(
        sequence: sequence, milliseconds: 1_700_000_000_000 + sequence,
        operation: .put(key: Array("k\(sequence)".utf8), value: [0x31]),
        operationMilliseconds: 1_700_000_000_000, to: &bytes)
      return bytes
    }
    FileBytes.write(record(1), to: workspace.file("runtime.log"))
    let follower =
      try json
      ? workspace.start("wal-dump", "runtime.log", "--follow", "--json", stdout: "follow.out")
      : workspace.start("wal-dump", "runtime.log", "--follow", stdout: "follow.out")
    func lines() -> [Substring] { workspace.lines(of: "follow.out") }
    #expect(waitUntil { lines().count == 1 })
    let log = try #require(FileHandle(forWritingAtPath: workspace.file("runtime.log")))
    log.seekToEndOfFile()
    log.write(Data(record(2) + record(3)))
    try log.close()
    waitUntil { lines().count >= 3 }
    let printed = lines()
    follower.terminate()
    follower.waitUntilExit()
    let last = json ? #""key":"k3""# : #"key="k3""#
    #expect(printed.count == 3 && printed.last?.contains(last) == true, "\(printed)")
    if json { #expect(printed.last?.contains(#""wal_type":1"#) == true, "\(printed)") }
  }

  @Test func statusAndForcedFormatsWorkOnARuntimeLogAndWritesExplainTheConversion() throws {
    let workspace = Self.workspace(with: "torn-tail")
    let status = try workspace.json(workspace.run("status", "--wal", "torn-tail.wal", "--json"))
    let wal = try #require(status["wal"] as? [String: Any])
    #expect(wal["format"] as? String == "cpp-v1" && wal["records"] as? Int == 5 && wal["last_lsn"] as? Int == 5)
    #expect((wal["torn_tail"] as? [String: Any])?["offset"] as? Int == 341)
    #expect((status["store"] as? [String: Any])?["keys"] as? Int == 4)
    #expect(workspace.run("wal-dump", "torn-tail.wal", "--format", "cpp-v1").out.split(separator: "\n").count == 5)
    let forced = workspace.run("wal-verify", "torn-tail.wal", "--format", "native")
    #expect(forced.status == 65 && forced.out.contains("bad-header"))
    let before = FileBytes.read(workspace.file("torn-tail.wal"))
    expectFailure(
      workspace.run("store", "put", "k", "v", "--wal", "torn-tail.wal"), 78, mentioning: "wal-convert --to native")
    #expect(FileBytes.read(workspace.file("torn-tail.wal")) == before)
  }

  @Test func aKeyANativeWALCannotHoldIsRefusedNotConvertedIntoACorruptLog() throws {
    let workspace = CLIWorkspace()
    var log: [UInt8] = []
    CppLogScanner.appendRecord(
      sequence: 1, milliseconds: 1_700_000_000_000, operation: .put(key: Array("small".utf8), value: [1]),
      operationMilliseconds: 1_700_000_000_000, to: &log)
    CppLogScanner.appendRecord(
      sequence: 2, milliseconds: 1_700_000_000_001,
      operation: .put(key: [UInt8](repeating: 0x6B, count: 1 << 20), value: [2]),
      operationMilliseconds: 1_700_000_000_001, to: &log)
    FileBytes.write(log, to: workspace.file("big.log"))
    let result = workspace.run("wal-convert", "--to", "native", "big.log", "big.wal", "--node-id", "node-a")
    expectFailure(result, 65, mentioning: "sequence 2 cannot be held by a native WAL")
    #expect(!FileManager.default.fileExists(atPath: workspace.file("big.wal")))
  }

  @Test func aWALThatContinuesASnapshotIsRefusedNotConvertedWithoutItsHistory() throws {
    let workspace = CLIWorkspace()
    expectSuccess(workspace.run("store", "put", "a", "1"))
    expectSuccess(workspace.run("snapshot"))
    for salvage in [[], ["--salvage"]] {
      let result = workspace.run(
        arguments: ["wal-convert", "--to", "cpp-v1", "data/softadastra.wal", "out.log"] + salvage)
      expectFailure(result, 64, mentioning: "wal-replay --output whole.wal")
      #expect(!FileManager.default.fileExists(atPath: workspace.file("out.log")))
    }
    // The way the message gives converts the whole state.
    expectSuccess(workspace.run("wal-replay", "--output", "whole.wal"))
    expectSuccess(workspace.run("wal-convert", "--to", "cpp-v1", "whole.wal", "out.log"))
    let replay = workspace.run("wal-replay", "out.log", "--export")
    #expect(replay.out == "{\"key\":\"a\",\"value\":\"1\"}\n", "\(replay.stderr)")
  }

  @Test func recordsThatAreNotStoreOperationsAreSkippedAndTheirLossIsSaid() throws {
    let workspace = CLIWorkspace()
    var log: [UInt8] = []
    CppLogScanner.appendRecord(
      sequence: 1, milliseconds: 1_700_000_000_000, operation: .put(key: Array("a".utf8), value: [0x31]),
      operationMilliseconds: 1_700_000_000_000, to: &log)
    // A file event of the runtime's wal module: record type 1, a payload that is no store operation.
    let event = Array("file-event: created /srv/a.txt".utf8)
    log += CppLogScanner.magic
    withUnsafeBytes(of: UInt32(1).littleEndian) { log += $0 }
    withUnsafeBytes(of: UInt64(2).littleEndian) { log += $0 }
    log += [1, 1]
    withUnsafeBytes(of: Int64(1_700_000_000_001).littleEndian) { log += $0 }
    withUnsafeBytes(of: UInt32(event.count).littleEndian) { log += $0 }
    log += event
    let fnv = event.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 }
    withUnsafeBytes(of: fnv.littleEndian) { log += $0 }
    // A write received from a peer: its own time is a year before its record's.
    CppLogScanner.appendRecord(
      sequence: 3, milliseconds: 1_700_000_000_002, operation: .put(key: Array("b".utf8), value: [0x32]),
      operationMilliseconds: 1_668_000_000_000, to: &log)
    FileBytes.write(log, to: workspace.file("events.log"))
    expectSuccess(workspace.run("wal-verify", "events.log"))
    // The dump says what it is and how large its payload is, in text as in JSON.
    let lines = workspace.run("wal-dump", "events.log").out.split(separator: "\n")
    #expect(lines.count == 3 && lines[1].hasSuffix("op=type-1 payload_bytes=\(event.count)"), "\(lines)")
    let json = workspace.run("wal-dump", "events.log", "--json").out.split(separator: "\n")
    #expect(json.count == 3 && json[1].contains("\"payload_bytes\":\(event.count)"), "\(json)")
    let converted = workspace.run("wal-convert", "--to", "native", "events.log", "events.wal", "--node-id", "node-a")
    #expect(converted.status == 0, "\(converted.stderr)")
    #expect(converted.stderr.contains("left out 1 record that is not a store operation"))
    #expect(converted.stderr.contains("1 operation had a time of its own"))
    let export = workspace.run("wal-replay", "events.wal", "--export")
    #expect(export.out == "{\"key\":\"a\",\"value\":\"1\"}\n{\"key\":\"b\",\"value\":\"2\"}\n", "\(export.stderr)")
  }

  @Test(arguments: [1, 2, 3, 20])
  func aFirstRecordTornAfterAFewBytesIsATornTailOfAnEmptyLog(_ length: Int) throws {
    let workspace = CLIWorkspace()
    var log: [UInt8] = []
    CppLogScanner.appendRecord(
      sequence: 1, milliseconds: 1_700_000_000_000, operation: .put(key: Array("a".utf8), value: [0x31]),
      operationMilliseconds: 1_700_000_000_000, to: &log)
    FileBytes.write(Array(log.prefix(length)), to: workspace.file("torn.log"))
    let verify = try workspace.json(workspace.run("wal-verify", "torn.log", "--json"))
    #expect(verify["status"] as? String == "torn-tail", "\(verify)")
    #expect(verify["format"] as? String == "cpp-v1")
    let replay = workspace.run("wal-replay", "torn.log", "--export")
    #expect(replay.status == 0 && replay.out == "", "\(replay.stderr)")
    // A repair would leave an empty file that no reader recognises: refused, with what to do.
    let before = FileBytes.read(workspace.file("torn.log"))
    expectFailure(workspace.run("wal-verify", "--repair", "torn.log"), 65, mentioning: "delete it instead")
    #expect(FileBytes.read(workspace.file("torn.log")) == before)
  }
}
