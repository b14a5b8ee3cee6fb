import Foundation
import SoftadastraTestSupport
import Testing

/// Every command's `--json` output, in every shape it takes, against the schema published for it in
/// docs/schemas/, checked by an independent validator (python3-jsonschema): a member added,
/// renamed or retyped without its schema fails here.
@Suite struct JSONSchemaTests {
  static let schemas = DocumentationTests.root + "/docs/schemas"

  /// The documents the commands printed, each with the schema that must accept it.
  final class Samples {
    let workspace = CLIWorkspace()
    var lines: [String] = []
    var schemasUsed: Set<String> = []

    /// Runs `softadastra arguments… --json`, expects `status`, and records each line of its
    /// standard output (or of its standard error, for what a command reports there) under `schema`.
    @discardableResult
    func run(
      _ schema: String, _ arguments: String..., stdin: [UInt8] = [], status: Int32 = 0, fromStandardError: Bool = false,
      sourceLocation: SourceLocation = #_sourceLocation
    ) -> CommandResult {
      let arguments = arguments.contains("--json") ? arguments : arguments + ["--json"]
      let result = workspace.run(arguments: arguments, stdin: stdin)
      #expect(result.status == status, "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
      let text = fromStandardError ? result.stderr : result.out
      let command = (["softadastra"] + arguments).joined(separator: " ")
      for line in text.split(separator: "\n") {
        lines.append("\(schema)\t\(command)\t\(line)")
      }
      #expect(!text.isEmpty, "\(command) printed nothing", sourceLocation: sourceLocation)
      schemasUsed.insert(schema)
      return result
    }

    /// Writes a file of the workspace.
    func write(_ name: String, _ bytes: [UInt8]) { FileBytes.write(bytes, to: workspace.file(name)) }
  }

  /// Flips one bit in the middle of a copy of `source`, as a damaged disk would.
  static func damagedCopy(_ samples: Samples, of source: String, to name: String) {
    var bytes = FileBytes.read(samples.workspace.file(source))
    bytes[bytes.count / 2] ^= 0x10
    samples.write(name, bytes)
  }

  /// Each command in each of the shapes its JSON takes: nodes with and without a log, snapshot and
  /// damage; logs of both formats; backups sound and damaged; sync both ways.
  static func runEveryCommand(_ samples: Samples) throws {
    let fixtures = CppLogTests.fixtures
    samples.run("status", "status")  // no log yet
    samples.run("store-put", "store", "put", "greeting", "hello")
    samples.run("store-put", "store", "put", "binary", "-", stdin: [0xFF, 0x00])
    samples.run("store-put", "store", "put", "gone", "soon")
    samples.run("store-delete", "store", "delete", "gone")
    samples.run("store-get", "store", "get", "greeting")
    samples.run("store-get", "store", "get", "binary")
    samples.write("rows.jsonl", Array("{\"key\":\"k1\",\"value\":\"v1\"}\n{\"key\":\"k2\",\"value\":\"v2\"}\n".utf8))
    samples.run("store-import", "store", "import", "--format", "jsonl", "rows.jsonl")
    samples.run("store-import", "store", "import", "-", stdin: [])
    samples.run("store-list", "store", "list")
    samples.run("store-export", "store", "export")
    samples.run("status", "status")

    samples.run("wal-dump", "wal-dump", "--header")
    samples.run("wal-dump", "wal-dump", "--header", "--format", "cpp-v1", "\(fixtures)/basic.wal")
    samples.run("wal-dump-stats", "wal-dump", "--stats")
    samples.run("wal-verify", "wal-verify")
    samples.run("wal-verify", "wal-verify", "\(fixtures)/bitflip.wal", status: 65)
    samples.run("wal-verify", "wal-verify", "\(fixtures)/torn-tail.wal", status: 65)
    samples.run("wal-replay", "wal-replay")
    samples.run("wal-replay", "wal-replay", "--to-lsn", "2")
    samples.run("store-export", "wal-replay", "--export")
    samples.run(
      "wal-convert", "wal-convert", "--to", "native", "\(fixtures)/basic.wal", "converted.wal", "--node-id", "c")
    samples.run("status", "status", "--wal", "\(fixtures)/torn-tail.wal")

    samples.run("snapshot-create", "snapshot", "create")
    samples.run("snapshot-create", "snapshot", "create")  // nothing new: not created
    samples.run("store-put", "store", "put", "after", "snapshot")
    samples.run("snapshot-verify", "snapshot", "verify")
    samples.run("snapshot-list", "snapshot", "list")
    samples.run("status", "status")

    try FileManager.default.createDirectory(
      atPath: samples.workspace.file("backups"), withIntermediateDirectories: true)
    samples.run("backup-create", "backup", "create", "--output", "backups/one.sdbackup")
    samples.run("backup-create", "backup", "create", "--dir", "backups")
    samples.run("backup-verify", "backup", "verify", "backups/one.sdbackup")
    damagedCopy(samples, of: "backups/one.sdbackup", to: "backups/damaged.sdbackup")
    samples.run("backup-verify", "backup", "verify", "backups/damaged.sdbackup", status: 65)
    samples.run("backup-list", "backup", "list", "backups")
    samples.run("backup-prune", "backup", "prune", "backups", "--keep", "1", "--dry-run")
    samples.run("restore", "restore", "backups/one.sdbackup", "--data-dir", "restored")
    samples.run("restore", "restore", "backups/one.sdbackup", "--data-dir", "restored", "--force", "--dry-run")

    // Continuous archiving: a base, then a segment; the chain checked and restored.
    try FileManager.default.createDirectory(atPath: samples.workspace.file("chain"), withIntermediateDirectories: true)
    samples.run("archive", "archive", "--once", "--dir", "chain")
    samples.run("store-put", "store", "put", "archived", "later")
    samples.run("archive", "archive", "--once", "--dir", "chain")
    // Running, one line per file stored; SIGTERM stops it after its look (exit 0).
    samples.run("store-put", "store", "put", "archived", "while running")
    let running = CommandRunner.run(
      executable: "/usr/bin/timeout",
      [
        "--preserve-status", "-s", "TERM", "2", CommandRunner.binaryPath, "archive", "--dir", "chain", "--interval",
        "0.1", "--json",
      ],
      in: samples.workspace.path)
    #expect(running.status == 0 && !running.out.isEmpty, "\(running.stderr)")
    for line in running.out.split(separator: "\n") {
      samples.lines.append("archive\tsoftadastra archive --dir chain --json (running)\t\(line)")
    }
    samples.run("status", "status")
    samples.run("backup-verify-chains", "backup", "verify", "chain")
    samples.run("restore", "restore", "chain", "--data-dir", "restored-chain")

    // A damaged node log, repaired by salvage: status then reports the LSNs it lost.
    samples.run("store-put", "store", "put", "--data-dir", "hurt", "a", "1")
    samples.run("store-put", "store", "put", "--data-dir", "hurt", "b", "2")
    samples.run("store-put", "store", "put", "--data-dir", "hurt", "c", "3")
    damagedCopy(samples, of: "hurt/softadastra.wal", to: "hurt/softadastra.wal")
    samples.run(
      "wal-verify-repair", "wal-verify", "--data-dir", "hurt", "--repair", "--salvage", "--dry-run", status: 65)
    samples.run("wal-verify-repair", "wal-verify", "--data-dir", "hurt", "--repair", "--salvage")
    samples.run("status", "status", "--data-dir", "hurt")
    samples.write("hurt/softadastra.archive-state", Array("not a state".utf8))
    samples.run("status", "status", "--data-dir", "hurt")
    samples.run("wal-dump", "wal-dump", "--data-dir", "hurt")

    samples.run("store-put", "store", "put", "--node-id", "peer", "from", "peer")
    samples.run("sync-export", "sync", "export", "--peer", "peer", "--output", "to-peer.sdsync")
    samples.run("sync-import", "sync", "import", "--node-id", "peer", "to-peer.sdsync", "--reply", "back.sdsync")
    samples.run("sync-import", "sync", "import", "--node-id", "peer", "to-peer.sdsync")  // stale
    samples.run("sync-import", "sync", "import", "back.sdsync", "--reply", "-", fromStandardError: true)
    samples.run("sync-status", "sync", "status")
    samples.run("sync-status", "sync", "status", "--node-id", "peer")
    samples.run(
      "sync-with", "sync", "with", "--json", CommandRunner.binaryPath, "sync", "serve", "--stdio", "--data-dir",
      samples.workspace.file("data"), "--node-id", "peer")
    samples.run("sync-forget", "sync", "forget", "--peer", "peer")
    samples.run("sync-forget", "sync", "forget", "--peer", "nobody", status: 1)
  }

  @Test func everyCommandsJSONFollowsItsPublishedSchema() throws {
    let samples = Samples()
    try Self.runEveryCommand(samples)
    samples.write("samples.jsonl", Array((samples.lines.joined(separator: "\n") + "\n").utf8))
    let check = Process()
    check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    check.arguments = [
      "python3", DocumentationTests.root + "/scripts/validate-json.py", Self.schemas,
      samples.workspace.file("samples.jsonl"),
    ]
    let output = Pipe()
    check.standardOutput = output
    check.standardError = output
    try check.run()
    let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    check.waitUntilExit()
    #expect(check.terminationStatus == 0, "\(report)")
    #expect(report.contains("\(samples.lines.count) documents"), "\(report)")

    // Every schema published is exercised here, and every command that prints JSON has one.
    let published = Set(
      try FileManager.default.contentsOfDirectory(atPath: Self.schemas).filter { $0.hasSuffix(".schema.json") }
        .map { String($0.dropLast(".schema.json".count)) })
    #expect(published.subtracting(["common"]) == samples.schemasUsed)
    let paths = try DocumentationTests.commands().map(\.path).filter { $0.last != "help" }
    let leaves = paths.filter { path in
      !paths.contains { $0.count > path.count && Array($0.prefix(path.count)) == path }
    }
    for name in leaves.map({ $0.dropFirst().joined(separator: "-") }) where name != "sync-serve" {
      #expect(published.contains(name), "no schema in docs/schemas for \(name)")
    }
  }

  /// docs/json-output.md names every schema file and every member the schemas define.
  @Test func theJSONPageNamesEverySchemaAndMember() throws {
    let page = String(decoding: FileBytes.read(DocumentationTests.root + "/docs/json-output.md"), as: UTF8.self)
    func members(_ value: Any, into names: inout Set<String>) {
      if let object = value as? [String: Any] {
        if let properties = object["properties"] as? [String: Any] { names.formUnion(properties.keys) }
        for child in object.values { members(child, into: &names) }
      } else if let array = value as? [Any] {
        for child in array { members(child, into: &names) }
      }
    }
    for file in try FileManager.default.contentsOfDirectory(atPath: Self.schemas) where file.hasSuffix(".schema.json") {
      #expect(page.contains("schemas/\(file)"), "docs/json-output.md does not link \(file)")
      var names: Set<String> = []
      members(try JSONSerialization.jsonObject(with: Data(FileBytes.read(Self.schemas + "/" + file))), into: &names)
      for name in names.sorted() {
        #expect(
          page.contains("`\(name)`") || page.contains("\"\(name)\""), "\(file): docs/json-output.md never names \(name)"
        )
      }
    }
  }

  /// Examples in the README, man pages and docs show the current vocabulary's version.
  @Test func examplesInTheDocumentationShowTheCurrentSchemaVersion() throws {
    let root = DocumentationTests.root
    let files =
      ["README.md"] + (try FileManager.default.contentsOfDirectory(atPath: root + "/man")).map { "man/" + $0 }
      + (try FileManager.default.contentsOfDirectory(atPath: root + "/docs")).filter { $0.hasSuffix(".md") }.map {
        "docs/" + $0
      }
    for file in files {
      let text = String(decoding: FileBytes.read(root + "/" + file), as: UTF8.self)
      for match in text.matches(of: /"schema": ?([0-9]+)/) where match.1 != "2" {
        Issue.record("\(file) shows \(match.0): the current version is 2")
      }
    }
  }
}
