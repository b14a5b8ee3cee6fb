import ArgumentParser
import Softadastra

/// `softadastra snapshot verify [FILE…]`: read every block of snapshots and check them.
struct SnapshotVerifyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify",
    abstract: "Check snapshots block by block (the node's, or the files given).",
    discussion: """
      Checks the header, footer and index checksums, then reads every page of the index and every \
      block: its CRC-32C, its decompressed size, its entries and their key order, and the counts; for a delta, also that the full \
      snapshot it names is beside it. Prints one line per snapshot; exits 65 when any is damaged, \
      naming the offset.
      """)

  @Argument(
    help: ArgumentHelp("Snapshot files (default: every snapshot of the node).", valueName: "file"),
    completion: .file())
  var files: [String] = []
  @OptionGroup var global: GlobalOptions

  func run() throws {
    let paths = files.isEmpty ? NodeFiles(walPath: global.resolvedWAL).snapshots().map(\.path) : files
    var damaged = 0
    var results: [JSONValue] = []
    for path in paths {
      do throws(SoftadastraError) {
        let reader = try SnapshotReader(path: path)
        try reader.verify()
        // A delta is of use only over the full snapshot it names, beside it.
        if reader.header.base != nil { _ = try SnapshotStack.open(path) }
        let info = SnapshotInfo(reader)
        if global.json {
          results.append(
            .object([("path", .string(path)), ("ok", .bool(true)), ("snapshot", info.json), ("error", .null)]))
        } else {
          Output.line(
            "ok       \(path): LSN \(info.lsn)\(info.deltaText), \(counted(info.keys, "key")), \(counted(reader.blockCount, "block")), \(info.sizeText)"
          )
        }
      } catch {
        if error.kind != .corrupt { throw error }
        damaged += 1
        if global.json {
          results.append(
            .object([
              ("path", .string(path)), ("ok", .bool(false)), ("snapshot", .null),
              (
                "error",
                .object([("message", .string(error.message)), ("offset", error.offset.map { .number($0) } ?? .null)])
              ),
            ]))
        } else {
          Output.line("damaged  \(path): \(error.message)")
        }
      }
    }
    if global.json {
      Output.document([
        ("snapshots", .array(results)),
        ("damaged", .number(damaged)),
      ])
    } else if paths.isEmpty {
      Output.line("no snapshots of \(global.resolvedWAL)")
    }
    if damaged > 0 { throw ExitStatus.dataError.exitCode }
  }
}
