import ArgumentParser
import Softadastra

/// `softadastra store list`: the keys, in byte order.
struct StoreListCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List keys in byte order.",
    discussion: """
      Prints one key per line. A key holding a control character (a newline, a tab), bytes \
      that are not UTF-8, or starting with $' is printed in the shell's $'...' quoting, as ls \
      quotes such names, so that no key passes for two. --null prints every key as it is, \
      each followed by a NUL byte (for xargs -0); --json prints one {"key":...} object per \
      line (key_encoding base64 for keys that are not UTF-8).
      """)

  @Option(help: ArgumentHelp("Only keys that start with this prefix.", valueName: "prefix")) var prefix: String = ""
  @Flag(
    name: [.customShort("0"), .customLong("null")], help: "End each key with a NUL byte instead of a newline, unquoted."
  )
  var null = false
  @OptionGroup var global: GlobalOptions

  func validate() throws {
    if null && global.json { throw ValidationError("--null and --json cannot be combined") }
  }

  func run() throws {
    let client = try global.openClient(forWriting: false)
    try client.forEachEntry(prefix: ArgumentBytes.bytes(prefix)) { key, _ in
      if global.json {
        Output.document(KeyValueLines.keyMembers(key))
      } else if null {
        Output.write(key + [0])
      } else {
        Output.write(ShellQuoting.quoted(key) + [0x0A])
      }
      return true
    }
    try global.close(client)
  }
}
