import ArgumentParser
import Softadastra

/// `softadastra store import [FILE|-]`: many puts as one atomic, durable batch.
struct StoreImportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Import key/value lines as one atomic batch.",
    discussion: """
      Reads key<TAB>value lines (or JSON Lines with --format jsonl, the objects store export \
      writes). The whole file is one batch with one sync: after a crash either all of it is \
      there or none. A malformed line rejects the whole import, naming its line, and writes nothing.
      """)

  @Argument(help: "The file to read; '-' or nothing reads standard input.", completion: .file()) var file: String = "-"
  @Option(help: "tsv (key<TAB>value) or jsonl.") var format: KeyValueLines.Format = .tsv
  @OptionGroup var global: GlobalOptions

  func run() throws {
    let input = file == "-" ? try StandardInput.readAll() : try readFile(file)
    let operations = try KeyValueLines.operations(from: input, format: format)
    let client = try global.openClient(forWriting: true, loadsStore: false)
    let lsns = try client.commit(operations)
    try global.close(client)
    if global.json {
      Output.document([
        ("imported", .number(operations.count)),
        ("first_lsn", lsns.map { .number($0.lowerBound) } ?? .null),
        ("last_lsn", lsns.map { .number($0.upperBound) } ?? .null),
      ])
    }
  }

  private func readFile(_ path: String) throws -> [UInt8] {
    let file = try SystemFile.openForReading(path)
    return try file.read(count: Int(file.size()), at: 0)
  }
}
