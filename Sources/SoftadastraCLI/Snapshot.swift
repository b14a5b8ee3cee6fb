import ArgumentParser
import Softadastra

extension SoftadastraCommand {
  /// `softadastra snapshot …`: save, check and list the node's snapshots.
  struct Snapshot: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "snapshot",
      abstract: "Save the node's state as a snapshot and start a fresh WAL; check or list snapshots.",
      discussion: "Without a subcommand, creates one: see softadastra snapshot create --help for its options.",
      subcommands: [SnapshotCreate.self, SnapshotVerify.self, SnapshotList.self],
      defaultSubcommand: SnapshotCreate.self)
  }
}

/// A compression level option, 0 to 9; each command has its own default.
struct CompressionLevelOption: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "zlib compression level, 0 (store) to 9 (smallest). Default: 1 for snapshots; for backups, the snapshot's blocks as they are and 6 for the WAL.",
      valueName: "0-9"))
  var level: Int?

  func validate() throws {
    if let level, !(0...9).contains(level) { throw ValidationError("--level must be 0 to 9") }
  }
}

/// JSON for a snapshot.
func snapshotJSON(_ info: SnapshotInfo) -> JSONValue {
  .object([
    ("path", .string(info.path)), ("lsn", .number(info.lsn)), ("keys", .number(info.keys)),
    ("size_bytes", .number(info.bytes)), ("raw_bytes", .number(info.rawBytes)),
    ("created", .string(ISO8601.string(milliseconds: UInt64(max(0, info.createdMilliseconds))))),
  ])
}

/// "10502548 bytes (140000000 bytes of entries, 13.3x smaller)".
func snapshotSizeText(_ info: SnapshotInfo) -> String {
  let ratio = info.bytes == 0 ? 0 : Double(info.rawBytes) / Double(info.bytes)
  let compression = ratio >= 1 ? "\(RecordFormatting.oneDecimal(ratio))x smaller" : "too small to gain from compression"
  return "\(info.bytes) bytes (\(info.rawBytes) bytes of entries, \(compression))"
}
