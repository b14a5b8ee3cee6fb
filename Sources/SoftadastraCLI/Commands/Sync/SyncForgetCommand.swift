import ArgumentParser
import Softadastra

/// `softadastra sync forget --peer ID`: drops a peer from the sync table.
struct SyncForgetCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "forget",
    abstract: "Forget a peer: a retired node, or a mistyped --peer.",
    discussion: """
      The peer no longer counts in the outbox, and tombstones no longer wait for its \
      acknowledgement (the next snapshot may drop them). If it syncs again, it is a new peer \
      and gets the whole state. Exits 1 when the peer is not known; takes the writer lock.
      """)

  @Option(help: ArgumentHelp("The peer to forget.", valueName: "id")) var peer: String
  @OptionGroup var global: GlobalOptions

  func run() throws {
    let client = try global.openClient(forWriting: true, createsNode: false)
    let forgotten = try client.forgetPeer(peer)
    try global.close(client)
    if global.json {
      Output.document([
        ("peer", .string(peer)), ("forgotten", .bool(forgotten)),
      ])
      if !forgotten { throw ExitStatus.notFound.exitCode }
      return
    }
    guard forgotten else {
      Output.diagnostic("\(peer) is not a known peer of node \(global.resolvedNodeID); nothing changed")
      throw ExitStatus.notFound.exitCode
    }
    Output.diagnostic("forgot peer \(peer)")
  }
}
