import ArgumentParser
import Softadastra

/// `softadastra store export`: every key and value as JSON Lines, in key order.
struct StoreExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Print every key and value as JSON Lines, in key order.",
    discussion: """
      Each line is {"key":"…","value":"…"}, with "encoding":"base64" for a value that is not \
      UTF-8 (and "key_encoding":"base64" for such a key): what store import --format jsonl reads.
      """)

  @Option(help: ArgumentHelp("Only keys that start with this prefix.", valueName: "prefix")) var prefix: String = ""
  @OptionGroup var global: GlobalOptions

  func run() throws {
    let client = try global.openClient(forWriting: false)
    var lines = ExportLines()
    // The lines gathered go out even when a later entry fails: the output is then a prefix of the export.
    defer { lines.flush() }
    try client.forEachEntryInPlace(prefix: ArgumentBytes.bytes(prefix)) { key, value in
      lines.add(key: key, value: value)
      return true
    }
    try global.close(client)
  }
}
