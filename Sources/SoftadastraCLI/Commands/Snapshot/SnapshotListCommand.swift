import ArgumentParser
import Softadastra

/// `softadastra snapshot list`: the node's snapshots and archived WALs.
struct SnapshotListCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List the node's snapshots and archived WALs, newest snapshot first.",
    discussion: "Reads only headers and footers. A snapshot that cannot be opened is listed as damaged.")

  @OptionGroup var global: GlobalOptions

  func run() throws {
    let files = NodeFiles(walPath: global.resolvedWAL)
    // A node with nothing at all is a mistyped --data-dir or --node-id, not an empty list.
    guard FileSystem.exists(files.walPath) || files.hasHistoryFiles else {
      throw NodeRecovery.missingWAL(files.walPath, files: files)
    }
    var snapshots: [JSONValue] = []
    for (lsn, path) in files.snapshots() {
      let reader = try? SnapshotReader(path: path)
      if global.json {
        snapshots.append(
          reader.map { SnapshotInfo($0).json }
            ?? .object([("path", .string(path)), ("lsn", .number(lsn)), ("damaged", .bool(true))]))
      } else if let reader {
        let info = SnapshotInfo(reader)
        Output.line(
          "snapshot  LSN \(info.lsn)\(info.deltaText)  \(counted(info.keys, "key"))  \(counted(info.bytes, "byte"))  \(path)"
        )
      } else {
        Output.line("snapshot  LSN \(lsn)  damaged (softadastra snapshot verify \(path))  \(path)")
      }
    }
    var segments: [JSONValue] = []
    for (firstLSN, path) in files.segments() {
      let size = (try? SystemFile.openForReading(path).size()) ?? 0
      if global.json {
        segments.append(
          .object([("path", .string(path)), ("first_lsn", .number(firstLSN)), ("size_bytes", .number(size))]))
      } else {
        Output.line("archived  LSN \(firstLSN)…  \(size) bytes  \(path)")
      }
    }
    if global.json {
      Output.document([
        ("snapshots", .array(snapshots)),
        ("archived_wals", .array(segments)),
      ])
    }
  }
}
