import ArgumentParser
import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

/// Options every subcommand takes, after the subcommand path. Each also comes from the
/// environment; a command-line option wins over its variable.
struct GlobalOptions: ParsableArguments {
  @Option(
    name: .customLong(GlobalOption.dataDir.rawValue),
    help: ArgumentHelp("Directory of the node's files (env SOFTADASTRA_DATA_DIR; default: data).", valueName: "dir"),
    completion: .directory)
  var dataDir: String?

  @Option(
    name: .customLong(GlobalOption.nodeID.rawValue),
    help: ArgumentHelp("This node's id (env SOFTADASTRA_NODE_ID; default: softadastra).", valueName: "id"))
  var nodeID: String?

  @Option(
    name: .customLong(GlobalOption.wal.rawValue),
    help: ArgumentHelp("The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).", valueName: "path"),
    completion: .file())
  var wal: String?

  @Flag(
    name: .customLong(GlobalOption.noAutoFlush.rawValue),
    help: "Do not sync each write to disk before acknowledging it (faster, not durable).")
  var noAutoFlush = false

  @Option(
    name: .customLong(GlobalOption.lockTimeout.rawValue),
    // Unconditional: `--lock-timeout -1` is a value to refuse with a reason, not a missing one.
    parsing: .unconditional,
    help: ArgumentHelp("Seconds to wait for another writer's commit before exiting with 75.", valueName: "seconds"))
  var lockTimeout: Double = GlobalOptions.defaultLockTimeout

  @Option(
    name: .customLong(GlobalOption.checkpointBytes.rawValue),
    help: ArgumentHelp(
      "Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).",
      valueName: "bytes"))
  var checkpointBytes: UInt64?

  @Flag(name: .customLong(GlobalOption.json.rawValue), help: "Print machine-readable JSON instead of text.")
  var json = false

  /// Seconds a writer waits for another by default.
  static let defaultLockTimeout: Double = 10

  func validate() throws {
    guard lockTimeout >= 0, lockTimeout.isFinite else {
      throw ValidationError("--lock-timeout must be zero or more seconds")
    }
  }

  var resolvedDataDir: String { dataDir ?? environment("SOFTADASTRA_DATA_DIR") ?? "data" }
  var resolvedNodeID: String { explicitNodeID ?? "softadastra" }
  /// The node id given by option or environment, without the default.
  var explicitNodeID: String? { nodeID ?? environment("SOFTADASTRA_NODE_ID") }
  var resolvedCheckpointBytes: UInt64 {
    checkpointBytes ?? environment("SOFTADASTRA_CHECKPOINT_BYTES").flatMap { UInt64($0) }
      ?? ClientOptions.defaultCheckpointBytes
  }
  var resolvedWAL: String { walPath(forNode: resolvedNodeID) }
  /// The WAL option or variable, or the default path for node `id`.
  func walPath(forNode id: String) -> String { wal ?? environment("SOFTADASTRA_WAL") ?? "\(resolvedDataDir)/\(id).wal" }

  /// The log a command reads: `path`, or the node's WAL (see `NodeRecovery.requireWAL`).
  func logToRead(_ path: String?) throws(SoftadastraError) -> String {
    let walPath = path ?? resolvedWAL
    try NodeRecovery.requireWAL(at: walPath, lockTimeout: lockTimeout)
    return walPath
  }

  /// Client options for a command that writes (`forWriting`) or only reads; `createsNode` off
  /// for commands that work on an existing node only.
  func clientOptions(forWriting: Bool, loadsStore: Bool = true, createsNode: Bool = true) -> ClientOptions {
    var options = ClientOptions.persistent(nodeID: resolvedNodeID, walPath: resolvedWAL)
    options.autoFlush = !noAutoFlush
    options.lockTimeout = lockTimeout
    options.readOnly = !forWriting
    options.createsDirectory = forWriting && createsNode
    options.createsNode = createsNode
    options.loadsStoreOnOpen = loadsStore
    options.checkpointBytes = resolvedCheckpointBytes
    return options
  }

  /// An open client for this command; the caller closes it.
  func openClient(forWriting: Bool, loadsStore: Bool = true, createsNode: Bool = true) throws -> Client {
    let client = Client(clientOptions(forWriting: forWriting, loadsStore: loadsStore, createsNode: createsNode))
    try client.open()
    return client
  }

  /// Closes a client, first warning about any snapshot it had to skip.
  func close(_ client: Client) throws {
    for problem in client.skippedSnapshots {
      Output.diagnostic("warning: \(problem.message); read from an older snapshot or the full WAL instead")
    }
    try client.close()
    if let failure = client.backgroundCheckpointFailure {
      Output.diagnostic("warning: \(failure.commandLineDescription)")
    }
  }

  private func environment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    let text = String(cString: value)
    return text.isEmpty ? nil : text
  }
}
