import ArgumentParser
import Softadastra

/// `softadastra sync export --peer ID`: a bundle of what the peer lacks.
struct SyncExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write a bundle of the operations a peer lacks.",
    discussion: """
      The bundle holds the operations of this node's log after the position the peer last \
      acknowledged (writes of every origin: they relay through nodes), or the whole state \
      (values and tombstones) with --full or when that part of the log was compacted into a \
      snapshot, plus this node's acknowledgement of the peer's log. It is zlib-compressed and \
      CRC-checked (docs/sync-format.md), and written as it is made, in memory that does not \
      grow with it; carry it any way you trust. Once it is written, the \
      export is recorded as sent; takes the writer lock. The node must exist.
      """)

  @Option(help: ArgumentHelp("The node the bundle is for.", valueName: "id")) var peer: String
  @Option(
    name: .shortAndLong, help: ArgumentHelp("Where to write it, or - for standard output.", valueName: "file"),
    completion: .file())
  var output = "-"
  @Flag(help: "Send the whole state, not only what the peer has not acknowledged.") var full = false
  @OptionGroup var global: GlobalOptions

  func validate() throws {
    if global.json, output == "-" {
      throw ValidationError("--json prints a report on standard output: write the bundle with --output FILE")
    }
  }

  func run() throws {
    try OutputTarget.refuseTerminal(output, what: "a binary bundle")
    // The bundle is made from the node's files as the export reads them: no state to load first.
    let client = try global.openClient(forWriting: true, loadsStore: false, createsNode: false)
    let sent = try client.sendSyncBundle(for: peer, fullState: full, to: try BundleIO.sink(for: output))
    try global.close(client)
    let bundle = sent.header
    if global.json {
      return Output.document([
        ("peer", .string(peer)), ("output", .string(output)),
        ("operations", .number(sent.operationCount)), ("full_state", .bool(bundle.isFullState)),
        ("from_lsn", .number(bundle.fromLSN)), ("end_lsn", .number(bundle.end.lsn)),
      ])
    }
    let destination = output == "-" ? "standard output" : output
    Output.diagnostic(
      "exported \(counted(sent.operationCount, "operation")) for \(peer) (\(bundle.isFullState ? "the whole state" : "log after LSN \(bundle.fromLSN)") up to LSN \(bundle.end.lsn)) to \(destination)"
    )
  }
}
