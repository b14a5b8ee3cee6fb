import ArgumentParser
import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

/// `softadastra sync serve --stdio`: the answering side of `sync with`.
struct SyncServeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Answer one exchange from `softadastra sync with` on standard input and output.",
    discussion: """
      Run by `sync with` on the other node (often through ssh). Both sides greet; it imports \
      what the caller sends, answers with what the caller lacks, imports the caller's \
      acknowledgement, and exits. Diagnostics go to standard error, marked as coming from the \
      serving node. --stdio is required.
      """)

  @Flag(help: "Talk over standard input and output (required: the only transport).") var stdio = false
  @Option(help: ArgumentHelp("Give up when the exchange takes longer than this.", valueName: "seconds"))
  var timeout: Double = SyncCommon.defaultTimeout
  @OptionGroup var global: GlobalOptions

  func validate() throws {
    guard stdio else {
      throw ValidationError("give --stdio: sync serve answers one exchange over standard input and output")
    }
    guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
  }

  func run() throws {
    do {
      signal(SIGPIPE, SIG_IGN)  // a caller that goes away is an error to report, not a reason to die
      let client = try global.openClient(forWriting: true)
      let outcome = Result { () throws(SoftadastraError) -> SyncExchangeResult in
        try SyncExchange.answer(
          client, over: SyncStream(input: 0, output: 1, peerName: "the calling node", timeout: timeout))
      }
      try global.close(client)
      _ = try outcome.get()
    } catch {
      // The caller's terminal shows this too: say which side it comes from.
      guard let problem = error as? SoftadastraError else { throw error }
      throw problem.inContext("sync serve (node \(global.resolvedNodeID))")
    }
  }
}
