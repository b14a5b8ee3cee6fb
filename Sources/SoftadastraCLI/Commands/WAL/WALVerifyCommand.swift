import ArgumentParser
import Softadastra

/// `softadastra wal-verify [PATH]`: check every byte; repair on request.
struct WALVerifyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "wal-verify",
    abstract: "Check the WAL's header, every record's CRC, LSNs and payloads; repair on request.",
    discussion: """
      Reports one of: clean, torn-tail, corrupt, bad-header. Exits 0 only for clean, 65 for any \
      damage, 66 when the file is missing. --repair cuts a torn tail; with --salvage it also \
      rebuilds a log around damage in the middle, keeping every intact record. A repair takes \
      the writer lock, first copies the original to <wal>.broken-<UTC time> (or --backup-to), \
      writes the new file beside it, syncs it and renames it into place. --dry-run says what it \
      would do and changes nothing.
      """)

  @Argument(help: "The WAL to check (default: the one the global options name).", completion: .file()) var path: String?
  @Flag(help: "Cut a torn tail off (and, with --salvage, repair damage in the middle).") var repair = false
  @Flag(help: "With --repair: keep every intact record around damage in the middle.") var salvage = false
  @Option(
    help: ArgumentHelp("With --repair: copy the original here instead of <wal>.broken-<time>.", valueName: "path"),
    completion: .file())
  var backupTo: String?
  @Flag(help: "With --repair: say what would be done and change nothing.") var dryRun = false
  @OptionGroup var logFormat: FormatOption
  @OptionGroup var global: GlobalOptions

  func validate() throws {
    if !repair, salvage || dryRun || backupTo != nil {
      throw ValidationError("--salvage, --dry-run and --backup-to go with --repair")
    }
  }

  func run() throws {
    let walPath = try global.logToRead(path)
    guard repair else {
      let report = try WALVerifier.verify(path: walPath, format: logFormat.format)
      show(report)
      if report.status != .clean { throw ExitStatus.dataError.exitCode }
      return
    }
    let result = try WALRepair.repair(
      path: walPath, salvage: salvage, backupPath: backupTo, dryRun: dryRun, lockTimeout: global.lockTimeout,
      format: logFormat.format)
    let after = result.dryRun || result.action == .none ? nil : try WALVerifier.verify(path: walPath)
    show(result, after: after)
    if result.dryRun, result.action != .none { throw ExitStatus.dataError.exitCode }
    if let after, after.status != .clean { throw ExitStatus.dataError.exitCode }
  }

  private func show(_ report: VerificationReport) {
    if global.json {
      Output.document(report.members)
      return
    }
    text(report).forEach(Output.line)
  }

  private func text(_ report: VerificationReport) -> [String] {
    var lines = ["\(report.path): \(report.status.rawValue)"]
    if report.format == .cppV1 {
      lines.append("  format     : cpp-v1 (the C++ Softadastra runtime's log: no header, FNV-1a payload checksums)")
    } else if let header = report.header {
      lines.append("  format     : native v\(WALFormat.version), node \(header.nodeID), first LSN \(header.firstLSN)")
    } else if let problem = report.headerProblem {
      lines.append("  header     : \(problem)")
      return lines
    }
    let range = report.firstLSN.map { " (LSN \($0)..\(report.lastLSN!))" } ?? ""
    lines.append("  records    : \(counted(report.records, "valid record"))\(range)")
    let rate =
      report.bytesChecked >= 1_000_000 && report.seconds > 0
      ? " (\(Int(Double(report.bytesChecked) / report.seconds / 1_000_000)) MB/s)" : ""
    lines.append("  checked    : \(report.bytesChecked) of \(report.fileSize) bytes\(rate)")
    for warning in report.warnings { lines.append("  warning    : \(warning)") }
    if report.appendingBytes > 0 {
      lines.append("  appending  : \(report.appendingBytes) bytes being written by a running writer (not data yet)")
    }
    if let torn = report.tornTail {
      lines.append(
        "  torn tail  : \(torn.bytes) bytes at offset \(torn.offset) after LSN \(torn.lastGoodLSN): \(torn.problem)")
      lines.append("  repair     : softadastra wal-verify --repair \(report.path)")
    }
    if let corruption = report.corruption {
      lines.append(
        "  damage     : offset \(corruption.offset), expected LSN \(corruption.expectedLSN): \(corruption.problem)")
      lines.append("  after it   : \(counted(report.recordsAfterDamage, "valid record"))")
      for region in report.damage { lines.append("  region     : \(RecordFormatting.describe(region))") }
      lines.append(
        "  repair     : softadastra wal-verify --repair --salvage \(report.path) (keeps every intact record outside broken batches)"
      )
    }
    return lines
  }

  private func show(_ result: RepairResult, after: VerificationReport?) {
    if global.json {
      Output.document([
        ("action", .string(result.action.rawValue)),
        ("dry_run", .bool(result.dryRun)), ("before", result.before.json),
        ("backup", result.backupPath.map { .string($0) } ?? .null), ("kept_records", .number(result.keptRecords)),
        ("dropped", .array(result.dropped.map(RecordFormatting.json))), ("new_size", .number(result.newSize)),
        ("after", after.map(\.json) ?? .null),
      ])
      return
    }
    let verb = result.dryRun ? "would" : "did"
    text(result.before).forEach(Output.line)
    switch result.action {
    case .none: Output.line("repair: nothing to do")
    case .truncateTail, .salvage:
      Output.line("repair (\(result.action.rawValue)): \(verb) copy the original to \(result.backupPath!)")
      for region in result.dropped { Output.line("  drop       : \(RecordFormatting.describe(region))") }
      Output.line("  keep       : \(counted(result.keptRecords, "record")), \(result.newSize) bytes")
      if let after { Output.line("after repair: \(after.status.rawValue)") }
    }
  }
}
