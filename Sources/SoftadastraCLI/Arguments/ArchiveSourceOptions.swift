import ArgumentParser
import Softadastra

/// What `restore` and `backup verify` read: one archive (a file, or - for standard input), or
/// continuous archiving's chains in a directory or through commands (--restore-command with
/// --list-command).
struct ArchiveSourceOptions: ParsableArguments {
  @Argument(
    help: ArgumentHelp(
      "The archive, - for standard input, or a directory of continuous archiving (softadastra archive --dir).",
      valueName: "file|dir"),
    completion: .file())
  var file: String?
  @Option(
    name: .customLong("restore-command"),
    help: ArgumentHelp(
      "Read continuous archiving through this shell command, which writes the file %f to stdout.", valueName: "cmd"))
  var restoreCommand: String?
  @Option(
    name: .customLong("list-command"),
    help: ArgumentHelp(
      "With --restore-command: the shell command that lists the archive's file names.", valueName: "cmd"))
  var listCommand: String?
  @Option(
    name: .customLong("from-node"),
    help: ArgumentHelp("The node whose archive chains to read, when the archive holds several.", valueName: "id"))
  var fromNode: String?
  @Option(
    name: .customLong("command-timeout"),
    help: ArgumentHelp("Stop a command that runs longer than this many seconds (default 600).", valueName: "seconds"))
  var commandTimeout: Double = 600

  func validate() throws {
    guard (file == nil) != (restoreCommand == nil) else {
      throw ValidationError("give an archive (or a directory), or --restore-command CMD with --list-command CMD")
    }
    guard (restoreCommand == nil) == (listCommand == nil) else {
      throw ValidationError("--restore-command and --list-command go together")
    }
    guard commandTimeout > 0 else { throw ValidationError("--command-timeout must be more than 0 seconds") }
  }

  /// Where the chains are, or nil when the arguments name one archive (`file`, or - ).
  var chainLocation: (any ArchiveLocation)? {
    if let file, file != "-", FileSystem.isDirectory(file) { return ArchiveDirectory(file) }
    guard let restoreCommand else { return nil }
    return ShellCarrier(fetchCommand: restoreCommand, listCommand: listCommand, timeout: commandTimeout)
  }
}
