import ArgumentParser
import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

extension SoftadastraCommand {
  /// `softadastra sync …`: propagating writes between nodes with bundles.
  struct Sync: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "sync",
      abstract: "Exchange writes with other nodes: status, bundles, live exchanges.",
      discussion: """
        Each node keeps, in its WAL, how far every peer has acknowledged its log. A bundle holds \
        the operations a peer lacks; importing one applies, for each key, the write with the \
        highest version (hybrid timestamp, then node id), so every node that has seen the same \
        writes holds the same values. Without a subcommand, shows the status.
        """,
      subcommands: [SyncStatus.self, SyncExport.self, SyncImport.self, SyncWith.self, SyncServe.self],
      defaultSubcommand: SyncStatus.self)
  }
}

/// Reading and writing bundles: files, standard input and output, and the pipes of a live exchange.
enum BundleIO {
  /// The bundle in `argument`, a file or - for standard input (which must hold one bundle).
  static func load(_ argument: String) throws -> SyncBundle {
    if argument == "-" { return try SyncBundle.decode(try StandardInput.readAll(), source: "standard input") }
    guard FileSystem.exists(argument) else { throw SoftadastraError(.notFound, "no bundle at \(argument)", path: argument) }
    let file = try SystemFile.openForReading(argument)
    defer { file.close() }
    return try SyncBundle.decode(try file.read(count: Int(try file.size()), at: 0), source: argument)
  }

  /// Writes bundle bytes to `argument`: a file, replaced atomically and synced, or - for
  /// standard output.
  static func save(_ bytes: [UInt8], to argument: String) throws {
    if argument == "-" {
      try write(bytes, to: 1, what: "standard output")
    } else {
      try FileSystem.writeAtomically(bytes, to: argument, temporarySuffix: ".part")
    }
  }

  static func write(_ bytes: [UInt8], to descriptor: Int32, what: String) throws {
    try SyncStream.write(bytes, to: descriptor, what: what)
  }
}

/// Text and JSON for what an import did.
enum SyncReport {
  static func line(_ result: SyncImportResult) -> String {
    "imported \(counted(result.received, "operation")) from \(result.sender) (\(result.applied) applied, \(result.ignored) already here or older), its log \(result.isFullState ? "in full" : "after LSN \(result.fromLSN)") up to LSN \(result.endLSN)"
  }

  static func json(_ result: SyncImportResult) -> JSONValue {
    .object([
      ("sender", .string(result.sender)), ("received", .number(result.received)), ("applied", .number(result.applied)),
      ("ignored", .number(result.ignored)), ("full_state", .bool(result.isFullState)), ("from_lsn", .number(result.fromLSN)),
      ("end_lsn", .number(result.endLSN)),
    ])
  }

}
