import ArgumentParser
import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

/// The `softadastra` command: each subcommand is a thin layer over the Softadastra library.
@main
struct SoftadastraCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "softadastra",
    abstract: "Local-first storage on a write-ahead log: write locally, persist locally, recover later.",
    discussion: """
      Every accepted write is appended to the node's WAL (data/<node-id>.wal by default) and \
      synced to disk before it is acknowledged. Global options go after the subcommand.

      Exit status: 0 ok, 1 not found, 64 usage, 65 data corruption or malformed input, \
      66 input missing, 73 cannot create, 74 I/O error, 75 lock timeout (retry later), \
      77 permission denied, 78 configuration (e.g. node id mismatch).
      """,
    version: softadastraVersion,
    groupedSubcommands: [
      CommandGroup(name: "Data", subcommands: [StatusCommand.self, StoreCommand.self]),
      CommandGroup(
        name: "Inspection", subcommands: [WALDumpCommand.self, WALVerifyCommand.self, WALReplayCommand.self]),
      CommandGroup(
        name: "Maintenance",
        subcommands: [
          SnapshotCommand.self, BackupCommand.self, ArchiveCommand.self, RestoreCommand.self, WALConvertCommand.self,
        ]),
      CommandGroup(name: "Replication", subcommands: [SyncCommand.self]),
    ]
  )

  static func main() {
    // A parent may have blocked or ignored signals (process launchers do); the default
    // actions are what let --follow stop on SIGINT or SIGTERM and a closed pipe end the output.
    var signals = sigset_t()
    sigfillset(&signals)
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP] { Glibc.signal(signal, SIG_DFL) }
    // Arguments keep their exact bytes (keys and values need not be UTF-8). Without them, doing
    // nothing and exiting 0 would tell a script its write was made: fail instead.
    guard let arguments = ArgumentBytes.arguments() else {
      Output.error("cannot read this process's command line (the system refused to read /proc/self); nothing was done")
      Glibc.exit(ExitStatus(.io).rawValue)
    }
    do {
      var command = try FastPath.command(for: arguments) ?? parseAsRoot(arguments)
      try command.run()
      Output.flush()
    } catch let error as SoftadastraError {
      Output.error(error.commandLineDescription)
      Glibc.exit(ExitStatus(error.kind).rawValue)
    } catch {
      Output.flush()
      if let first = arguments.first, GlobalOption(flag: first) != nil {
        Output.diagnostic(fullMessage(for: error))
        Output.diagnostic(
          "hint: global options go after the subcommand: softadastra \(GlobalOption.movedAfterSubcommand(arguments))")
        Glibc.exit(exitCode(for: error).rawValue)
      }
      exit(withError: error)
    }
  }
}

let softadastraVersion = "0.1.0"
