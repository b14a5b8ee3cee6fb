import ArgumentParser
import Softadastra

/// `softadastra wal-replay [PATH]`: rebuild the state, to any point in time.
struct WALReplayCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "wal-replay",
    abstract: "Rebuild the store from the WAL, up to any LSN or time, and summarize, export or compact it.",
    discussion: """
      Recovery policies: strict fails on any damage; tolerate-tail (default) ignores only a torn \
      tail; point-in-time stops at the first damage and exits 65 if valid records follow it; \
      salvage skips damaged records and reports each. Batches stay atomic.
      """)

  @Argument(help: "The WAL to replay (default: the one the global options name).", completion: .file()) var path:
    String?
  @Option(name: .customLong("to-lsn"), help: ArgumentHelp("Stop at this LSN (inclusive).", valueName: "lsn"))
  var toLSN: UInt64?
  @Option(help: ArgumentHelp("Stop at this time (inclusive; ISO 8601 UTC or @unix-seconds).", valueName: "time"))
  var toTime: TimeArgument?
  @Flag(help: "Stop just before --to-lsn / --to-time instead of at it.") var exclusive = false
  @Option(help: ArgumentHelp("strict, tolerate-tail, point-in-time or salvage.", valueName: "policy"))
  var recovery: RecoveryPolicy = .tolerateTail
  @Flag(help: "Print the resulting state as JSON Lines (as store export does).") var export = false
  @Option(
    help: ArgumentHelp("Write the resulting state to a new, compacted WAL.", valueName: "new.wal"),
    completion: .file())
  var output: String?
  @OptionGroup var logFormat: FormatOption
  @OptionGroup var global: GlobalOptions

  func validate() throws {
    if exclusive, toLSN == nil, toTime == nil { throw ValidationError("--exclusive goes with --to-lsn or --to-time") }
    if export, output != nil { throw ValidationError("--export and --output cannot be combined") }
  }

  func run() throws {
    let walPath = try global.logToRead(path)
    let started = ContinuousClock.now
    let result = try Replayer.replay(
      path: walPath, policy: recovery,
      target: ReplayTarget(lsn: toLSN, milliseconds: toTime?.milliseconds, exclusive: exclusive),
      format: logFormat.format)
    let seconds = started.duration(to: .now).seconds
    for region in result.damage {
      let what =
        switch recovery {
        case .salvage: "skipped damaged"
        case .pointInTime where !region.isTail: "stopped at damaged"
        default: "ignored a torn tail of"
        }
      Output.diagnostic("warning: \(what) \(RecordFormatting.describe(region))")
    }
    if let output { try result.writeCompactedWAL(to: output) }
    if export {
      var lines = ExportLines()
      // The lines gathered go out even when a later entry fails: the output is then a prefix of the export.
      defer { lines.flush() }
      try result.state.forEachInPlace { (entry) throws(SoftadastraError) -> Bool in
        try entry.withKeyAndValue { key, value in lines.add(key: key, value: value) }
        return true
      }
    } else {
      try summary(result, seconds: seconds)
    }
    if result.stoppedBeforeValidRecords {
      throw SoftadastraError(
        .corrupt,
        "stopped at damage at offset \(result.damage[0].offset) (LSN \(result.damage[0].expectedLSN)); valid records follow it: the state above is not the whole history",
        path: walPath, offset: result.damage[0].offset)
    }
  }

  private func summary(_ result: ReplayResult, seconds: Double) throws {
    let keys = try result.keyCount()
    let time = result.lastTimestamp.map { ISO8601.string(milliseconds: $0.milliseconds) }
    if global.json {
      Output.document([
        ("records_applied", .number(result.recordsApplied)),
        ("keys", .number(keys)), ("last_lsn", result.lastLSN.map { .number($0) } ?? .null),
        ("last_time", time.map { .string($0) } ?? .null), ("reached_target", .bool(result.reachedTarget)),
        ("damage", .array(result.damage.map(RecordFormatting.json))), ("output", output.map { .string($0) } ?? .null),
        ("milliseconds", .number(Int(seconds * 1000))), ("base_snapshot", result.baseSnapshot.map(\.json) ?? .null),
      ])
      return
    }
    if let base = result.baseSnapshot {
      Output.line(
        "from snapshot   : \(base.path) (LSN \(base.lsn)\(base.baseLSN.map { ", a delta over LSN \($0)" } ?? ""), \(counted(base.keys, "key")))"
      )
    }
    Output.line("records applied : \(result.recordsApplied)")
    Output.line("keys            : \(keys)")
    Output.line("last LSN        : \(result.lastLSN.map(String.init) ?? "-")")
    Output.line("last time       : \(time ?? "-")")
    if let output { Output.line("compacted WAL   : \(output)") }
  }
}
