import ArgumentParser

/// A compression level option, 0 to 9; each command has its own default.
struct CompressionLevelOption: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "zlib compression level, 0 (store) to 9 (smallest). Default: 9 for snapshots (1 for a node's first, with no dictionary to search); for backups, the snapshot's blocks as they are (a delta, or a snapshot of an older format, is written anew at 6) and 6 for the WAL.",
      valueName: "0-9"))
  var level: Int?

  func validate() throws {
    if let level, !(0...9).contains(level) { throw ValidationError("--level must be 0 to 9") }
  }
}
