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
      subcommands: [SyncStatus.self, SyncExport.self, SyncImport.self, SyncWith.self, SyncServe.self, SyncForget.self],
      defaultSubcommand: SyncStatus.self)
  }
}

/// What the sync commands share.
enum SyncCommon {
  /// Seconds a live exchange may take by default.
  static let defaultTimeout: Double = 600
}

/// Reading and writing bundles: files, standard input and output, and the pipes of a live exchange.
enum BundleIO {
  /// The bundle in `argument`, a file or - for standard input (which must hold one bundle).
  static func load(_ argument: String) throws -> SyncBundle {
    if argument == "-" { return try SyncBundle.decode(try StandardInput.readAll(), source: "standard input") }
    guard FileSystem.exists(argument) else { throw SoftadastraError(.notFound, "no bundle at \(argument)", path: argument) }
    if let descriptor = try OutputTarget.openIfSpecial(argument, forReading: true) {
      defer { close(descriptor) }  // a FIFO or a device: read to its end, it has no size
      return try SyncBundle.decode(try StandardInput.readAll(from: descriptor), source: argument)
    }
    let file = try SystemFile.openForReading(argument)
    defer { file.close() }
    return try SyncBundle.decode(try file.read(count: Int(try file.size()), at: 0), source: argument)
  }

  /// Writes a bundle to `argument` (see `OutputTarget`: a regular file goes in as FILE.part,
  /// synced and renamed), or to standard output for -.
  static func save(_ bundle: SyncBundle, to argument: String) throws(SoftadastraError) {
    let bytes = try bundle.encoded()
    if argument == "-" { return try write(bytes, to: 1, what: "standard output") }
    if let descriptor = try OutputTarget.openIfSpecial(argument) {
      defer { close(descriptor) }
      return try write(bytes, to: descriptor, what: argument)
    }
    try FileSystem.writeAtomically(bytes, to: OutputTarget.path(argument), temporarySuffix: ".part")
  }

  private static func write(_ bytes: [UInt8], to descriptor: Int32, what: String) throws(SoftadastraError) {
    signal(SIGPIPE, SIG_IGN)  // a reader that goes away is an error to report, not a reason to die
    if let failure = Output.writeAll(descriptor, bytes) {
      throw SoftadastraError(
        .io, "cannot write the bundle to \(what): \(String(cString: strerror(failure))); it was not recorded as sent")
    }
  }
}

/// Text and JSON for what an import did.
enum SyncReport {
  static func line(_ result: SyncImportResult) -> String {
    if result.isStale {
      return "the bundle from \(result.sender) was made before one already imported from it (a duplicate or an old one): nothing applied"
    }
    return "imported \(counted(result.received, "operation")) from \(result.sender) (\(result.applied) applied, \(result.ignored) already here or older), its log \(result.isFullState ? "in full" : "after LSN \(result.fromLSN)") up to LSN \(result.endLSN)"
  }

  static func json(_ result: SyncImportResult) -> JSONValue {
    .object([
      ("sender", .string(result.sender)), ("received", .number(result.received)), ("applied", .number(result.applied)),
      ("ignored", .number(result.ignored)), ("full_state", .bool(result.isFullState)), ("stale", .bool(result.isStale)), ("from_lsn", .number(result.fromLSN)),
      ("end_lsn", .number(result.endLSN)),
    ])
  }

}
