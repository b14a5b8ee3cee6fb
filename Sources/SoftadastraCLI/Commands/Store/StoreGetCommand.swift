import ArgumentParser
import Softadastra

/// `softadastra store get KEY`: print a value.
struct StoreGetCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "get",
    abstract: "Print a key's value.",
    discussion: "Prints the value and a newline. Exits 1, printing nothing on standard output, when the key is absent.")

  @Argument(help: "The key.") var key: String
  @OptionGroup var global: GlobalOptions

  func run() throws {
    // Only this key's changes are read from the WAL: no whole-store replay in memory.
    let client = try global.openClient(forWriting: false, loadsStore: false)
    let key = ArgumentBytes.bytes(self.key)
    let value = try client.get(key)
    try global.close(client)
    guard let value else {
      Output.error("key not found: \(String(decoding: ShellQuoting.quoted(key), as: UTF8.self))")
      throw ExitStatus.notFound.exitCode
    }
    if global.json {
      Output.document(KeyValueLines.entryMembers(key: key, value: value.bytes))
    } else {
      Output.write(value.bytes + [0x0A])
    }
  }
}
