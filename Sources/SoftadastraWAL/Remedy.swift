/// What can be done about an error, said by what it is rather than by the knob of one front end:
/// the library words it for code that calls it (`wording`: "raise the lock timeout
/// (ClientOptions.lockTimeout)"), the command-line tool for its flags ("raise --lock-timeout").
/// `SoftadastraError.description` ends with the library's wording; code matches on the case.
public enum Remedy: Sendable, Equatable {
  /// Another process held a lock past the timeout: retry later, or wait longer.
  case waitLonger
  /// The directory at this path is missing: create it.
  case createDirectory(String)
  /// Damage stops the work: do it again as a salvage, keeping every intact record.
  case salvage
  /// The data names no node: name the node it is for.
  case nameTheNode
  /// A directory was given where an archive file is wanted.
  case writeToAFile
  /// The node exists where a restore would put one: restore elsewhere, or replace it.
  case restoreElsewhereOrReplace
  /// A bundle for another node: bundles for this node (its id) are addressed to it.
  case addressBundlesTo(String)
  /// A bundle starts after what this node applied of `sender`'s log: import the earlier
  /// bundles, or have `sender` send a full one to `recipient` (this node).
  case closeTheGap(sender: String, recipient: String)
  /// An exchange with a peer ran out of time: give it more.
  case allowMoreTime
  /// A log that continues a snapshot cannot be converted alone: replay the whole state into
  /// one log first, then convert that one.
  case replayIntoOneLogFirst
  /// The state asked for is older than the log holds: backups hold earlier states (to an LSN,
  /// or to a time when `byTime`).
  case restoreEarlierStateFromBackup(byTime: Bool)
  /// An LSN past the log's end: ask for one the log holds.
  case chooseAnLSNTheLogHolds
  /// A log of the C++ runtime where a native WAL is needed: convert it.
  case convertToNative
  /// An archive holds the chains of several nodes: say whose (one of these).
  case chooseArchivedNode([String])
  /// A chain of continuous archiving stops before a hole: restore up to this LSN at most.
  case restoreBeforeTheHole(UInt64)

  /// The remedy in words for code that calls the library.
  public var wording: String {
    switch self {
    case .waitLonger: "retry later or raise the lock timeout (ClientOptions.lockTimeout)"
    case .createDirectory(let path): "create \(path) first (a client creates it when its options say createsDirectory)"
    case .salvage: "do it again as a salvage (salvage: true) to keep every intact record"
    case .nameTheNode: "give the node id of the new WAL"
    case .writeToAFile: "give the path of a file to write the archive to"
    case .restoreElsewhereOrReplace:
      "restore into another directory, or force the restore to replace the node (its files are kept as *.pre-restore-<time>)"
    case .addressBundlesTo(let node):
      "bundles for this node are made for node '\(node)' (makeSyncBundle(for: \"\(node)\"))"
    case .closeTheGap(let sender, let recipient):
      "import the bundles made before it first, or send '\(sender)' a bundle from this node (makeSyncBundle(for: \"\(sender)\")) so that it learns where this node stands (after a restore from a backup, for example), or ask it for a full one (makeSyncBundle(for: \"\(recipient)\", fullState: true) on '\(sender)')"
    case .allowMoreTime: "give the exchange a longer timeout"
    case .replayIntoOneLogFirst:
      "replay the whole state into one log first (a Replayer with an output log), then convert that log"
    case .restoreEarlierStateFromBackup(let byTime):
      "earlier states are in backups (restore one to a target \(byTime ? "time" : "LSN"))"
    case .chooseAnLSNTheLogHolds: "replay to an LSN it holds"
    case .convertToNative:
      "read it with LogFormat.openReader, or convert it to a native WAL (WALConverter) to write to it"
    case .chooseArchivedNode(let nodes): "name the node to restore (one of \(nodes.joined(separator: ", ")))"
    case .restoreBeforeTheHole(let lsn):
      "find the missing segments, or restore to LSN \(lsn) at most (a target of LSN \(lsn) or before)"
    }
  }
}
