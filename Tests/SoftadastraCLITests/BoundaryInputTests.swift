import Foundation
import Softadastra
import SoftadastraTestSupport
import Testing

/// Whole commands over logs whose fields sit at the edges (0, 1, max − 1, max): every command
/// ends with one of the documented exit statuses and a message, never a trap. The fuzz campaign
/// (scripts/fuzz.sh) drives the decoders; this drives the commands on CRC-valid extremes.
@Suite struct BoundaryInputTests {
  static let maxLSN = UInt64(Int64.max)
  static let documented: Set<Int32> = [0, 1, 64, 65, 66, 73, 74, 75, 77, 78]

  /// A CRC-valid log of node softadastra: its header says `firstLSN`, and one put follows at
  /// that LSN with the raw clock value `clock`.
  static func log(firstLSN: UInt64, clock: UInt64) -> [UInt8] {
    let header = WALHeader(nodeID: "softadastra", createdMilliseconds: 0, firstLSN: firstLSN)
    var bytes = header.encoded()
    let record = WALRecord(
      lsn: firstLSN, timestamp: HybridTimestamp(rawValue: clock),
      body: .operation(.put(key: Array("k".utf8), value: [0x76]), origin: nil))
    RecordEncoder.append(record, seed: header.checksum, to: &bytes)
    return bytes
  }

  static let commands: [[String]] = [
    ["status"], ["status", "--json"], ["store", "get", "k"], ["store", "list", "--json"], ["store", "export"],
    ["wal-dump", "--json"], ["wal-dump", "--stats", "--json"], ["wal-verify", "--json"], ["wal-replay", "--export"],
    ["sync", "status", "--json"], ["sync", "export", "--peer", "p", "--output", "out.sdsync"],
    ["backup", "--output", "b.sdbackup"], ["store", "put", "k2", "v"], ["snapshot"], ["status", "--json"],
  ]

  @Test(arguments: [0, 1, maxLSN - 1, maxLSN, maxLSN + 1, UInt64.max - 1, UInt64.max])
  func everyCommandOnALogWithAnExtremeFirstLSNEndsWithADocumentedStatus(_ firstLSN: UInt64) throws {
    try run(firstLSN: firstLSN, clock: 1 << 16)
  }

  @Test(arguments: [0, 1, UInt64.max - 1, UInt64.max])
  func everyCommandOnALogWithAnExtremeClockEndsWithADocumentedStatus(_ clock: UInt64) throws {
    try run(firstLSN: 1, clock: clock)
  }

  func run(firstLSN: UInt64, clock: UInt64) throws {
    let workspace = CLIWorkspace()
    try FileManager.default.createDirectory(atPath: workspace.file("data"), withIntermediateDirectories: false)
    FileBytes.write(Self.log(firstLSN: firstLSN, clock: clock), to: workspace.file("data/softadastra.wal"))
    for command in Self.commands {
      let result = workspace.run(arguments: command)
      let context = "first LSN \(firstLSN), clock \(clock): softadastra \(command.joined(separator: " "))"
      #expect(Self.documented.contains(result.status), "\(context) exited \(result.status): \(result.stderr)")
      // wal-verify reports damage as its output (exit 65); every other command as an error line.
      if result.status != 0 && result.status != 1 && command[0] != "wal-verify" {
        #expect(result.stderr.hasPrefix("softadastra: error: "), "\(context): \(result.stderr)")
      }
      if command.contains("--json"), result.status == 0 {
        for line in result.out.split(separator: "\n") {
          #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "\(context): not JSON: \(line)")
        }
      }
    }
    if let archive = FileManager.default.contents(atPath: workspace.file("b.sdbackup")) {
      #expect(!archive.isEmpty)
      for command in [["backup", "verify", "b.sdbackup"], ["restore", "b.sdbackup", "--data-dir", "restored"]] {
        let result = workspace.run(arguments: command)
        #expect(Self.documented.contains(result.status), "\(command): exited \(result.status): \(result.stderr)")
      }
    }
  }
}
