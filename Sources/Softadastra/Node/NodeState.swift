@_spi(Storage) import SoftadastraWAL

/// A node's current state: a snapshot (whole, or a delta over its base), read a block at a time,
/// under the changes the WAL made after it. Reads never load the whole snapshot; only the
/// changes live in memory.
package struct NodeState {
  /// The snapshot the state starts from, or nil to start empty.
  package let snapshot: SnapshotStack?
  /// Keys changed after the snapshot: their entry, or a tombstone for a key deleted since.
  private(set) var changes = ChangeTable()

  /// The node's sync table as encoded: the last sync-table record applied, or the snapshot's.
  private(set) var syncTableBytes: [UInt8]

  /// For a state built to be written out whole (`forEach`): the changes moved out of memory, a
  /// sorted run each time the table outgrew `spillBudgetBytes`. Such a state answers `forEach`
  /// and the sync table only.
  private(set) var spilled: SpilledChanges?
  /// Where `spilled` goes, made at the first spill.
  private var spillPath: String?
  /// Records and key and value bytes applied since the table's size was last checked.
  private var appliedSinceSpillCheck = (records: 0, bytes: 0)
  /// How many bytes of keys and values the table of a spilling state holds at most.
  private var spillBudgetBytes = Int.max
  /// The budget of a snapshot's build: with the table's slots and index (about 60 bytes a key
  /// more) and the sort of its keys when it spills, a build stays within about 200 MB.
  static let buildBudgetBytes = 64 << 20

  init(snapshot: SnapshotStack?) {
    self.snapshot = snapshot
    syncTableBytes = snapshot?.header.syncTable ?? []
  }

  /// A state that moves its changes to sorted runs in a temporary file at `spillPath` whenever
  /// they outgrow `budgetBytes` (`applySpilling(_:)`): for building a snapshot in memory that
  /// does not grow with the node.
  init(snapshot: SnapshotStack?, spillingTo spillPath: String, budgetBytes: Int = buildBudgetBytes) {
    self.init(snapshot: snapshot)
    self.spillPath = spillPath
    spillBudgetBytes = budgetBytes
  }

  /// The node's sync table (empty when it never synced).
  ///
  /// - Throws: `corrupt` when the table does not decode.
  package func syncTable() throws(SoftadastraError) -> SyncTable {
    try SyncTable.decode(syncTableBytes, source: snapshot?.path ?? "the WAL")
  }

  /// Applies one record: puts set, deletes leave a tombstone, other records change nothing.
  /// The log is applied in order; which remote writes win was decided when they were appended.
  mutating func apply(_ record: WALRecord) {
    if case .syncTable(let payload) = record.body { syncTableBytes = payload }
    guard case .operation(let operation, let origin) = record.body else { return }
    switch operation {
    case .put(let key, let value):
      changes.set(key, LocalStore.Entry(value: value, lsn: record.lsn, timestamp: record.timestamp, origin: origin))
    case .delete(let key):
      changes.set(
        key,
        LocalStore.Entry(value: [], lsn: record.lsn, timestamp: record.timestamp, origin: origin, isTombstone: true))
    }
  }

  /// Applies one record as `apply(_:)` does; in a spilling state, then moves the changes to a
  /// new run when they outgrew the budget (checked every 1,024 records or 1 MiB of keys and
  /// values, so it is passed by at most one value).
  mutating func applySpilling(_ record: WALRecord) throws(SoftadastraError) {
    apply(record)
    guard let spillPath else { return }
    appliedSinceSpillCheck.records += 1
    if case .operation(let operation, _) = record.body {
      appliedSinceSpillCheck.bytes += operation.key.count
      if case .put(_, let value) = operation { appliedSinceSpillCheck.bytes += value.count }
    }
    guard appliedSinceSpillCheck.records >= 1_024 || appliedSinceSpillCheck.bytes >= 1 << 20 else { return }
    appliedSinceSpillCheck = (0, 0)
    guard changes.storedBytes > spillBudgetBytes else { return }
    if spilled == nil { spilled = try SpilledChanges(path: spillPath) }
    try spilled!.spill(changes)
    changes.removeAllKeepingStorage()
  }

  /// Whether the state holds every change in memory (not a spilling state that spilled): what
  /// lookups need.
  private var isWhole: Bool { spilled?.runs.isEmpty ?? true }

  /// The same state over `snapshot`, a newer one that holds every change up to its LSN: only
  /// the changes after it stay in memory (the others go with this state: a few large blocks).
  consuming func rebased(on snapshot: SnapshotStack) -> NodeState {
    precondition(isWhole, "a state that spilled its changes is only written out")
    var state = NodeState(snapshot: snapshot)
    state.changes = changes.changed(after: snapshot.header.lsn)
    state.syncTableBytes = syncTableBytes
    return state
  }

  /// Makes room for `count` more changed keys (before applying a large batch).
  mutating func reserveCapacity(forMoreChanges count: Int) { changes.reserveCapacity(changes.count + count) }

  /// The number of keys changed since the snapshot.
  package var changedKeys: Int { changes.count }

  /// `key`'s entry, reading at most one snapshot block; nil when it has no value.
  package func entry(for key: [UInt8]) throws(SoftadastraError) -> LocalStore.Entry? {
    try entryOrTombstone(for: key).flatMap { $0.isTombstone ? nil : $0 }
  }

  /// `key`'s entry or tombstone, reading at most one snapshot block.
  package func entryOrTombstone(for key: [UInt8]) throws(SoftadastraError) -> LocalStore.Entry? {
    precondition(isWhole, "a state that spilled its changes is only written out")
    if let change = changes[key] { return change }
    return try snapshot?.lookup(key)
  }

  /// The entry or tombstone of each of `keys`, nil where there is none, reading each snapshot
  /// block once.
  func entriesOrTombstones(for keys: [[UInt8]]) throws(SoftadastraError) -> [LocalStore.Entry?] {
    precondition(isWhole, "a state that spilled its changes is only written out")
    var found = keys.map { changes[$0] }
    guard let snapshot else { return found }
    let unchanged = keys.indices.filter { found[$0] == nil }.sorted { keyPrecedes(keys[$0], keys[$1]) }
    guard !unchanged.isEmpty else { return found }
    for (index, entry) in zip(unchanged, try snapshot.entries(for: unchanged.map { keys[$0] })) { found[index] = entry }
    return found
  }

  /// The number of keys with a value.
  package func count() throws(SoftadastraError) -> Int {
    precondition(isWhole, "a state that spilled its changes is only written out")
    guard let snapshot else { return changes.valueCount }
    let keys = changes.sortedKeys()
    let inSnapshot = try snapshot.entries(for: keys).map { $0.map { !$0.isTombstone } ?? false }
    var count = Int(try snapshot.valueCount())
    for (key, wasThere) in zip(keys, inSnapshot) {
      let isThere = !changes[key]!.isTombstone
      count += (isThere ? 1 : 0) - (wasThere ? 1 : 0)
    }
    return count
  }

  /// Calls `body` with every key starting with `prefix` that has a value (and each tombstone,
  /// when `includingTombstones`), in byte order, streaming the snapshot (and the spilled runs);
  /// stops when `body` returns false.
  package func forEach(
    prefix: [UInt8] = [], includingTombstones: Bool = false, sinceWholeSnapshot: Bool = false,
    _ body: ([UInt8], LocalStore.Entry) throws(SoftadastraError) -> Bool
  ) throws(SoftadastraError) {
    try forEachInPlace(
      prefix: prefix, includingTombstones: includingTombstones, sinceWholeSnapshot: sinceWholeSnapshot
    ) {
      (entry) throws(SoftadastraError) -> Bool in
      let (key, owned) = try entry.owned()
      return try body(key, owned)
    }
  }

  /// An entry as `forEachInPlace` passes it: where it lies in a snapshot block, or changed since
  /// the snapshot. It must not escape the call it is passed to (a stored one points into a block).
  package enum EntryInPlace {
    case stored(SnapshotReader.StoredEntry)
    case changed(key: [UInt8], entry: LocalStore.Entry)

    package var isTombstone: Bool {
      switch self {
      case .stored(let stored): stored.isTombstone
      case .changed(_, let entry): entry.isTombstone
      }
    }

    /// Calls `body` with the key's and the value's bytes, copying neither: they must not escape
    /// `body` (copy what is kept).
    package func withKeyAndValue<Result>(
      _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws(SoftadastraError) -> Result
    ) throws(SoftadastraError) -> Result {
      switch self {
      case .stored(let stored): return try body(stored.key, stored.value)
      case .changed(let key, let entry):
        // Typed throws do not pass through withUnsafeBytes: the outcome comes out as a Result.
        return try key.withUnsafeBytes { key in
          entry.value.withUnsafeBytes { value in
            Swift.Result { () throws(SoftadastraError) -> Result in try body(key, value) }
          }
        }.get()
      }
    }

    /// The key and the whole entry, copied out.
    package func owned() throws(SoftadastraError) -> (key: [UInt8], entry: LocalStore.Entry) {
      switch self {
      case .stored(let stored): try stored.owned()
      case .changed(let key, let entry): (key, entry)
      }
    }
  }

  /// `forEach`, passing each entry where it lies (`EntryInPlace`): an export copies nothing it
  /// does not print. With `sinceWholeSnapshot`, only the entries changed since the whole
  /// snapshot (the base of a delta, or the snapshot when whole) are passed: what a delta holds.
  package func forEachInPlace(
    prefix: [UInt8] = [], includingTombstones: Bool = false, sinceWholeSnapshot: Bool = false,
    _ body: (EntryInPlace) throws(SoftadastraError) -> Bool
  ) throws(SoftadastraError) {
    // A delta's entries are merged with the changes (both copied out); the whole snapshot under
    // them is streamed in place.
    let delta = snapshot?.base == nil ? nil : snapshot?.top
    let whole = sinceWholeSnapshot ? nil : snapshot?.base ?? snapshot?.top
    var changed = try SortedChanges(changes, spilled: spilled, over: delta, prefix: prefix)
    var stopped = false
    /// Passes on an entry unless it is a hidden tombstone; false when `body` asked to stop.
    func emit(_ entry: EntryInPlace) throws(SoftadastraError) -> Bool {
      if entry.isTombstone && !includingTombstones { return true }
      guard try body(entry) else {
        stopped = true
        return false
      }
      return true
    }
    /// The byte order of a changed key and a stored one.
    func compare(_ key: [UInt8], _ stored: UnsafeRawBufferPointer) -> Int32 {
      key.withUnsafeBytes {
        SnapshotEntryCoding.compare($0, at: 0, length: $0.count, with: stored, at: 0, length: stored.count)
      }
    }
    /// Emits the changed keys before `limit` (all when nil).
    func emitChanges(before limit: UnsafeRawBufferPointer?) throws(SoftadastraError) -> Bool {
      while let key = changed.nextKey, limit.map({ compare(key, $0) < 0 }) ?? true {
        guard let (key, entry) = try changed.next(), try emit(.changed(key: key, entry: entry)) else { return false }
      }
      return true
    }
    try whole?.forEachInPlace(prefix: prefix) { (stored) throws(SoftadastraError) -> Bool in
      guard try emitChanges(before: stored.key) else { return false }
      if let key = changed.nextKey, compare(key, stored.key) == 0, let (key, newer) = try changed.next() {
        return try emit(.changed(key: key, entry: newer))
      }
      return try emit(.stored(stored))
    }
    if !stopped { _ = try emitChanges(before: nil) }
  }

  /// Every key starting with `prefix` with its entry, in byte order.
  package func sorted(prefix: [UInt8] = []) throws(SoftadastraError) -> [(key: [UInt8], entry: LocalStore.Entry)] {
    var result: [(key: [UInt8], entry: LocalStore.Entry)] = []
    try forEach(prefix: prefix) { key, entry in
      result.append((key, entry))
      return true
    }
    return result
  }
}
