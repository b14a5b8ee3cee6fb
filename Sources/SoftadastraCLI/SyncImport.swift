import ArgumentParser
import Softadastra

/// `softadastra sync import FILE|-`: applies a bundle atomically.
struct SyncImport: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Verify a bundle and apply it atomically.",
    discussion: """
      Checks the whole bundle first (checksums, format version, every operation); a damaged, \
      cut or unknown bundle exits 65 and changes nothing. Then, in one synced WAL batch, applies \
      each operation whose version beats the key's current one and records the sender's \
      acknowledgement. Importing a bundle again changes no value. With --reply, writes the \
      bundle for the sender (what it lacks, and this acknowledgement).
      """)

  @Argument(help: ArgumentHelp("The bundle, or - for standard input.", valueName: "file")) var file: String
  @Option(help: ArgumentHelp("Then write the bundle for the sender here, or - for standard output.", valueName: "file"))
  var reply: String?
  @OptionGroup var global: GlobalOptions

  func run() throws {
    let bundle = try BundleIO.load(file)
    // Checked before the node is opened: a bundle for another node must not create this one.
    try bundle.checkAddressed(to: global.resolvedNodeID)
    let client = try global.openClient(forWriting: true)
    let result = try client.applySyncBundle(bundle)
    let answer = try reply.map { _ in try client.makeSyncBundle(for: bundle.sender) }
    try global.close(client)
    if let reply, let answer { try BundleIO.save(answer.encoded(), to: reply) }
    if global.json {
      if reply == "-" { Output.diagnostic(SyncReport.json(result).serialized) } else { Output.json(SyncReport.json(result)) }
    } else if reply == "-" {
      Output.diagnostic(SyncReport.line(result))
    } else {
      Output.line(SyncReport.line(result))
    }
  }
}
