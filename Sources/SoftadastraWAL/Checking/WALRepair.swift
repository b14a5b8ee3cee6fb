/// What `WALRepair` did, or would do with `dryRun`.
public struct RepairResult: Sendable {
  public enum Action: String, Sendable {
    /// The log was clean: nothing to do.
    case none
    /// A torn tail was cut off.
    case truncateTail = "truncate-tail"
    /// The log was rebuilt from every intact record around damage in the middle.
    case salvage
  }

  public var action: Action
  public var dryRun: Bool
  /// The report before the repair.
  public var before: VerificationReport
  /// Where the original was copied, when anything changed (or would).
  public var backupPath: String?
  /// Records in the repaired log.
  public var keptRecords: Int
  /// What was dropped: damaged regions and records of broken batches.
  public var dropped: [DamagedRegion]
  /// The repaired log's size in bytes.
  public var newSize: UInt64
}

/// Repairs a damaged log safely: takes the writer lock, copies the original aside, writes the
/// repaired log beside it, syncs it, and renames it into place atomically (syncing the
/// directory). Never prompts; with `dryRun` it only says what it would do.
public enum WALRepair {
  /// Repairs the log at `path`.
  ///
  /// - Parameters:
  ///   - salvage: also repair damage in the middle, keeping every intact record (LSNs of lost
  ///     records are kept as lost-range records, so no LSN is reused).
  ///   - backupPath: where to copy the original; default `<wal>.broken-<UTC timestamp>`.
  ///   - dryRun: change nothing; report what would be done.
  ///   - lockTimeout: seconds to wait for a writer to finish.
  ///   - format: the log's format; nil to recognise it by its first bytes.
  /// - Throws: `corrupt` when the header is unreadable, or for damage in the middle without
  ///   `salvage` (nothing is changed); `lockTimeout`; file errors.
  public static func repair(
    path: String, salvage: Bool, backupPath: String? = nil, dryRun: Bool, lockTimeout: Double, format: LogFormat? = nil
  ) throws(SoftadastraError) -> RepairResult {
    // A symbolic link is followed, as writers follow it: the real file is repaired (the link
    // stays) under the lock writers take, `<real file>.lock`.
    let path = FileSystem.resolvingSymbolicLink(path)
    // Nothing is created beside a file that is not a log (no lock file either).
    let resolvedFormat: LogFormat
    if let format { resolvedFormat = format } else { resolvedFormat = try LogFormat.detect(path: path) }
    if resolvedFormat == .native {
      do throws(SoftadastraError) { _ = try WALScanner(path: path, materialize: false) } catch {
        guard error.kind == .corrupt else { throw error }
        var refused = error.inContext("cannot repair \(path)")
        refused.message += "; restore it from a backup"
        throw refused
      }
    }
    let lock = dryRun ? nil : try WriterLock.acquire(walPath: path, timeout: lockTimeout)
    defer { lock?.release() }
    let report = try WALVerifier.verify(path: path, holdingLock: lock != nil, format: resolvedFormat)
    let backup: String
    if let backupPath { backup = backupPath } else { backup = try unusedBackupName(for: path) }
    if report.format == .cppV1, report.status != .clean {
      return try repairCppLog(path: path, report: report, salvage: salvage, backup: backup, dryRun: dryRun)
    }
    switch report.status {
    case .clean:
      return RepairResult(
        action: .none, dryRun: dryRun, before: report, backupPath: nil, keptRecords: report.records, dropped: [],
        newSize: report.fileSize)
    case .badHeader:
      throw SoftadastraError(
        .corrupt, "cannot repair \(path): \(report.headerProblem ?? "bad header"); restore it from a backup",
        path: path, offset: 0)
    case .corrupt where !salvage:
      throw SoftadastraError(
        .corrupt,
        "\(path) is damaged in the middle (offset \(report.corruption!.offset)) with \(report.recordsAfterDamage) valid record\(report.recordsAfterDamage == 1 ? "" : "s") after it; nothing was changed",
        path: path, offset: report.corruption!.offset, remedy: .salvage)
    case .tornTail:
      let torn = report.tornTail!
      var scanner = try WALScanner(path: path, materialize: false)
      while try scanner.next() != nil {}
      let note = WALRecord(
        lsn: scanner.expectedLSN, timestamp: HybridTimestamp(milliseconds: HybridTimestamp.wallClockMilliseconds()),
        body: .tailRepairNote(offset: torn.offset, bytes: torn.bytes))
      var bytes = try SystemFile.openForReading(path).read(count: Int(torn.offset), at: 0)
      RecordEncoder.append(note, seed: scanner.lastChecksum, to: &bytes)
      if !dryRun { try replace(path, with: bytes, backup: backup) }
      return RepairResult(
        action: .truncateTail, dryRun: dryRun, before: report, backupPath: backup, keptRecords: report.records + 1,
        dropped: report.damage, newSize: UInt64(bytes.count))
    case .corrupt:
      let plan = try Salvage.plan(path: path, format: .native)
      guard let header = plan.header else { preconditionFailure("a native log has a header") }
      let bytes = rebuild(plan, header: header)
      if !dryRun { try replace(path, with: bytes.bytes, backup: backup) }
      return RepairResult(
        action: .salvage, dryRun: dryRun, before: report, backupPath: backup, keptRecords: bytes.records,
        dropped: plan.dropped, newSize: UInt64(bytes.bytes.count))
    }
  }

  /// Repairs a C++ runtime log in its own format: a torn tail is cut off; a salvage keeps every
  /// record that decodes, in file order, with its sequence number unchanged (the runtime's
  /// reader then sees the records it stopped before).
  static func repairCppLog(path: String, report: VerificationReport, salvage: Bool, backup: String, dryRun: Bool)
    throws(SoftadastraError) -> RepairResult
  {
    if report.status == .corrupt, !salvage {
      throw SoftadastraError(
        .corrupt,
        "\(path) is damaged in the middle (offset \(report.corruption!.offset)) with \(report.recordsAfterDamage) valid record\(report.recordsAfterDamage == 1 ? "" : "s") after it; nothing was changed",
        path: path, offset: report.corruption!.offset, remedy: .salvage)
    }
    if report.status == .tornTail, report.tornTail?.offset == 0 {
      throw SoftadastraError(
        .corrupt,
        "\(path) holds no complete record (its first record is torn, \(report.fileSize) bytes): a repaired log would be an empty file that no reader recognises; delete it instead (the runtime starts a new log). Nothing was changed",
        path: path, offset: 0)
    }
    var scanner = try CppLogScanner(path: path) { _ in }  // past every damaged region
    var kept: [ScannedRecord] = []
    while let scanned = try scanner.next() { kept.append(scanned) }
    let bytes = report.status == .tornTail ? scanner.prefix(report.tornTail!.offset) : scanner.bytes(of: kept)
    if !dryRun { try replace(path, with: bytes, backup: backup) }
    return RepairResult(
      action: report.status == .tornTail ? .truncateTail : .salvage, dryRun: dryRun, before: report, backupPath: backup,
      keptRecords: report.status == .tornTail ? report.records : kept.count, dropped: report.damage,
      newSize: UInt64(bytes.count))
  }

  /// The bytes of a log holding the plan's kept records, with a lost-range record wherever LSNs
  /// were lost, so that no LSN is ever reused.
  static func rebuild(_ plan: Salvage.Plan, header: WALHeader) -> (bytes: [UInt8], records: Int) {
    var bytes = header.encoded()
    var seed = header.checksum
    var expected = header.firstLSN
    var records = 0
    var droppedRegions = plan.dropped[...]
    for scanned in plan.kept {
      let record = scanned.record
      if record.lsn > expected {
        // Describe the first damaged region that lies before this record.
        let region = droppedRegions.first { $0.offset < scanned.offset }
        while let first = droppedRegions.first, first.offset < scanned.offset { droppedRegions.removeFirst() }
        let marker = WALRecord(
          lsn: expected, timestamp: record.timestamp,
          body: .lostRange(
            count: record.lsn - expected, offset: region?.offset ?? scanned.offset, bytes: region?.bytes ?? 0))
        seed = RecordEncoder.append(marker, seed: seed, to: &bytes)
        records += 1
      }
      seed = RecordEncoder.append(record, seed: seed, to: &bytes)
      records += 1
      expected = record.nextLSN
    }
    let lastKeptEnd = plan.kept.last.map { $0.offset + UInt64($0.size) } ?? 0
    let trailing = plan.dropped.filter { $0.offset >= lastKeptEnd }
    if let highest = plan.highestLSN, highest >= expected, let last = plan.dropped.last {
      // LSNs lost after the last kept record: mark them too, so the next write does not reuse
      // them. Damage that runs to the end hides how many records it held: count as many as its
      // bytes could hold (every record takes at least its frame), never fewer than were seen.
      let couldHold = trailing.reduce(UInt64(0)) { $0 + max(1, $1.bytes / UInt64(WALFormat.recordOverhead)) }
      let count = max(highest - expected + 1, couldHold)
      // Its time is now, or just after the last kept record's if the wall clock is behind it.
      var clock = HybridClock(last: plan.kept.last?.record.timestamp ?? HybridTimestamp(rawValue: 0))
      let marker = WALRecord(
        lsn: expected, timestamp: clock.now(), body: .lostRange(count: count, offset: last.offset, bytes: last.bytes))
      RecordEncoder.append(marker, seed: seed, to: &bytes)
      records += 1
    }
    return (bytes, records)
  }

  /// `<path>.broken-<UTC time>`, with `-2`, `-3`… when that name is taken (two repairs in one
  /// second keep both originals).
  static func unusedBackupName(for path: String) throws(SoftadastraError) -> String {
    let base = "\(path).broken-\(ISO8601.compactString(milliseconds: HybridTimestamp.wallClockMilliseconds()))"
    var name = base
    var counter = 1
    while FileSystem.exists(name) || FileSystem.identity(of: name) != nil {
      counter += 1
      guard counter < 10_000 else {
        throw SoftadastraError(.cannotCreate, "too many files named \(base)-N", path: base)
      }
      name = "\(base)-\(counter)"
    }
    return name
  }

  /// Copies `path` to `backup`, writes `bytes` beside `path`, syncs, and renames over it.
  static func replace(_ path: String, with bytes: [UInt8], backup: String) throws(SoftadastraError) {
    let original = try SystemFile.openForReading(path)
    let copy = try SystemFile.createExclusive(backup)
    try copy.write(original.read(count: Int(original.size()), at: 0), at: 0)
    try copy.sync()
    copy.close()
    try FileSystem.syncDirectory(FileSystem.directory(of: backup))
    try FileSystem.writeAtomically(bytes, to: path, temporarySuffix: ".repair")
  }
}
