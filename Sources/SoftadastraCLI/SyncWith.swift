import ArgumentParser
import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

/// `softadastra sync with COMMAND…`: a two-way exchange with the node at the other end of a command.
struct SyncWith: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "with",
    abstract: "Exchange writes both ways with a node reached through a command.",
    discussion: """
      Starts COMMAND and talks to `softadastra sync serve --stdio` over its standard input and \
      output, for example: softadastra sync with ssh host-b softadastra sync serve --stdio. Four \
      bundles go back and forth; each is applied atomically, so an exchange broken off anywhere \
      leaves both nodes with whole bundles only, and the next one resumes. Options for this \
      node go before COMMAND.
      """)

  @OptionGroup var global: GlobalOptions
  @Argument(
    parsing: .captureForPassthrough,
    help: ArgumentHelp("The command that runs `softadastra sync serve --stdio` for the other node.", valueName: "command"))
  var command: [String] = []

  func run() throws {
    guard !command.isEmpty else { throw ValidationError("give the command to exchange with, after the options") }
    signal(SIGPIPE, SIG_IGN)  // a peer that dies mid-exchange is an error to report, not a reason to die
    let client = try global.openClient(forWriting: true)
    let child = try ChildProcess(command)
    let outcome = Result { () throws(SoftadastraError) -> SyncExchangeResult in
      try SyncExchange.call(client, over: SyncStream(input: child.fromChild, output: child.toChild, peerName: command[0]))
    }
    let status = child.finish()
    try global.close(client)
    let result: SyncExchangeResult
    do throws(SoftadastraError) { result = try outcome.get() } catch {
      if status != 0 { Output.diagnostic("\(command.joined(separator: " ")) exited with status \(status)") }
      throw error
    }
    let received = result.imports.reduce(0) { $0 + $1.received }
    let applied = result.imports.reduce(0) { $0 + $1.applied }
    if global.json {
      Output.json(
        .object([
          ("schema", .number(RecordFormatting.schemaVersion)), ("peer", .string(result.peer)), ("sent", .number(result.sent)),
          ("imports", .array(result.imports.map(SyncReport.json))),
        ]))
    } else {
      Output.line("synced with \(result.peer): sent \(counted(result.sent, "operation")), received \(received) (\(applied) applied)")
    }
    if status != 0 {
      throw SoftadastraError(.io, "the exchange completed, but \(command.joined(separator: " ")) exited with status \(status)")
    }
  }
}
