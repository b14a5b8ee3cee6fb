import ArgumentParser
import Testing

@testable import SoftadastraCLI

/// The global options are named once (`GlobalOption`): ArgumentParser's declarations and the fast
/// path must agree on every one of them, value by value.
@Suite struct GlobalOptionTests {
  /// A value each option accepts, as it would be written.
  static func sampleValue(_ option: GlobalOption) -> String? {
    switch option {
    case .dataDir: "state"
    case .nodeID: "node-x"
    case .wal: "other.wal"
    case .lockTimeout: "2.5"
    case .checkpointBytes: "4096"
    case .noAutoFlush, .json: nil
    }
  }

  static func described(_ options: GlobalOptions) -> String {
    "\(options.dataDir ?? "-") \(options.nodeID ?? "-") \(options.wal ?? "-") \(options.noAutoFlush) \(options.lockTimeout) \(options.checkpointBytes.map(String.init) ?? "-") \(options.json)"
  }

  static func global(of command: any ParsableCommand) -> GlobalOptions? {
    (command as? StorePutCommand)?.global
  }

  @Test(arguments: GlobalOption.allCases)
  func theFastPathReadsEachOptionAsArgumentParserDoes(option: GlobalOption) throws {
    let arguments = ["store", "put", "k", "v", option.flag] + (Self.sampleValue(option).map { [$0] } ?? [])
    let fast = try #require(FastPath.command(for: arguments).flatMap(Self.global))
    let parsed = try #require(Self.global(of: try SoftadastraCommand.parseAsRoot(arguments)))
    #expect(Self.described(fast) == Self.described(parsed))
    #expect(
      Self.described(fast)
        != Self.described(
          try #require(Self.global(of: try SoftadastraCommand.parseAsRoot(["store", "put", "k", "v"])))))
  }

  @Test func everyOptionInTheHelpIsNamedOnce() {
    let help = GlobalOptions.helpMessage()
    let flags = help.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "," }).filter { $0.hasPrefix("--") }
    #expect(Set(flags.map(String.init)).subtracting(["--help"]) == Set(GlobalOption.allCases.map(\.flag)))
  }

  @Test(arguments: [
    ["--lock-timeout", "-1"], ["--lock-timeout", "x"], ["--checkpoint-bytes", "-5"], ["--json=1"], ["--data-dir=d"],
  ])
  func formsTheFastPathLeavesToArgumentParser(extra: [String]) {
    #expect(FastPath.command(for: ["store", "put", "k", "v"] + extra) == nil)
  }
}
