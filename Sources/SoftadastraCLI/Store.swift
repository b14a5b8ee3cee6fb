import ArgumentParser

extension SoftadastraCommand {
  /// `softadastra store …`: read and write keys.
  struct Store: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "store",
      abstract: "Read and write the node's keys.",
      subcommands: [Put.self, Get.self, Delete.self, List.self, Import.self, Export.self])
  }
}
