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

      Chains of continuous archiving (softadastra archive --dir) are pruned whole, per node: a \
      base with every segment after it stays when it is among the newest --keep chains or its \
      last record is younger than --keep-within; the newest chain always stays. A damaged file, \
      or a segment whose base is gone, is never removed, only reported.
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
    let now = HybridTimestamp.wallClockMilliseconds()
    let age = keepWithin.flatMap(Self.milliseconds)
    let plan = try BackupCatalog.planPrune(
      try BackupCatalog.entries(in: dir), keep: keep, keepWithinMilliseconds: age, nowMilliseconds: now)
    var kept = plan.keep.map(\.path)
    var removed = plan.remove.map(\.path)
    var unreadable = plan.unreadable.map { ($0.path, $0.problem?.message ?? "") }
    // Chains of continuous archiving go whole: a base with its segments, or nothing.
    if (FileSystem.names(in: dir) ?? []).contains(where: { ArchiveNames.parse($0) != nil }) {
      let survey = try ArchiveSurvey.run(location: ArchiveDirectory(dir), quick: true)
      let chains = survey.planPrune(keep: keep, keepWithinMilliseconds: age, nowMilliseconds: now)
      let path = { (name: String) in dir.hasSuffix("/") ? dir + name : "\(dir)/\(name)" }
      kept += chains.keep.map(path)
      removed += chains.remove.map(path)
      unreadable += survey.problems.map { ($0.path ?? dir, $0.message) }
    }
    if !dryRun { for path in removed { FileSystem.removeFile(path) } }
    if !dryRun, !removed.isEmpty { try FileSystem.syncDirectory(dir) }
    for (path, problem) in unreadable {
      Output.diagnostic("warning: \(path) was left in place: \(problem)")
    }
    if global.json {
      Output.document([
        ("dry_run", .bool(dryRun)),
        ("kept", .array(kept.map { .string($0) })),
        ("removed", .array(removed.map { .string($0) })),
        ("unreadable", .array(unreadable.map { .string($0.0) })),
      ])
      return
    }
    for path in kept { Output.line("keep    \(path)") }
    for path in removed { Output.line("\(dryRun ? "would remove" : "removed") \(path)") }
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
