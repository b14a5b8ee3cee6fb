import ArgumentParser
import Softadastra

/// `softadastra backup list DIR`: the archives in a directory, newest first.
struct BackupListCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List the backup archives in a directory, newest first.",
    discussion:
      "Reads each archive's manifest (not its parts). An archive whose manifest cannot be read is listed as damaged.")

  @Argument(help: ArgumentHelp("The directory of archives.", valueName: "dir"), completion: .directory) var dir: String
  @OptionGroup var global: GlobalOptions

  func run() throws {
    let entries = try BackupCatalog.entries(in: dir)
    if global.json {
      Output.document([

        ("backups", .array(entries.map(\.json)))
      ])
      return
    }
    for entry in entries {
      if let manifest = entry.manifest {
        Output.line("\(entry.path)  \(entry.size) bytes  \(manifest.summary)")
      } else {
        Output.line("\(entry.path)  \(entry.size) bytes  damaged: \(entry.problem?.message ?? "unreadable")")
      }
    }
  }
}
