import ArgumentParser
import Softadastra

/// `softadastra snapshot [create]`: checkpoint the node now.
struct SnapshotCreateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "create",
    abstract: "Save the state as a snapshot and start a fresh WAL after it (the default).",
    discussion: """
      Takes the writer lock, writes <base>.<LSN>.snapshot beside the WAL (temporary file, sync, \
      rename, directory sync), reads it back whole, keeps the old WAL as <base>.<first-LSN>.wal, \
      and replaces the live WAL with an empty one that continues at the next LSN. While the keys \
      changed since the newest full snapshot are under an eighth of its entries, the snapshot is \
      a delta holding only them, read over that full snapshot; else (or with --full) a full one. \
      The newest snapshot (with its full one) is kept, and the newest sound one older than both, \
      with the archived WALs after it. Does nothing when no record follows the newest snapshot.
      """)

  @Flag(help: "Write a full snapshot, merging any delta into it (a delta costs what changed).")
  var full = false
  @OptionGroup var compression: CompressionLevelOption
  @OptionGroup var global: GlobalOptions

  func run() throws {
    var options = global.clientOptions(forWriting: true, loadsStore: false, createsNode: false)
    options.checkpointBytes = 0
    let client = Client(options)
    try client.open()
    let result = try client.checkpoint(level: compression.level, full: full)
    let current = try client.currentSnapshot()
    let walFirstLSN = try client.walSummary()?.header.firstLSN ?? 1
    try global.close(client)
    if global.json {
      Output.document([
        ("created", .bool(result != nil)),
        ("snapshot", current.map(\.json) ?? .null),
        ("wal", .object([("path", .string(options.walPath!)), ("first_lsn", .number(walFirstLSN))])),
        ("archived_wal", result.map { .string($0.archivedWAL) } ?? .null),
        ("removed", .array((result?.removed ?? []).map { .string($0) })),
      ])
      return
    }
    guard let result else {
      let at = current.map { "the snapshot at LSN \($0.lsn)" } ?? "the start of the WAL"
      Output.line("nothing to snapshot: no record follows \(at)")
      return
    }
    Output.line("snapshot   : \(result.snapshot.path)")
    Output.line("LSN        : \(result.snapshot.lsn)")
    if let base = result.snapshot.baseLSN { Output.line("delta over : the full snapshot at LSN \(base)") }
    Output.line("keys       : \(result.snapshot.keys)")
    Output.line("size       : \(result.snapshot.sizeText)")
    Output.line("WAL        : \(options.walPath!) now starts at LSN \(walFirstLSN)")
    Output.line("archived   : \(result.archivedWAL)")
    Output.line("removed    : \(result.removed.isEmpty ? "-" : result.removed.joined(separator: " "))")
  }
}
