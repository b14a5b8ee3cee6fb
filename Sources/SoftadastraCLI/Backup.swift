import ArgumentParser
import Softadastra

extension SoftadastraCommand {
  /// `softadastra backup …`: archives of the node, checked, listed and pruned.
  struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "backup",
      abstract: "Write, verify, list and prune backup archives of the node.",
      discussion: """
        Without a subcommand, writes an archive: softadastra backup --output FILE | --dir DIR \
        [--level 0-9] [--progress]; see softadastra backup create --help.
        """,
      subcommands: [BackupCreate.self, BackupVerify.self, BackupList.self, BackupPrune.self],
      defaultSubcommand: BackupCreate.self)
  }
}

/// An archive named on the command line, or standard input for "-" (copied to a scratch file).
struct ArchiveInput {
  let path: String
  private let isScratch: Bool

  init(_ argument: String) throws {
    if argument == "-" {
      path = try StandardInput.copyToTemporaryFile()
      isScratch = true
    } else {
      guard FileSystem.exists(argument) else { throw SoftadastraError(.notFound, "no backup at \(argument)", path: argument) }
      path = argument
      isScratch = false
    }
  }

  func close() { if isScratch { StandardInput.removeTemporaryFile(path) } }
}

/// JSON for a manifest.
func manifestJSON(_ manifest: BackupManifest) -> JSONValue {
  func time(_ milliseconds: UInt64) -> JSONValue { milliseconds == 0 ? .null : .string(ISO8601.string(milliseconds: milliseconds)) }
  return .object([
    ("node_id", .string(manifest.nodeID)), ("tool_version", .string(manifest.toolVersion)),
    ("created", time(UInt64(max(0, manifest.createdMilliseconds)))),
    ("snapshot_lsn", .number(manifest.snapshotLSN)), ("last_lsn", .number(manifest.lastLSN)),
    ("first_record_time", time(manifest.firstRecordMilliseconds)), ("last_record_time", time(manifest.lastRecordMilliseconds)),
    ("keys", .number(manifest.keyCount)), ("level", .number(UInt64(manifest.level))),
    (
      "parts",
      .array(
        manifest.parts.map { part in
          .object([
            ("kind", .string("\(part.kind)")), ("offset", .number(part.offset)), ("size_bytes", .number(part.length)),
            ("raw_bytes", .number(part.rawLength)), ("crc32c", .string(hexChecksum(part.checksum))),
          ])
        })
    ),
  ])
}

/// "LSN 1000 to 1500 (node-a, 2026-11-25T10:47:16.695Z)".
func manifestSummary(_ manifest: BackupManifest) -> String {
  "node \(manifest.nodeID), LSN \(manifest.snapshotLSN) to \(manifest.lastLSN), \(manifest.keyCount) keys, created \(ISO8601.string(milliseconds: UInt64(max(0, manifest.createdMilliseconds))))"
}

func hexChecksum(_ value: UInt32) -> String {
  let digits = String(value, radix: 16)
  return String(repeating: "0", count: 8 - digits.count) + digits
}
