import ArgumentParser
import Softadastra

/// `softadastra status`: the node, its WAL, its store and its sync outbox.
struct StatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Show the node's WAL, store and sync state.",
    discussion: "Reads the WAL without taking the writer lock, so it can run while a writer is working.")

  @OptionGroup var global: GlobalOptions

  func run() throws {
    let options = global.clientOptions(forWriting: false)
    var summary: WALSummary?
    var keys = 0
    var outbox = 0
    var snapshot: SnapshotInfo?
    // A log of another format is read, not opened as a node.
    if FileSystem.exists(options.walPath!), try LogFormat.detect(path: options.walPath!) != .native {
      try showForeignLog(options.walPath!)
      return
    }
    // What the first write would refuse is no all-clear: an invalid node id, a data directory
    // that is a file.
    try options.validate()
    if FileSystem.exists(FileSystem.directory(of: options.walPath!)) {
      try WALWriter.checkBeforeLocking(path: options.walPath!, nodeID: options.nodeID)
    }
    // A WAL deleted beside its snapshots is damage, not a node that has not written yet.
    if FileSystem.exists(options.walPath!) || NodeFiles(walPath: options.walPath!).hasHistoryFiles {
      let client = try global.openClient(forWriting: false)
      summary = try client.walSummary()
      keys = client.size
      outbox = try client.syncState().outboxSize
      snapshot = try client.currentSnapshot()
      try global.close(client)
    }
    if global.json {
      Output.document(members(options, summary, snapshot, keys: keys, outbox: outbox))
    } else {
      text(options, summary, snapshot, keys: keys, outbox: outbox).forEach(Output.line)
    }
  }

  /// A log of another format (the C++ runtime's): what verification and replay find (it has no
  /// node id, no outbox).
  private func showForeignLog(_ path: String) throws {
    let report = try WALVerifier.verify(path: path)
    let result = try Replayer.replay(path: path, policy: .tolerateTail)
    let keys = try result.keyCount()
    if global.json {
      Output.document([
        ("node_id", .null),
        (
          "wal",
          .object([
            ("enabled", .bool(true)), ("path", .string(path)), ("format", .string(report.format.rawValue)),
            ("exists", .bool(true)), ("size_bytes", .number(report.fileSize)), ("records", .number(report.records)),
            ("first_lsn", report.firstLSN.map { .number($0) } ?? .null),
            ("last_lsn", report.lastLSN.map { .number($0) } ?? .null),
            (
              "torn_tail",
              report.tornTail.map { .object([("offset", .number($0.offset)), ("bytes", .number($0.bytes))]) } ?? .null
            ),
          ])
        ),
        ("store", .object([("keys", .number(keys))])),
      ])
      return
    }
    Output.line("node       : - (a \(report.format.rawValue) log names no node)")
    Output.line("WAL")
    Output.line("  path       : \(path)")
    Output.line(
      "  format     : \(report.format.rawValue) (read-only here; softadastra wal-convert --to native migrates it)")
    extentLines(
      size: report.fileSize, records: report.records, firstLSN: report.firstLSN, lastLSN: report.lastLSN,
      tornTail: report.tornTail, whatHappensToIt: "repair: softadastra wal-verify --repair"
    ).forEach(Output.line)
    Output.line("Store")
    Output.line("  keys       : \(keys)")
  }

  /// A log's size, records, LSN range and torn tail, and what becomes of the tail.
  private func extentLines(
    size: UInt64, records: Int, firstLSN: UInt64?, lastLSN: UInt64?, tornTail: TornTail?, whatHappensToIt: String
  ) -> [String] {
    [
      "  size       : \(size) bytes", "  records    : \(records)",
      "  first LSN  : \(firstLSN.map(String.init) ?? "-")", "  last LSN   : \(lastLSN.map(String.init) ?? "-")",
      "  torn tail  : " + (tornTail.map { "\($0.bytes) bytes at offset \($0.offset) (\(whatHappensToIt))" } ?? "none"),
    ]
  }

  /// The latest repair the log records: a torn tail cut, or LSNs a salvage dropped.
  private func lastRepair(_ summary: WALSummary) -> String {
    let time = { (timestamp: HybridTimestamp) in ISO8601.string(milliseconds: timestamp.milliseconds) }
    let cut = summary.lastTailRepair
    if let lost = summary.lastLostRange, cut.map({ $0.timestamp <= lost.timestamp }) ?? true {
      return
        "salvage on \(time(lost.timestamp)) dropped LSN \(lost.firstLSN)\(lost.count > 1 ? "-\(lost.firstLSN + lost.count - 1)" : "") with \(lost.bytes) damaged bytes at offset \(lost.offset) (\(counted(summary.lostLSNs, "LSN")) lost in all)"
    }
    return cut.map { "\($0.bytes) torn bytes cut at offset \($0.offset) on \(time($0.timestamp))" } ?? "none"
  }

  private func text(_ options: ClientOptions, _ summary: WALSummary?, _ snapshot: SnapshotInfo?, keys: Int, outbox: Int)
    -> [String]
  {
    var lines = ["node       : \(options.nodeID)", "WAL"]
    lines.append("  enabled    : yes")
    lines.append("  path       : \(options.walPath!)")
    lines.append("  durable    : \(options.autoFlush ? "yes" : "no")")
    lines.append(
      "  writer     : \(WriterLock.holder(walPath: options.walPath!).map { "\($0) holds the lock" } ?? "none now")")
    guard let summary else {
      lines.append("  exists     : no (created by the first write)")
      return lines + ["Store", "  keys       : 0", "Sync", "  outbox     : 0"]
    }
    lines.append("  exists     : yes")
    lines += extentLines(
      size: summary.fileSize, records: summary.records, firstLSN: summary.firstLSN, lastLSN: summary.lastLSN,
      tornTail: summary.tornTail, whatHappensToIt: "not data; the next writer cuts them off")
    lines.append("  last repair: " + lastRepair(summary))
    lines.append("Snapshot")
    if let snapshot {
      lines.append("  path       : \(snapshot.path)")
      lines.append("  LSN        : \(snapshot.lsn)")
      if let base = snapshot.baseLSN { lines.append("  delta over : the full snapshot at LSN \(base)") }
      lines.append("  keys       : \(snapshot.keys)")
      lines.append("  size       : \(snapshot.sizeText)")
      lines.append("  created    : \(ISO8601.string(milliseconds: UInt64(max(0, snapshot.createdMilliseconds))))")
    } else {
      lines.append("  none (softadastra snapshot saves one)")
    }
    lines += ["Store", "  keys       : \(keys)", "Sync", "  outbox     : \(outbox)", "Archive"]
    let lastLSN = summary.lastLSN ?? snapshot?.lsn ?? 0
    switch archiveState(options.walPath!) {
    case .success(nil): lines.append("  none (softadastra archive ships the log as it is written)")
    case .success(let state?):
      lines.append(
        "  destination: \(state.destination.isEmpty ? "none yet (a first base is being made, or could not be stored)" : state.destination)"
      )
      lines.append(
        "  shipped    : up to LSN \(state.shippedLSN) (\(counted(lastLSN > state.shippedLSN ? lastLSN - state.shippedLSN : 0, "LSN")) behind), base at LSN \(state.baseLSN)"
      )
      lines.append(
        "  archiver   : \(CheckpointLock.isHeld(walPath: options.walPath!, role: .archiver) ? "running" : "not running")"
      )
      lines.append(
        "  last stored: \(state.lastShippedMilliseconds > 0 ? ISO8601.string(milliseconds: UInt64(state.lastShippedMilliseconds)) : "never")"
      )
      lines.append("  failures   : \(state.failures)\(state.lastError.isEmpty ? "" : " (last: \(state.lastError))")")
    case .failure(let error): lines.append("  damaged    : \(error.message)")
    }
    return lines
  }

  private func archiveState(_ walPath: String) -> Result<ArchiveState?, SoftadastraError> {
    Result { () throws(SoftadastraError) in try ArchiveState.load(walPath: walPath) }
  }

  private func archiveJSON(_ walPath: String, lastLSN: UInt64) -> JSONValue {
    switch archiveState(walPath) {
    case .success(nil): return .null
    case .success(let state?):
      guard case .object(var members) = state.json else { return state.json }
      members.append(("behind_lsns", .number(lastLSN > state.shippedLSN ? lastLSN - state.shippedLSN : 0)))
      members.append(("running", .bool(CheckpointLock.isHeld(walPath: walPath, role: .archiver))))
      return .object(members)
    case .failure(let error): return .object([("damaged", error.problemJSON)])
    }
  }

  private func members(
    _ options: ClientOptions, _ summary: WALSummary?, _ snapshot: SnapshotInfo?, keys: Int, outbox: Int
  ) -> [(String, JSONValue)] {
    var wal: [(String, JSONValue)] = [
      ("enabled", .bool(true)), ("path", .string(options.walPath!)), ("format", .string(LogFormat.native.rawValue)),
      ("durable", .bool(options.autoFlush)),
      (
        "writer",
        WriterLock.holder(walPath: options.walPath!).map {
          .object([("pid", .number(UInt64($0.pid))), ("command", .string($0.command))])
        } ?? .null
      ),
      ("exists", .bool(summary != nil)),
    ]
    if let summary {
      wal += [
        ("size_bytes", .number(summary.fileSize)), ("records", .number(summary.records)),
        ("first_lsn", summary.firstLSN.map { .number($0) } ?? .null),
        ("last_lsn", summary.lastLSN.map { .number($0) } ?? .null),
        (
          "torn_tail",
          summary.tornTail.map { .object([("offset", .number($0.offset)), ("bytes", .number($0.bytes))]) } ?? .null
        ),
        (
          "lost_lsns", .number(summary.lostLSNs)
        ),
        (
          "last_lost_range",
          summary.lastLostRange.map {
            .object([
              ("first_lsn", .number($0.firstLSN)), ("count", .number($0.count)), ("offset", .number($0.offset)),
              ("bytes", .number($0.bytes)), ("time", .string(ISO8601.string(milliseconds: $0.timestamp.milliseconds))),
            ])
          } ?? .null
        ),
        (
          "last_tail_repair",
          summary.lastTailRepair.map {
            .object([
              ("offset", .number($0.offset)), ("bytes", .number($0.bytes)),
              ("time", .string(ISO8601.string(milliseconds: $0.timestamp.milliseconds))),
            ])
          } ?? .null
        ),
      ]
    }
    return [
      ("node_id", .string(options.nodeID)), ("wal", .object(wal)),
      ("snapshot", snapshot.map(\.json) ?? .null), ("store", .object([("keys", .number(keys))])),
      ("sync", .object([("outbox_size", .number(outbox))])),
      ("archive", archiveJSON(options.walPath!, lastLSN: summary?.lastLSN ?? snapshot?.lsn ?? 0)),
    ]
  }
}
