import ArgumentParser
import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

/// `softadastra sync …`: propagating writes between nodes with bundles.
struct SyncCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sync",
    abstract: "Exchange writes with other nodes: status, bundles, live exchanges.",
    discussion: """
      Each node keeps, in its WAL, how far every peer has acknowledged its log. A bundle holds \
      the operations a peer lacks; importing one applies, for each key, the write with the \
      highest version (hybrid timestamp, then node id), so every node that has seen the same \
      writes holds the same values. Without a subcommand, shows the status.
      """,
    subcommands: [
      SyncStatusCommand.self, SyncExportCommand.self, SyncImportCommand.self, SyncWithCommand.self,
      SyncServeCommand.self, SyncForgetCommand.self,
    ],
    defaultSubcommand: SyncStatusCommand.self)
}
