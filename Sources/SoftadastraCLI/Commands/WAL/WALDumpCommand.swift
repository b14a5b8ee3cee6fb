import ArgumentParser
import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

/// `softadastra wal-dump [PATH]`: every record, one line each.
struct WALDumpCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "wal-dump",
    abstract: "Print the WAL's records, one per line.",
    discussion: """
      Each line: lsn, byte offset, time (ISO 8601 UTC), operation, key and value (escaped; \
      values shortened past --max-value-bytes). --json prints JSON Lines (schema in \
      docs/json-output.md). Takes no lock: a record being appended is not shown until complete. \
      On a damaged WAL (a torn tail included, unless a writer is appending right now), prints \
      every valid record up to the damage, reports it on standard error and exits 65.
      """)

  @Argument(help: "The WAL to read (default: the one the global options name).", completion: .file()) var path: String?
  @Flag(help: "Print the file header first.") var header = false
  @Option(help: ArgumentHelp("Show at most this many bytes of each value.", valueName: "n")) var maxValueBytes = 64
  @Flag(help: "Show values whole.") var fullValues = false
  @Option(name: .customLong("from-lsn"), help: ArgumentHelp("Only records with this LSN or later.", valueName: "lsn"))
  var fromLSN: UInt64?
  @Option(name: .customLong("to-lsn"), help: ArgumentHelp("Only records with this LSN or earlier.", valueName: "lsn"))
  var toLSN: UInt64?
  @Option(help: ArgumentHelp("Stop after this many records.", valueName: "n")) var limit: Int?
  @Option(help: ArgumentHelp("Only puts or only deletes.", valueName: "put|delete")) var op: RecordFilter.OperationKind?
  @Option(help: ArgumentHelp("Only operations on this key.", valueName: "key")) var key: String?
  @Option(help: ArgumentHelp("Only operations on keys with this prefix.", valueName: "prefix")) var prefix: String?
  @Option(help: ArgumentHelp("Only records at or after this time (ISO 8601 UTC or @unix-seconds).", valueName: "time"))
  var since: TimeArgument?
  @Option(help: ArgumentHelp("Only records at or before this time.", valueName: "time")) var until: TimeArgument?
  @Flag(help: "Print counts, bytes, ranges and what compaction would reclaim instead of records.") var stats = false
  @Flag(help: "Keep printing records as a writer appends them, until interrupted.") var follow = false
  @OptionGroup var logFormat: FormatOption
  @OptionGroup var global: GlobalOptions

  func validate() throws {
    if let limit, limit < 0 { throw ValidationError("--limit must be zero or more") }
    if maxValueBytes < 0 { throw ValidationError("--max-value-bytes must be zero or more") }
    if stats && follow { throw ValidationError("--stats and --follow cannot be combined") }
  }

  func run() throws {
    let walPath = try global.logToRead(path)
    // Lines read each key and value where it lies; JSON, statistics and filters on keys take copies.
    let inPlace = !global.json && !stats && op == nil && key == nil && prefix == nil
    var reader = try LogFormat.openReader(path: walPath, format: logFormat.format, materialize: !inPlace)
    if header {
      let nativeHeader = reader.nativeHeader
      if global.json {
        Output.document([
          ("header", nativeHeader.map(RecordFormatting.json) ?? .object([("format", .string(reader.format.rawValue))]))
        ])
      } else {
        Output.line(nativeHeader.map(headerLine) ?? "header format=\(reader.format.rawValue)")
      }
    }
    // The loop runs on each reader's own type, not through the existential: opened from `any
    // LogReader`, every record went through witness tables and generic metadata (a tenth of a dump).
    switch reader {
    case var native as WALScanner: try dump(&native, walPath) { _, _ in [] }
    case var runtime as CppLogScanner:
      // A C++ runtime record has fields of its own, shown in JSON.
      try dump(&runtime, walPath) { scanner, scanned in
        let fields = scanner.runtimeFields(of: scanned)
        return [
          ("wal_type", .number(fields.type)), ("status", .number(fields.status)),
          (
            "op_timestamp",
            fields.operationMilliseconds.map { .string(ISO8601.string(milliseconds: UInt64(max(0, $0)))) } ?? .null
          ),
        ]
      }
    default: try dump(&reader, walPath) { _, _ in [] }
    }
  }

  /// Prints the records that pass the filters (or their statistics), following the log with
  /// --follow, then reports damage.
  ///
  /// `extraJSON` adds format-specific members to each record's JSON object, read from the
  /// scanner that read the record (a follower's has the bytes appended since it started).
  private func dump<R: LogReader>(
    _ scanner: inout R, _ walPath: String, extraJSON: (R, ScannedRecord) -> [(String, JSONValue)]
  ) throws {
    var filter = RecordFilter()
    filter.fromLSN = fromLSN
    filter.toLSN = toLSN
    filter.operation = op
    filter.key = key.map(ArgumentBytes.bytes)
    filter.prefix = prefix.map(ArgumentBytes.bytes)
    filter.since = since?.milliseconds
    filter.until = until?.milliseconds
    var statistics = WALStatistics()
    var printed = 0
    var times = RecordFormatting.TimeFormatter()
    // The options, read once: each read of a parsed option looks up its generic wrapper's type,
    // which per record was a tenth of a dump.
    let (limit, follow, stats, json) = (self.limit ?? .max, self.follow, self.stats, global.json)
    let valueLimit = fullValues ? nil : maxValueBytes
    while printed < limit {
      guard let scanned = try scanner.next() else {
        guard follow, !(scanner.ending?.isCorrupt ?? false) else { break }
        Output.flush()
        usleep(200_000)
        let replacements = scanner.replacements
        try scanner.refresh(sealed: NodeFiles(walPath: walPath).sealedLogs)
        if scanner.replacements != replacements {
          Output.diagnostic(
            "note: \(walPath) was replaced (a restore or a repair): following the new log from its start")
        }
        continue
      }
      guard filter.matches(scanned.record) else { continue }
      printed += 1
      if stats {
        statistics.add(scanned)
      } else if json {
        Output.document(RecordFormatting.members(of: scanned) + extraJSON(scanner, scanned))
      } else {
        let operation: Void? = try scanner.withOperation(of: scanned) { operation in
          Output.append {
            RecordFormatting.appendLine(scanned, operation: operation, valueLimit: valueLimit, times: &times, to: $0)
          }
        }
        if operation == nil {
          Output.append {
            RecordFormatting.appendLine(scanned, operation: nil, valueLimit: valueLimit, times: &times, to: $0)
          }
        }
      }
    }
    if stats { printStatistics(statistics) }
    try reportEnding(scanner.ending, walPath)
  }

  private func headerLine(_ header: WALHeader) -> String {
    "header format=native version=\(WALFormat.version) node=\(header.nodeID) created=\(ISO8601.string(milliseconds: UInt64(max(0, header.createdMilliseconds)))) first_lsn=\(header.firstLSN) header_bytes=\(header.size)"
  }

  private func reportEnding(_ ending: WALEnding?, _ walPath: String) throws {
    switch ending {
    case .tornTail(let torn) where !WriterLock.isHeld(walPath: walPath):
      throw SoftadastraError(
        .corrupt,
        "WAL \(walPath) ends in a torn tail: \(torn.bytes) bytes at offset \(torn.offset) after LSN \(torn.lastGoodLSN) (\(torn.problem)); repair with softadastra wal-verify --repair \(walPath)",
        path: walPath, offset: torn.offset, detail: LogDamage.tornTail(torn))
    case .corrupt(let corruption): throw SoftadastraError.damaged(path: walPath, corruption)
    default: break
    }
  }

  private func printStatistics(_ s: WALStatistics) {
    let time = { (ms: UInt64?) in ms.map { ISO8601.string(milliseconds: $0) } }
    if global.json {
      let tally = { (t: WALStatistics.Tally) -> JSONValue in
        .object([("records", .number(t.records)), ("bytes", .number(t.bytes))])
      }
      Output.document([
        ("puts", tally(s.puts)), ("deletes", tally(s.deletes)),
        ("other", tally(s.other)), ("records", .number(s.puts.records + s.deletes.records + s.other.records)),
        ("first_lsn", s.firstLSN.map { .number($0) } ?? .null), ("last_lsn", s.lastLSN.map { .number($0) } ?? .null),
        ("first_time", time(s.firstTime).map { .string($0) } ?? .null),
        ("last_time", time(s.lastTime).map { .string($0) } ?? .null),
        ("distinct_keys", .number(s.distinctKeys)), ("live_keys", .number(s.liveKeys)),
        ("reclaimable_bytes", .number(s.reclaimableBytes)),
      ])
      return
    }
    Output.line("records       : \(s.puts.records + s.deletes.records + s.other.records)")
    Output.line("  puts        : \(s.puts.records) (\(s.puts.bytes) bytes)")
    Output.line("  deletes     : \(s.deletes.records) (\(s.deletes.bytes) bytes)")
    Output.line("  other       : \(s.other.records) (\(s.other.bytes) bytes)")
    Output.line("LSNs          : \(s.firstLSN.map(String.init) ?? "-") .. \(s.lastLSN.map(String.init) ?? "-")")
    Output.line("time          : \(time(s.firstTime) ?? "-") .. \(time(s.lastTime) ?? "-")")
    Output.line("distinct keys : \(s.distinctKeys)")
    Output.line("live keys     : \(s.liveKeys)")
    Output.line("reclaimable   : \(s.reclaimableBytes) bytes (overwritten and deleted values, deletes)")
  }
}
