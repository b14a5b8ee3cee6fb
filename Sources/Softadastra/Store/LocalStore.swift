@_spi(Storage) import SoftadastraWAL

/// The current value of every key: what replaying the WAL in order produces.
package struct LocalStore: Sendable {
  /// A key's current value and the record that set it.
  package struct Entry: Sendable, Hashable {
    package var value: [UInt8]
    package var lsn: UInt64
    package var timestamp: HybridTimestamp
    /// Where the put came from, when another node wrote it.
    package var origin: Origin?
    /// A deleted key, kept with the delete's version so that no older write from a peer brings
    /// it back. Reads treat it as absent.
    package var isTombstone = false

    /// The write's version for the conflict rule, with `localNode` standing for this node.
    package func version(localNode: String) -> WriteVersion {
      origin.map { WriteVersion(timestamp: $0.timestamp, nodeID: $0.nodeID) }
        ?? WriteVersion(timestamp: timestamp, nodeID: localNode)
    }
  }

  private var entries: [[UInt8]: Entry] = [:]

  package init() {}

  /// Applies one record: puts set, deletes remove, other records change nothing.
  package mutating func apply(_ record: WALRecord) {
    guard case .operation(let operation, let origin) = record.body else { return }
    switch operation {
    case .put(let key, let value):
      entries[key] = Entry(value: value, lsn: record.lsn, timestamp: record.timestamp, origin: origin)
    case .delete(let key): entries[key] = nil
    }
  }

  package func entry(for key: [UInt8]) -> Entry? { entries[key] }

  /// Sets `key`'s entry directly (loading a snapshot).
  mutating func set(_ key: [UInt8], _ entry: Entry) { entries[key] = entry }

  package var count: Int { entries.count }

  /// Every key starting with `prefix`, with its entry, in byte order.
  package func sorted(prefix: [UInt8] = []) -> [(key: [UInt8], entry: Entry)] {
    entries.filter { $0.key.starts(with: prefix) }
      .map { (key: $0.key, entry: $0.value) }
      .sorted { keyPrecedes($0.key, $1.key) }
  }
}
