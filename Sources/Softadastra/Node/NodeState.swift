import SoftadastraWAL

/// A node's current state: a snapshot, read a block at a time, under the changes the WAL made
/// after it. Reads never load the whole snapshot; only the changes live in memory.
public struct NodeState {
  /// The snapshot the state starts from, or nil to start empty.
  public let snapshot: SnapshotReader?
  /// Keys changed after the snapshot: their entry, or nil for a key deleted since.
  private(set) var changes: [[UInt8]: LocalStore.Entry?] = [:]

  init(snapshot: SnapshotReader?) { self.snapshot = snapshot }

  /// Applies one record: puts set, deletes remove, other records change nothing.
  mutating func apply(_ record: WALRecord) {
    guard case .operation(let operation, let origin) = record.body else { return }
    switch operation {
    case .put(let key, let value):
      changes[key] = .some(LocalStore.Entry(value: value, lsn: record.lsn, timestamp: record.timestamp, origin: origin))
    case .delete(let key): changes[key] = .some(nil)
    }
  }

  /// The number of keys changed since the snapshot.
  public var changedKeys: Int { changes.count }

  /// `key`'s entry, reading at most one snapshot block.
  public func entry(for key: [UInt8]) throws(SoftadastraError) -> LocalStore.Entry? {
    if let change = changes[key] { return change }
    return try snapshot?.lookup(key)
  }

  /// The number of keys with a value.
  public func count() throws(SoftadastraError) -> Int {
    guard let snapshot else { return changes.values.count { $0 != nil } }
    let keys = changes.keys.sorted { keyPrecedes($0, $1) }
    let inSnapshot = try snapshot.containsValues(keys)
    var count = Int(snapshot.valueCount)
    for (key, wasThere) in zip(keys, inSnapshot) {
      let isThere = changes[key]! != nil
      count += (isThere ? 1 : 0) - (wasThere ? 1 : 0)
    }
    return count
  }

  /// Calls `body` with every key starting with `prefix` that has a value, in byte order,
  /// streaming the snapshot; stops when `body` returns false.
  public func forEach(
    prefix: [UInt8] = [], _ body: ([UInt8], LocalStore.Entry) throws(SoftadastraError) -> Bool
  ) throws(SoftadastraError) {
    // Sorting the keys alone (not key-entry pairs) keeps the sort to moving references.
    let changed = changes.keys.filter { $0.starts(with: prefix) }.sorted(by: keyPrecedes)
    var next = 0
    var stopped = false
    /// Emits the changed keys before `limit` (all when nil); false when `body` asked to stop.
    func emitChanges(before limit: [UInt8]?) throws(SoftadastraError) -> Bool {
      while next < changed.count, limit.map({ keyPrecedes(changed[next], $0) }) ?? true {
        let key = changed[next]
        let entry = changes[key]!
        next += 1
        if let entry, try !body(key, entry) { return false }
      }
      return true
    }
    try snapshot?.forEach(prefix: prefix) { (key, entry) throws(SoftadastraError) -> Bool in
      guard try emitChanges(before: key) else {
        stopped = true
        return false
      }
      if next < changed.count, changed[next] == key {
        let replacement = changes[key]!
        next += 1
        guard let replacement else { return true }
        guard try body(key, replacement) else {
          stopped = true
          return false
        }
        return true
      }
      guard try body(key, entry) else {
        stopped = true
        return false
      }
      return true
    }
    if !stopped { _ = try emitChanges(before: nil) }
  }

  /// Every key starting with `prefix` with its entry, in byte order.
  public func sorted(prefix: [UInt8] = []) throws(SoftadastraError) -> [(key: [UInt8], entry: LocalStore.Entry)] {
    var result: [(key: [UInt8], entry: LocalStore.Entry)] = []
    try forEach(prefix: prefix) { key, entry in
      result.append((key, entry))
      return true
    }
    return result
  }
}
