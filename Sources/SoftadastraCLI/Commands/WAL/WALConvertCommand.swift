import ArgumentParser
import Softadastra

/// `softadastra wal-convert --to FORMAT SRC DEST`: migrate between log formats.
struct WALConvertCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "wal-convert",
    abstract: "Convert a log between the native format and the C++ runtime's format (cpp-v1).",
    discussion: """
      Keeps every operation, its order, its sequence number (as LSN) and its time. Converting a \
      C++ runtime log to native needs --node-id. A damaged source is refused unless --salvage, \
      which converts every intact record. DEST must not exist; it is written atomically.
      """)

  @Option(help: ArgumentHelp("The format to write: native or cpp-v1.", valueName: "format")) var to: LogFormat
  @Argument(help: "The log to read (either format, recognised by its bytes).", completion: .file()) var source: String
  @Argument(help: "The new log to write.", completion: .file()) var destination: String
  @Flag(help: "Convert every intact record of a damaged source, skipping the damage.") var salvage = false
  @OptionGroup var global: GlobalOptions

  func run() throws {
    let summary = try WALConverter.convert(
      source: try global.logToRead(source), to: to, destination: destination, nodeID: global.explicitNodeID,
      salvage: salvage)
    for region in summary.dropped { Output.diagnostic("warning: skipped damaged \(RecordFormatting.describe(region))") }
    if summary.leftOut > 0 {
      Output.diagnostic(
        "note: left out \(summary.leftOut) record\(summary.leftOut == 1 ? "" : "s") that \(summary.leftOut == 1 ? "is" : "are") not a store operation (\(to.rawValue) has no equivalent)"
      )
    }
    if summary.operationTimesLost > 0 {
      Output.diagnostic(
        "note: \(summary.operationTimesLost) operation\(summary.operationTimesLost == 1 ? "" : "s") had a time of \(summary.operationTimesLost == 1 ? "its" : "their") own more than 1 ms from the record's (received from peers); the converted log keeps the record's time"
      )
    }
    if global.json {
      Output.document([
        ("from", .string(summary.sourceFormat.rawValue)),
        ("to", .string(to.rawValue)), ("operations", .number(summary.operations)),
        ("dropped", .array(summary.dropped.map(RecordFormatting.json))),
        ("dropped_out_of_order", .number(summary.droppedOutOfOrder)), ("left_out", .number(summary.leftOut)),
        ("operation_times_lost", .number(summary.operationTimesLost)),
      ])
    } else {
      Output.line(
        "converted \(counted(summary.operations, "operation")) from \(summary.sourceFormat.rawValue) to \(to.rawValue): \(destination)"
      )
    }
  }
}
