@_spi(Storage) import SoftadastraWAL

/// A node's sync table: one record per known peer. It lives in the node's history (sync-table
/// records in the WAL, the last one winning, and the snapshot header), so it survives restarts,
/// checkpoints, backups and restores like the data it describes. `docs/sync-format.md` has the
/// encoding.
package struct SyncTable: Sendable, Equatable {
  /// Known peers by node id.
  package var peers: [String: PeerRecord] = [:]
  /// This node's LSN of the last operation it applied from a peer (0: none).
  package var lastAppliedRemoteLSN: UInt64 = 0

  package init() {}

  static let version: UInt8 = 1
  /// At most this many peers, so that the table fits a snapshot header.
  package static let maxPeers = 256

  /// The lowest position every known peer acknowledged; nil when no peer is known.
  package var acknowledgedByAll: LogPosition? { peers.values.map(\.acknowledged).min() }

  package func encoded() -> [UInt8] {
    var bytes: [UInt8] = [Self.version]
    bytes.appendLittleEndian(lastAppliedRemoteLSN)
    bytes.appendLittleEndian(UInt16(peers.count))
    for id in peers.keys.sorted() {
      let peer = peers[id]!
      bytes.append(UInt8(id.utf8.count))
      bytes.append(contentsOf: id.utf8)
      for position in [peer.acknowledged, peer.sent, peer.received] { position.append(to: &bytes) }
      bytes.appendLittleEndian(peer.lastExchangeMilliseconds)
      bytes.appendLittleEndian(peer.newestBundle.rawValue)
      bytes.appendLittleEndian(peer.retries)
      bytes.appendLittleEndian(peer.failures)
    }
    return bytes
  }

  /// Decodes a table; an empty payload is the empty table.
  ///
  /// - Throws: `corrupt` (naming `source`) when the bytes are not a table this version reads.
  package static func decode(_ bytes: [UInt8], source: String) throws(SoftadastraError) -> SyncTable {
    var table = SyncTable()
    guard !bytes.isEmpty else { return table }
    let decoded = bytes.withUnsafeBytes { buffer -> SyncTable? in
      var reader = FieldReader(buffer, from: 0, to: buffer.count)
      guard reader.read(UInt8.self) == version, let lastApplied = reader.read(UInt64.self),
        let count = reader.read(UInt16.self), Int(count) <= maxPeers
      else { return nil }
      table.lastAppliedRemoteLSN = lastApplied
      for _ in 0..<count {
        guard let length = reader.read(UInt8.self), let idBytes = reader.readBytes(Int(length)),
          let id = String(validating: idBytes, as: UTF8.self), NodeID.problem(with: id) == nil, table.peers[id] == nil
        else { return nil }
        var peer = PeerRecord()
        var positions: [LogPosition] = []
        for _ in 0..<3 {
          guard let position = LogPosition.read(&reader) else { return nil }
          positions.append(position)
        }
        guard let exchanged = reader.read(Int64.self), let newest = reader.read(UInt64.self),
          let retries = reader.read(UInt64.self),
          let failures = reader.read(UInt64.self)
        else { return nil }
        (peer.acknowledged, peer.sent, peer.received) = (positions[0], positions[1], positions[2])
        (peer.lastExchangeMilliseconds, peer.retries, peer.failures) = (exchanged, retries, failures)
        peer.newestBundle = HybridTimestamp(rawValue: newest)
        table.peers[id] = peer
      }
      return reader.remaining == 0 ? table : nil
    }
    guard let decoded else {
      throw SoftadastraError(
        .corrupt, "the sync table in \(source) does not decode (written by a newer softadastra?)", path: source)
    }
    return decoded
  }
}
