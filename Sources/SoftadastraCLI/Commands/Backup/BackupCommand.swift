import ArgumentParser
import Softadastra

/// `softadastra backup …`: archives of the node, checked, listed and pruned.
struct BackupCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "backup",
    abstract: "Write, verify, list and prune backup archives of the node.",
    discussion: """
      Without a subcommand, writes an archive: softadastra backup --output FILE | --dir DIR \
      [--level 0-9] [--progress]; see softadastra backup create --help.
      """,
    subcommands: [BackupCreateCommand.self, BackupVerifyCommand.self, BackupListCommand.self, BackupPruneCommand.self],
    defaultSubcommand: BackupCreateCommand.self)
}
