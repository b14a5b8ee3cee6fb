@_spi(Storage) import SoftadastraWAL

/// A state's changes in key order: its table's, merged with the runs it spilled
/// (`SpilledChanges`) when there are any, and with a delta snapshot's entries under them when
/// asked; a key changed in several gives its newest entry (the table's, else the latest run's,
/// else the delta's).
///
/// Sources are numbered oldest first: the delta (when there is one), the runs, then the table.
/// Each keeps its state in a field of its own and its head's key apart from its entry, so that
/// moving on or comparing heads copies no source and no entry (which, with the retains and
/// releases of their arrays, was a third of a large snapshot's build).
struct SortedChanges {
  private var delta: SnapshotReader.Cursor?
  private var runs: [SpilledChanges.Run]
  private let table: ChangeTable
  private let tableSlots: [Int]
  private var tableNext = 0
  /// Each source's next key and its entry; nil at its end.
  private var headKeys: [[UInt8]?]
  private var headEntries: [LocalStore.Entry?]
  /// Sources with a head, by head key, the newest first among equal keys.
  private var order: [Int] = []
  private let prefix: [UInt8]

  init(_ table: ChangeTable, spilled: SpilledChanges?, over delta: SnapshotReader? = nil, prefix: [UInt8])
    throws(SoftadastraError)
  {
    self.prefix = prefix
    self.delta = delta.map { $0.cursor(prefix: prefix) }
    runs = (0..<(spilled?.runs.count ?? 0)).map { spilled!.reader(ofRun: $0) }
    self.table = table
    tableSlots = table.sortedSlots(prefix: prefix)
    let count = (delta == nil ? 0 : 1) + runs.count + 1
    headKeys = Array(repeating: nil, count: count)
    headEntries = Array(repeating: nil, count: count)
    for index in 0..<count {
      try advance(index)
      insert(index)
    }
  }

  /// The key `next()` returns, without taking it.
  var nextKey: [UInt8]? { order.first.flatMap { headKeys[$0] } }

  /// The next key with its newest entry; nil after the last.
  mutating func next() throws(SoftadastraError) -> (key: [UInt8], entry: LocalStore.Entry)? {
    guard let newest = order.first, let key = headKeys[newest], let entry = headEntries[newest] else { return nil }
    // Every source at this key gives it up: older entries of it are superseded.
    while let first = order.first, headKeys[first] == key {
      order.removeFirst()
      try advance(first)
      insert(first)
    }
    return (key, entry)
  }

  /// Reads the next head of source `index` (nil at its end), skipping keys without the prefix.
  private mutating func advance(_ index: Int) throws(SoftadastraError) {
    let firstRun = delta == nil ? 0 : 1
    var head: (key: [UInt8], entry: LocalStore.Entry)?
    if index == firstRun + runs.count {
      if tableNext < tableSlots.count {
        head = (table.key(atSlot: tableSlots[tableNext]), table.entry(atSlot: tableSlots[tableNext]))
      }
      tableNext += 1
    } else if index >= firstRun {
      head = try runs[index - firstRun].next()
      while let found = head, !found.key.starts(with: prefix) { head = try runs[index - firstRun].next() }
    } else {
      head = try delta!.next()
    }
    headKeys[index] = head?.key
    headEntries[index] = head?.entry
  }

  /// Puts source `index` in order by its head (nowhere when it has none).
  private mutating func insert(_ index: Int) {
    guard let key = headKeys[index] else { return }
    var low = 0
    var high = order.count
    while low < high {
      let middle = (low + high) / 2
      let comparison = keyComparison(key, headKeys[order[middle]]!)
      if comparison < 0 || (comparison == 0 && index > order[middle]) { high = middle } else { low = middle + 1 }
    }
    order.insert(index, at: low)
  }
}
