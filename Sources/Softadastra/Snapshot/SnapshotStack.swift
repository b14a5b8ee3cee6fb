@_spi(Storage) import SoftadastraWAL

/// What a node's state starts from on disk: a whole snapshot, or a delta snapshot (format
/// version 8, 6 or 4: every entry changed since a whole snapshot, tombstones included) read over that
/// base. A key's entry is the delta's when the delta has one, else the base's.
package final class SnapshotStack {
  /// The newest file: it names the LSN, the log after it, the sync table and the clock.
  package let top: SnapshotReader
  /// The whole snapshot under a delta; nil when `top` is whole.
  package let base: SnapshotReader?
  /// Keys with a value, counted when first asked (a delta's takes a pass over the base).
  private let countedValues = Locked<UInt64?>(nil)
  /// How many of a delta's keys are looked up in the base at once when counting.
  private static let countBatch = 1 << 16

  /// A whole snapshot alone.
  package init(whole: SnapshotReader) {
    precondition(whole.header.base == nil, "a delta snapshot is read over its base")
    top = whole
    base = nil
  }

  /// Opens the snapshot at `path` and, when it is a delta, the base it names beside it (the same
  /// name with the base's LSN, `basePath(of:lsn:)`); readers of `current` are reused for files it
  /// has open already.
  ///
  /// - Throws: `corrupt`, with the failing file as `failedSnapshot`, when either is damaged, or the
  ///   base is missing, of another node, not whole, or not the one the delta names.
  package static func open(_ path: String, reusing current: SnapshotStack? = nil) throws(SoftadastraError)
    -> SnapshotStack
  {
    let open = current.map { [$0.top] + ($0.base.map { [$0] } ?? []) } ?? []
    func reader(_ path: String) throws(SoftadastraError) -> SnapshotReader {
      if let reader = open.first(where: { $0.path == path }) { return reader }
      return try SnapshotReader(path: path)
    }
    let top = try reader(path)
    guard let named = top.header.base else { return SnapshotStack(whole: top) }
    guard let basePath = basePath(of: path, lsn: named.lsn) else {
      throw SoftadastraError(
        .corrupt,
        "delta snapshot \(path) is unusable: its base (LSN \(named.lsn)) is found by the name <base>.<LSN>.snapshot, which this file does not have",
        path: path, detail: SnapshotFailure(path: path))
    }
    func unusable(_ reason: String) -> SoftadastraError {
      SoftadastraError(
        .corrupt, "delta snapshot \(path) is unusable: its base \(basePath) \(reason)", path: path,
        detail: SnapshotFailure(path: path))
    }
    guard FileSystem.exists(basePath) else { throw unusable("is missing") }
    let base = try reader(basePath)
    guard base.header.checksum == named.headerChecksum, base.header.nodeID == top.header.nodeID else {
      throw unusable("is another snapshot than the one it was written over")
    }
    guard base.header.base == nil else { throw unusable("is a delta itself") }
    return SnapshotStack(top: top, base: base)
  }

  /// Where the base at `lsn` of the delta at `path` lies: beside it, named as it is with `lsn` for
  /// its LSN (`NodeFiles.snapshotPath(lsn:)`). Nil when `path` is not so named.
  package static func basePath(of path: String, lsn: UInt64) -> String? {
    let suffix = ".snapshot"
    let digits = NodeFiles.digits(lsn)
    guard path.hasSuffix(suffix) else { return nil }
    let stem = path.dropLast(suffix.count)
    let current = stem.suffix(digits.count + 1)
    guard current.count == digits.count + 1, current.first == ".",
      current.dropFirst().allSatisfy({ ("0"..."9").contains($0) })
    else { return nil }
    return stem.dropLast(digits.count) + digits + suffix
  }

  /// A delta's blocks go to its base's cache: one budget, and the blocks read most stay, of
  /// whichever file. (A reused top shares it already.)
  private init(top: SnapshotReader, base: SnapshotReader) {
    self.top = top
    self.base = base
    if top.cache !== base.cache { top.share(base.cache) }
  }

  package var header: SnapshotHeader { top.header }
  /// A dictionary for a snapshot of this state (`SnapshotDictionary.sample`), from the whole
  /// snapshot: the base of a delta.
  package func dictionarySample() -> [UInt8] { SnapshotDictionary.sample(base ?? top) }
  package var path: String { top.path }
  /// The files read, newest first.
  package var readers: [SnapshotReader] { [top] + (base.map { [$0] } ?? []) }

  /// Whether `error` is damage found in one of the stack's files: that file, to set aside.
  package func failedFile(_ error: SoftadastraError) -> String? {
    guard let failed = error.failedSnapshot?.path, readers.contains(where: { $0.path == failed }) else { return nil }
    return failed
  }

  /// How many bytes of decompressed blocks the files keep for point reads, together (a delta's
  /// blocks go to its base's cache).
  package func setBlockCacheCapacity(_ bytes: Int) { top.cache.capacity = bytes }

  /// `key`'s entry or tombstone, reading at most one block of each file.
  package func lookup(_ key: [UInt8]) throws(SoftadastraError) -> LocalStore.Entry? {
    if let entry = try top.lookup(key, includingTombstones: true) { return entry }
    return try base?.lookup(key, includingTombstones: true)
  }

  /// The entry or tombstone of each of `keys` (in increasing order), nil where there is none,
  /// reading each block they fall in once.
  package func entries(for keys: [[UInt8]]) throws(SoftadastraError) -> [LocalStore.Entry?] {
    var found = try top.entries(for: keys)
    guard let base else { return found }
    let missing = keys.indices.filter { found[$0] == nil }
    for (index, entry) in zip(missing, try base.entries(for: missing.map { keys[$0] })) { found[index] = entry }
    return found
  }

  /// Checks every block's CRC of every file, without decompressing.
  package func checkBlockChecksums() throws(SoftadastraError) {
    for reader in readers { try reader.checkBlockChecksums() }
  }

  /// Reads and checks every block of every file.
  package func verify() throws(SoftadastraError) {
    for reader in readers { try reader.verify() }
  }

  /// The number of keys with a value. A whole snapshot's footer says it; a delta's is its
  /// base's, corrected by each key the delta holds (one pass over the base's blocks those keys
  /// fall in), counted once.
  package func valueCount() throws(SoftadastraError) -> UInt64 {
    guard let base else { return top.valueCount }
    if let counted = countedValues.withLock({ $0 }) { return counted }
    var count = Int64(base.valueCount)
    // The delta's keys go to the base in sorted batches, so memory stays bounded.
    var keys: [[UInt8]] = []
    var hasValue: [Bool] = []
    func countBatch() throws(SoftadastraError) {
      for (isThere, wasThere) in zip(hasValue, try base.containsValues(keys)) {
        count += (isThere ? 1 : 0) - (wasThere ? 1 : 0)
      }
      keys.removeAll(keepingCapacity: true)
      hasValue.removeAll(keepingCapacity: true)
    }
    try top.forEachInPlace { (stored) throws(SoftadastraError) -> Bool in
      keys.append(Array(stored.key))
      hasValue.append(!stored.isTombstone)
      if keys.count == Self.countBatch { try countBatch() }
      return true
    }
    try countBatch()
    let counted = UInt64(max(0, count))
    countedValues.withLock { $0 = counted }
    return counted
  }
}
