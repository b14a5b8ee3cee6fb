import ArgumentParser
import Softadastra

/// `softadastra restore FILE|-`: put a node back from a backup archive.
struct RestoreCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "restore",
    abstract: "Restore the node from a backup archive, whole or up to a point in time.",
    discussion: """
      Verifies the whole archive first (nothing is touched when that fails: exit 65), extracts \
      it into a temporary directory beside the target, syncs it, then moves it into place under \
      the writer lock through a restore journal: all or nothing, finished by the next command \
      if interrupted, undone if it fails. An existing node is replaced only with \
      --force, and its files are kept as *.pre-restore-<UTC time>. The node id comes from the \
      archive (the --node-id default below does not apply); --node-id restores it under another \
      id. Restored files are 0600, directories 0700.
      """)

  @OptionGroup var source: ArchiveSourceOptions
  @Option(
    name: .customLong("to-lsn"), help: ArgumentHelp("Restore the state at this LSN (inclusive).", valueName: "lsn"))
  var toLSN: UInt64?
  @Option(
    name: .customLong("to-time"),
    help: ArgumentHelp("Restore the state at this time (inclusive; ISO 8601 UTC or @unix-seconds).", valueName: "time"))
  var toTime: TimeArgument?
  @Flag(help: "Replace an existing node, keeping its files as *.pre-restore-<UTC time>.") var force = false
  @Flag(name: .customLong("dry-run"), help: "Verify and print what would be restored; change nothing.") var dryRun =
    false
  @Flag(help: "Show progress on standard error (the default when it is a terminal).") var progress = false
  @OptionGroup var global: GlobalOptions

  func run() throws {
    let target = ReplayTarget(lsn: toLSN, milliseconds: toTime?.milliseconds)
    if let location = source.chainLocation {
      try restore(try ArchiveChain(location: location, nodeID: source.fromNode, target: target))
    } else {
      let input = try ArchiveInput(source.file!)
      defer { input.close() }
      try restore(try BackupArchive(path: input.path, name: input.name))
    }
  }

  private func restore(_ archive: some RestoreSource) throws {
    // Only --node-id itself restores under another id; the environment variable does not.
    let nodeID = global.nodeID ?? archive.manifest.nodeID
    if nodeID != archive.manifest.nodeID {
      Output.diagnostic("note: restoring node \(archive.manifest.nodeID)'s backup as node \(nodeID), as --node-id asks")
    } else if let other = global.explicitNodeID, other != nodeID {
      Output.diagnostic(
        "note: the backup is node \(nodeID)'s, restored as \(nodeID) although SOFTADASTRA_NODE_ID is \(other); pass --node-id \(other) to restore under that id"
      )
    }
    let reporter = ProgressReporter.make("restore", requested: progress)
    defer { reporter?.finish() }
    let result = try Softadastra.Restore.run(
      archive: archive, walPath: global.walPath(forNode: nodeID), nodeID: nodeID,
      target: ReplayTarget(lsn: toLSN, milliseconds: toTime?.milliseconds), force: force, dryRun: dryRun,
      lockTimeout: global.lockTimeout
    ) { stage in
      switch stage {
      case .extracting(let done, let total): reporter?.report(done, total)
      case .checking: reporter?.step("checking the restored node")
      case .committing: reporter?.step("moving it into place")
      }
    }
    reporter?.finish()
    if global.json {
      Output.document([
        ("dry_run", .bool(dryRun)), ("node_id", .string(nodeID)),
        ("wal", .string(result.walPath)), ("lsn", .number(result.lsn)), ("keys", .number(result.keys)),
        ("written", .array(result.written.map { .string($0) })),
        ("kept_aside", .array(result.keptAside.map { .string($0) })),
        ("manifest", result.manifest.json),
        ("chain", chainJSON(archive)),
      ])
      return
    }
    let range =
      if let chain = archive as? ArchiveChain {
        "archive chain from \(chain.baseName) and \(counted(chain.segments.count, "segment")) after it, read to LSN \(chain.lastLSN)"
      } else {
        "backup holds LSN \(result.manifest.snapshotLSN) to \(result.manifest.lastLSN)"
      }
    Output.line(
      "\(dryRun ? "would restore" : "restored     "): node \(nodeID) at LSN \(result.lsn), \(counted(result.keys, "key")) (\(range))"
    )
    Output.line("WAL          : \(result.walPath)")
    for path in result.written where path != result.walPath { Output.line("snapshot     : \(path)") }
    for path in result.keptAside { Output.line("\(dryRun ? "would move   " : "kept as      "): \(path)") }
  }

  private func chainJSON(_ archive: some RestoreSource) -> JSONValue {
    guard let chain = archive as? ArchiveChain else { return .null }
    return .object([
      ("location", .string(chain.location)), ("base", .string(chain.baseName)),
      ("segments", .array(chain.segments.map { .string($0.name) })), ("last_lsn", .number(chain.lastLSN)),
    ])
  }
}
