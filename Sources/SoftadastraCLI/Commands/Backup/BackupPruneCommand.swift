import ArgumentParser
import Softadastra

/// `softadastra backup prune DIR --keep N | --keep-within AGE`: remove old archives.
struct BackupPruneCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "prune",
    abstract: "Remove old backup archives from a directory, keeping the newest.",
    discussion: """
      Per node, an archive is kept when it is among the newest --keep or younger than \
      --keep-within (either rule keeps it). The newest archive that passes a quick check \
      (manifest and checksums) is always kept, so the last good backup is never removed; \
      archives whose manifest cannot be read are never removed, only reported.
      """)

  @Argument(help: ArgumentHelp("The directory of archives.", valueName: "dir"), completion: .directory) var dir: String
  @Option(help: ArgumentHelp("Keep the newest N archives of each node.", valueName: "n")) var keep: Int?
  @Option(
    name: .customLong("keep-within"),
    help: ArgumentHelp("Keep archives younger than this (such as 90m, 36h, 7d, 4w).", valueName: "age"))
  var keepWithin: String?
  @Flag(name: .customLong("dry-run"), help: "List what would be removed; remove nothing.") var dryRun = false
  @OptionGroup var global: GlobalOptions

  func validate() throws {
    guard keep != nil || keepWithin != nil else { throw ValidationError("give --keep N, --keep-within AGE, or both") }
    if let keep, keep < 1 { throw ValidationError("--keep must be 1 or more") }
    if let keepWithin, Self.milliseconds(keepWithin) == nil {
      throw ValidationError("--keep-within takes a number and a unit: s, m, h, d or w (such as 7d)")
    }
  }

  func run() throws {
    let entries = try BackupCatalog.entries(in: dir)
    let plan = try BackupCatalog.planPrune(
      entries, keep: keep, keepWithinMilliseconds: keepWithin.flatMap(Self.milliseconds),
      nowMilliseconds: HybridTimestamp.wallClockMilliseconds())
    if !dryRun { for entry in plan.remove { FileSystem.removeFile(entry.path) } }
    if !dryRun, !plan.remove.isEmpty { try FileSystem.syncDirectory(dir) }
    for entry in plan.unreadable {
      Output.diagnostic("warning: \(entry.path) cannot be read and was left in place: \(entry.problem?.message ?? "")")
    }
    if global.json {
      Output.document([
        ("dry_run", .bool(dryRun)),
        ("kept", .array(plan.keep.map { .string($0.path) })),
        ("removed", .array(plan.remove.map { .string($0.path) })),
        ("unreadable", .array(plan.unreadable.map { .string($0.path) })),
      ])
      return
    }
    for entry in plan.keep { Output.line("keep    \(entry.path)") }
    for entry in plan.remove { Output.line("\(dryRun ? "would remove" : "removed") \(entry.path)") }
  }

  /// "90m", "36h", "7d", "4w", "30s" in milliseconds.
  static func milliseconds(_ text: String) -> UInt64? {
    guard let unit = text.last, let count = UInt64(text.dropLast()), count > 0 else { return nil }
    let seconds: UInt64
    switch unit {
    case "s": seconds = 1
    case "m": seconds = 60
    case "h": seconds = 3600
    case "d": seconds = 86_400
    case "w": seconds = 604_800
    default: return nil
    }
    let (product, overflow) = count.multipliedReportingOverflow(by: seconds * 1000)
    return overflow ? nil : product
  }
}
