import ArgumentParser
import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

/// `softadastra sync serve --stdio`: the answering side of `sync with`.
struct SyncServe: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Answer one exchange from `softadastra sync with` on standard input and output.",
    discussion: """
      Run by `sync with` on the other node (often through ssh). Reads the caller's greeting, \
      sends what it lacks, imports what it sends, acknowledges, and exits. Diagnostics go to \
      standard error.
      """)

  @Flag(help: "Talk over standard input and output (the only transport).") var stdio = false
  @OptionGroup var global: GlobalOptions

  func validate() throws {
    guard stdio else { throw ValidationError("give --stdio: sync serve answers one exchange over standard input and output") }
  }

  func run() throws {
    signal(SIGPIPE, SIG_IGN)  // a caller that goes away is an error to report, not a reason to die
    let client = try global.openClient(forWriting: true)
    let outcome = Result { () throws(SoftadastraError) -> SyncExchangeResult in
      try SyncExchange.answer(client, over: SyncStream(input: 0, output: 1, peerName: "the calling node"))
    }
    try global.close(client)
    _ = try outcome.get()
  }
}
