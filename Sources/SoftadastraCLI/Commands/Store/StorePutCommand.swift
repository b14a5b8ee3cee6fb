import ArgumentParser
import Softadastra

/// `softadastra store put KEY VALUE`: one durable write.
struct StorePutCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "put",
    abstract: "Set a key to a value.",
    discussion: "The write is synced to disk before the command exits 0 (unless --no-auto-flush).")

  @Argument(help: "The key (1 to 4096 bytes).") var key: String
  @Argument(help: "The value; '-' reads it from standard input, byte for byte.") var value: String
  @OptionGroup var global: GlobalOptions

  func run() throws {
    let operation = StoreOperation.put(
      key: ArgumentBytes.bytes(key), value: value == "-" ? try StandardInput.readAll() : ArgumentBytes.bytes(value))
    try operation.checkLimits()
    let client = try global.openClient(forWriting: true, loadsStore: false)
    let lsns = try client.commit([operation])
    try global.close(client)
    if global.json, let lsns { Output.document([("lsn", .number(lsns.lowerBound))]) }
  }
}
