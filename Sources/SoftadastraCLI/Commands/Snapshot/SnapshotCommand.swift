import ArgumentParser
import Softadastra

/// `softadastra snapshot …`: save, check and list the node's snapshots.
struct SnapshotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "snapshot",
    abstract: "Save the node's state as a snapshot and start a fresh WAL; check or list snapshots.",
    discussion: "Without a subcommand, creates one: see softadastra snapshot create --help for its options.",
    subcommands: [SnapshotCreateCommand.self, SnapshotVerifyCommand.self, SnapshotListCommand.self],
    defaultSubcommand: SnapshotCreateCommand.self)
}
