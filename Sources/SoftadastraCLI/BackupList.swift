import ArgumentParser
import Softadastra

/// `softadastra backup list DIR`: the archives in a directory, newest first.
struct BackupList: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List the backup archives in a directory, newest first.",
    discussion: "Reads each archive's manifest (not its parts). An archive whose manifest cannot be read is listed as damaged.")

  @Argument(help: ArgumentHelp("The directory of archives.", valueName: "dir")) var dir: String
  @OptionGroup var global: GlobalOptions

  func run() throws {
    let entries = try BackupCatalog.entries(in: dir)
    if global.json {
      Output.json(
        .object([
          ("schema", .number(RecordFormatting.schemaVersion)),
          ("backups", .array(entries.map(entryJSON))),
        ]))
      return
    }
    for entry in entries {
      if let manifest = entry.manifest {
        Output.line("\(entry.path)  \(entry.size) bytes  \(manifestSummary(manifest))")
      } else {
        Output.line("\(entry.path)  \(entry.size) bytes  damaged: \(entry.problem?.message ?? "unreadable")")
      }
    }
  }
}

func entryJSON(_ entry: BackupCatalog.Entry) -> JSONValue {
  .object([
    ("path", .string(entry.path)), ("size_bytes", .number(entry.size)),
    ("manifest", entry.manifest.map(manifestJSON) ?? .null),
    ("problem", entry.problem.map { .string($0.message) } ?? .null),
  ])
}
