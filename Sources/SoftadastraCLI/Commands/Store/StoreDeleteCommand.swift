import ArgumentParser
import Softadastra

/// `softadastra store delete KEY`: one durable delete.
struct StoreDeleteCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "delete",
    abstract: "Delete a key.",
    discussion: "Deleting an absent key succeeds and records the delete all the same.")

  @Argument(help: "The key.") var key: String
  @OptionGroup var global: GlobalOptions

  func run() throws {
    let operation = StoreOperation.delete(key: ArgumentBytes.bytes(key))
    try operation.checkLimits()
    let client = try global.openClient(forWriting: true, loadsStore: false)
    let lsns = try client.commit([operation])
    try global.close(client)
    if global.json, let lsns { Output.document([("lsn", .number(lsns.lowerBound))]) }
  }
}
