import SoftadastraWAL

/// What this node knows about one peer.
package struct PeerRecord: Sendable, Equatable {
  /// How far into this node's log the peer confirmed it holds everything (its acknowledgement).
  package var acknowledged = LogPosition.start
  /// How far into this node's log the last bundle made for the peer reached.
  package var sent = LogPosition.start
  /// How far into the peer's log this node has applied everything (what it acknowledges).
  package var received = LogPosition.start
  /// The last export for or import from the peer (milliseconds since the Unix epoch; 0: never).
  package var lastExchangeMilliseconds: Int64 = 0
  /// When the peer made the newest bundle this node imported from it (its clock): a bundle made
  /// no later is old or a duplicate, and applying it again could undo a delete whose tombstone
  /// is gone by now.
  package var newestBundle = HybridTimestamp(rawValue: 0)
  /// Operations sent to the peer again because it had not acknowledged them.
  package var retries: UInt64 = 0
  /// Exchanges with the peer that failed after they started.
  package var failures: UInt64 = 0

  package init() {}
}
