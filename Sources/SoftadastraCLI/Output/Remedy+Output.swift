import Softadastra

extension Remedy {
  /// The remedy in the words of this tool: its flags and commands.
  var commandLineWording: String {
    switch self {
    case .waitLonger: "retry later or raise --lock-timeout"
    case .createDirectory(let path): "create it with mkdir -p \(path)"
    case .salvage: "rerun with --salvage to keep every intact record"
    case .nameTheNode: "give the new WAL's node with --node-id"
    case .writeToAFile: "give --output for a file"
    case .restoreElsewhereOrReplace:
      "restore into another --data-dir, or pass --force to replace the node (its files are kept as *.pre-restore-<time>)"
    case .addressBundlesTo(let node): "bundles for this node are made with --peer \(node)"
    case .closeTheGap(let sender, let recipient):
      "import the bundles made before it first, or send '\(sender)' a bundle from this node (softadastra sync export --peer \(sender)) so that it learns where this node stands (after a restore from a backup, for example), or ask it for a full one (softadastra sync export --peer \(recipient) --full)"
    case .allowMoreTime: "raise --timeout to give it longer"
    case .replayIntoOneLogFirst:
      "write the whole state as one log first (softadastra wal-replay --output whole.wal), then convert whole.wal"
    case .restoreEarlierStateFromBackup(let byTime):
      "earlier states are in backups (softadastra restore \(byTime ? "--to-time" : "--to-lsn"))"
    case .chooseAnLSNTheLogHolds: "replay to an LSN it holds (wal-dump --stats shows its range)"
    case .convertToNative:
      "wal-dump, wal-verify and wal-replay read it; convert it with softadastra wal-convert --to native to write to it"
    case .chooseArchivedNode(let nodes): "give --from-node with one of: \(nodes.joined(separator: ", "))"
    case .restoreBeforeTheHole(let lsn): "find the missing segments, or restore with --to-lsn \(lsn) (or earlier)"
    }
  }
}

extension SoftadastraError {
  /// The message, then the remedy in the words of this tool.
  var commandLineDescription: String { message + (remedy.map { "; \($0.commandLineWording)" } ?? "") }
}
