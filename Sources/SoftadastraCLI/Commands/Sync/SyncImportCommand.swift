import ArgumentParser
import Softadastra

/// `softadastra sync import FILE|-`: applies a bundle atomically.
struct SyncImportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Verify a bundle and apply it atomically.",
    discussion: """
      Checks the whole bundle first (checksums, format version, every operation); a damaged, \
      cut or unknown bundle exits 65 and changes nothing. Then, in one synced WAL batch, applies \
      each operation whose version beats the key's current one and records the sender's \
      acknowledgement. Importing a bundle again changes no value. With --reply, then writes the \
      bundle for the sender (what it lacks, and this acknowledgement). A bundle from standard \
      input or a FIFO is copied into $TMPDIR as it is checked; a whole state is applied in \
      memory that does not grow with it. A node that does not exist yet is created by a bundle \
      it can take (a new node joins this way); a whole state imported into a node that holds \
      nothing yet becomes its first snapshot instead of a WAL batch, unless --checkpoint-bytes \
      is 0.
      """)

  @Argument(help: ArgumentHelp("The bundle, or - for standard input.", valueName: "file"), completion: .file())
  var file: String
  @Option(
    help: ArgumentHelp("Then write the bundle for the sender here, or - for standard output.", valueName: "file"),
    completion: .file())
  var reply: String?
  @OptionGroup var global: GlobalOptions

  func run() throws {
    let bundle = try BundleIO.load(file)
    // Checked before the node is opened: a bundle this node cannot take must not create it.
    try bundle.header.checkAddressed(to: global.resolvedNodeID)
    if !FileSystem.exists(global.resolvedWAL) { try bundle.header.checkFollows(received: .start) }
    if let reply, reply != "-", !FileSystem.isDirectory(FileSystem.directory(of: reply)) {
      throw SoftadastraError(
        .notFound, "cannot write the reply to \(reply): its directory does not exist; nothing was imported", path: reply
      )
    }
    let client = try global.openClient(forWriting: true)
    let result = try client.applySyncBundle(bundle)
    if global.json {
      // With the reply on standard output, the report goes to standard error, still one JSON line.
      let report = Output.documentObject(result.members).serialized
      if reply == "-" { Output.standardError(report + "\n") } else { Output.line(report) }
    } else {
      if reply == "-" { Output.diagnostic(result.line) } else { Output.line(result.line) }
    }
    if let reply {
      do throws(SoftadastraError) {
        try client.sendSyncBundle(for: bundle.header.sender, to: try BundleIO.sink(for: reply))
      } catch {
        try? global.close(client)
        throw error.inContext("the bundle was imported, but the reply was not written")
      }
    }
    try global.close(client)
  }
}
