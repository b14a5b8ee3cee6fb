import ArgumentParser
import Softadastra

/// `softadastra sync status`: the outbox counters and one row per known peer.
struct SyncStatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Show the outbox and every known peer's position.",
    discussion: """
      Counts are of this node's own operations, against the peer furthest behind: the outbox \
      (not acknowledged by every peer) is queued (not sent) plus in flight (sent, not \
      acknowledged). Takes no lock; read-only.
      """)

  @OptionGroup var global: GlobalOptions

  func run() throws {
    let client = try global.openClient(forWriting: false)
    let state = try client.syncState()
    try global.close(client)
    if global.json {
      Output.document([
        ("node_id", .string(global.resolvedNodeID)),
        ("outbox_size", .number(state.outboxSize)), ("queued_count", .number(state.queuedCount)),
        ("in_flight_count", .number(state.inFlightCount)), ("acknowledged_count", .number(state.acknowledgedCount)),
        ("failed_count", .number(state.failedCount)), ("last_submitted_lsn", .number(state.lastSubmittedVersion)),
        ("last_applied_remote_lsn", .number(state.lastAppliedRemoteVersion)),
        ("total_retries", .number(state.totalRetries)),
        (
          "peers",
          .array(
            state.peers.map { peer in
              .object([
                ("node_id", .string(peer.nodeID)), ("acknowledged_lsn", .number(peer.acknowledgedLSN)),
                ("sent_lsn", .number(peer.sentLSN)), ("received_lsn", .number(peer.receivedLSN)),
                ("pending_operations", .number(peer.pendingOperations)),
                ("last_exchange", time(peer.lastExchangeMilliseconds)),
                ("retries", .number(peer.retries)), ("failures", .number(peer.failures)),
              ])
            })
        ),
      ])
      return
    }
    Output.line("node           : \(global.resolvedNodeID)")
    Output.line(
      "outbox         : \(counted(state.outboxSize, "operation")) (\(state.queuedCount) queued, \(state.inFlightCount) in flight)"
    )
    Output.line("acknowledged   : \(counted(state.acknowledgedCount, "operation")) (by every known peer)")
    Output.line("failed         : \(counted(state.failedCount, "exchange"))")
    Output.line("retries        : \(counted(state.totalRetries, "operation")) sent again")
    Output.line("last submitted : \(state.lastSubmittedVersion > 0 ? "LSN \(state.lastSubmittedVersion)" : "none")")
    Output.line(
      "last applied   : \(state.lastAppliedRemoteVersion > 0 ? "LSN \(state.lastAppliedRemoteVersion) (from a peer)" : "none")"
    )
    Output.line("peers          : \(state.peers.count)")
    guard !state.peers.isEmpty else { return }
    let rows =
      [["PEER", "ACKED", "SENT", "RECEIVED", "PENDING", "LAST EXCHANGE"]]
      + state.peers.map { peer in
        [
          peer.nodeID, "\(peer.acknowledgedLSN)", "\(peer.sentLSN)", "\(peer.receivedLSN)", "\(peer.pendingOperations)",
          peer.lastExchangeMilliseconds > 0
            ? ISO8601.string(milliseconds: UInt64(peer.lastExchangeMilliseconds)) : "never",
        ]
      }
    let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max()! }
    for row in rows {
      Output.line(
        row.enumerated().map { column, text in
          column == row.count - 1 ? text : text + String(repeating: " ", count: widths[column] - text.count + 2)
        }.joined())
    }
  }

  private func time(_ milliseconds: Int64) -> JSONValue {
    milliseconds > 0 ? .string(ISO8601.string(milliseconds: UInt64(milliseconds))) : .null
  }
}
