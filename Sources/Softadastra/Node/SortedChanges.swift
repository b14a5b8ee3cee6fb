@_spi(Storage) import SoftadastraWAL

/// A state's changes in key order: its table's, merged with the runs it spilled
/// (`SpilledChanges`) when there are any, and with a delta snapshot's entries under them when
/// asked; a key changed in several gives its newest entry (the table's, else the latest run's,
/// else the delta's).
struct SortedChanges {
  private enum Source {
    case delta(SnapshotReader.Cursor)
    case run(SpilledChanges.Run)
    case table(ChangeTable, keys: [[UInt8]], next: Int)
  }

  /// Oldest first: the delta, the runs, then the table.
  private var sources: [Source]
  private var heads: [(key: [UInt8], entry: LocalStore.Entry)?]
  /// Sources with a head, by head key, the newest first among equal keys.
  private var order: [Int] = []
  private let prefix: [UInt8]

  init(_ table: ChangeTable, spilled: SpilledChanges?, over delta: SnapshotReader? = nil, prefix: [UInt8])
    throws(SoftadastraError)
  {
    self.prefix = prefix
    sources = delta.map { [.delta($0.cursor(prefix: prefix))] } ?? []
    sources += (0..<(spilled?.runs.count ?? 0)).map { .run(spilled!.reader(ofRun: $0)) }
    sources.append(.table(table, keys: table.sortedKeys(prefix: prefix), next: 0))
    heads = Array(repeating: nil, count: sources.count)
    for index in sources.indices {
      try advance(index)
      insert(index)
    }
  }

  /// The key `next()` returns, without taking it.
  var nextKey: [UInt8]? { order.first.flatMap { heads[$0]?.key } }

  /// The next key with its newest entry; nil after the last.
  mutating func next() throws(SoftadastraError) -> (key: [UInt8], entry: LocalStore.Entry)? {
    guard let newest = order.first, let head = heads[newest] else { return nil }
    // Every source at this key gives it up: older entries of it are superseded.
    while let first = order.first, heads[first]?.key == head.key {
      order.removeFirst()
      try advance(first)
      insert(first)
    }
    return head
  }

  /// Reads the next head of source `index` (nil at its end), skipping keys without the prefix.
  private mutating func advance(_ index: Int) throws(SoftadastraError) {
    switch sources[index] {
    case .table(let table, let keys, let next):
      heads[index] = next < keys.count ? (keys[next], table[keys[next]]!) : nil
      sources[index] = .table(table, keys: keys, next: next + 1)
    case .run(var run):
      var head = try run.next()
      while let found = head, !found.key.starts(with: prefix) { head = try run.next() }
      heads[index] = head
      sources[index] = .run(run)
    case .delta(var cursor):
      heads[index] = try cursor.next()
      sources[index] = .delta(cursor)
    }
  }

  /// Puts source `index` in order by its head (nowhere when it has none).
  private mutating func insert(_ index: Int) {
    guard let key = heads[index]?.key else { return }
    var low = 0
    var high = order.count
    while low < high {
      let middle = (low + high) / 2
      let other = heads[order[middle]]!.key
      let before = keyPrecedes(key, other) || (key == other && index > order[middle])
      if before { high = middle } else { low = middle + 1 }
    }
    order.insert(index, at: low)
  }
}
