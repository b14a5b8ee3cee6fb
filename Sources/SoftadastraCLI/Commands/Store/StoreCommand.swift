import ArgumentParser

/// `softadastra store …`: read and write keys.
struct StoreCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "store",
    abstract: "Read and write the node's keys.",
    subcommands: [
      StorePutCommand.self, StoreGetCommand.self, StoreDeleteCommand.self, StoreListCommand.self,
      StoreImportCommand.self, StoreExportCommand.self,
    ])
}
