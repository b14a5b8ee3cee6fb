import ArgumentParser
import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

/// `softadastra sync with COMMAND…`: a two-way exchange with the node at the other end of a command.
struct SyncWithCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "with",
    abstract: "Exchange writes both ways with a node reached through a command.",
    discussion: """
      Starts COMMAND and talks to `softadastra sync serve --stdio` over its standard input and \
      output, for example: softadastra sync with ssh host-b softadastra sync serve --stdio. Both \
      sides greet; this node sends what the other lacks, the other imports it and answers with \
      what this node lacks, and this node imports that and acknowledges. Each bundle is applied \
      atomically, so an exchange broken off anywhere leaves both nodes with whole bundles only, \
      and the next one resumes. Options for this node go before COMMAND.
      """)

  @Option(help: ArgumentHelp("Give up when the exchange takes longer than this.", valueName: "seconds"))
  var timeout: Double = SyncCommon.defaultTimeout
  @OptionGroup var global: GlobalOptions
  @Argument(
    parsing: .captureForPassthrough,
    help: ArgumentHelp(
      "The command that runs `softadastra sync serve --stdio` for the other node.", valueName: "command"))
  var command: [String] = []

  mutating func validate() throws {
    if command.first == "--" { command.removeFirst() }
    guard let first = command.first else {
      throw ValidationError("give the command that reaches the other node, after this node's options")
    }
    if first == "-h" || first == "--help" { throw CleanExit.helpRequest(self) }
    if first.hasPrefix("-") {
      throw ValidationError("unknown option '\(first)' (options for this node go before the command)")
    }
    guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
  }

  func run() throws {
    signal(SIGPIPE, SIG_IGN)  // a peer that dies mid-exchange is an error to report, not a reason to die
    let client = try global.openClient(forWriting: true)
    let child = try ChildProcess(command)
    let outcome = Result { () throws(SoftadastraError) -> SyncExchangeResult in
      try SyncExchange.call(
        client, over: SyncStream(input: child.fromChild, output: child.toChild, peerName: command[0], timeout: timeout))
    }
    let status = child.finish(killing: outcome.failed)
    try global.close(client)
    let result: SyncExchangeResult
    do throws(SoftadastraError) { result = try outcome.get() } catch {
      if status != 0 { Output.diagnostic("\(command.joined(separator: " ")) exited with status \(status)") }
      throw error
    }
    let received = result.imports.reduce(0) { $0 + $1.received }
    let applied = result.imports.reduce(0) { $0 + $1.applied }
    if global.json {
      Output.document([
        ("peer", .string(result.peer)),
        ("sent", .number(result.sent)),
        ("imports", .array(result.imports.map(\.json))),
      ])
    } else {
      Output.line(
        "synced with \(result.peer): sent \(counted(result.sent, "operation")), received \(received) (\(applied) applied)"
      )
    }
    if status != 0 {
      throw SoftadastraError(
        .io, "the exchange completed, but \(command.joined(separator: " ")) exited with status \(status)")
    }
  }
}

extension Result {
  var failed: Bool {
    if case .failure = self { true } else { false }
  }
}
