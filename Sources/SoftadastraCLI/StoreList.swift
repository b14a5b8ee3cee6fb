import ArgumentParser
import Softadastra

extension SoftadastraCommand.Store {
  /// `softadastra store list`: the keys, in byte order.
  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list",
      abstract: "List keys in byte order.",
      discussion: "Prints one key per line; with --json, one {\"key\":…} object per line.")

    @Option(help: ArgumentHelp("Only keys that start with this prefix.", valueName: "prefix")) var prefix: String = ""
    @OptionGroup var global: GlobalOptions

    func run() throws {
      let client = try global.openClient(forWriting: false)
      try client.forEachEntry(prefix: Array(prefix.utf8)) { key, _ in
        if global.json {
          Output.json(.object([("key", .string(String(decoding: key, as: UTF8.self)))]))
        } else {
          Output.write(key + [0x0A])
        }
        return true
      }
      try global.close(client)
    }
  }
}
