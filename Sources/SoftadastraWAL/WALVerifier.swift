#if canImport(Glibc)
  import Glibc
#endif

/// What `WALVerifier` found in a log.
public struct VerificationReport: Sendable {
  /// The classification, from best to worst.
  public enum Status: String, Sendable {
    /// Every record is valid up to the end of the file.
    case clean
    /// Valid records, then bytes that are not data and no valid record after them.
    case tornTail = "torn-tail"
    /// Damage with valid records after it, or a wrong record that passed its CRC.
    case corrupt
    /// The header is unreadable: the file is not a usable WAL.
    case badHeader = "bad-header"
  }

  public var status: Status
  public var format: LogFormat = .native
  public var path: String
  public var fileSize: UInt64
  public var header: WALHeader?
  /// Why the header is unreadable, for `badHeader`.
  public var headerProblem: String?
  /// Valid records before the first damage, and their LSN range.
  public var records: Int = 0
  public var firstLSN: UInt64?
  public var lastLSN: UInt64?
  public var tornTail: TornTail?
  public var corruption: Corruption?
  /// Every damaged region, in file order (the torn tail included).
  public var damage: [DamagedRegion] = []
  /// Valid records found after the first damage (what a salvage repair can keep).
  public var recordsAfterDamage = 0
  /// Things that are legal but worth a look, with their offsets (for C++ runtime logs: repeated
  /// or decreasing sequence numbers).
  public var warnings: [String] = []
  /// Bytes at the end that a running writer is appending right now (not data yet, not damage).
  public var appendingBytes: UInt64 = 0
  /// Bytes checked and the time it took.
  public var bytesChecked: UInt64 = 0
  public var seconds: Double = 0

  /// Counts a valid record before the first damage.
  mutating func count(_ scanned: ScannedRecord) {
    records += 1
    if firstLSN == nil { firstLSN = scanned.record.lsn }
    lastLSN = scanned.record.lsn
  }

  /// Classifies the log as ending in `torn`.
  mutating func setTornTail(_ torn: TornTail) {
    status = .tornTail
    tornTail = torn
    damage = [
      DamagedRegion(offset: torn.offset, bytes: torn.bytes, expectedLSN: torn.lastGoodLSN &+ 1, problem: torn.problem, isTail: true)
    ]
  }
}

/// Checks a log from end to end: header, every record's chained CRC, LSN continuity, batch
/// framing, decodability of payloads. Takes no lock and writes nothing.
public enum WALVerifier {
  /// Verifies the log at `path`.
  ///
  /// A damaged log is a report, not an error. Torn bytes at the end while another process holds
  /// the writer lock are that writer's append in progress, reported as `appendingBytes`.
  /// - Parameters:
  ///   - holdingLock: the caller holds the writer lock itself, so no append is running.
  ///   - format: the log's format; nil to recognise it by its first bytes.
  /// - Throws: `notFound` when the file is missing; I/O errors.
  public static func verify(path: String, holdingLock: Bool = false, format: LogFormat? = nil) throws(SoftadastraError)
    -> VerificationReport
  {
    let started = ContinuousClock.now
    let resolved: LogFormat
    if let format { resolved = format } else { resolved = try LogFormat.detect(path: path) }
    if resolved == .cppV1 {
      var report = try verifyCppLog(path: path)
      report.seconds = started.duration(to: .now).seconds
      return report
    }
    let file = try SystemFile.openForReading(path)
    var report = VerificationReport(status: .clean, path: path, fileSize: try file.size())
    var scanner: WALScanner
    do throws(SoftadastraError) { scanner = try WALScanner(file: file, materialize: false) } catch {
      guard error.kind == .corrupt || error.kind == .configuration else { throw error }
      report.status = .badHeader
      report.headerProblem = error.message
      return report
    }
    report.header = scanner.header
    report.fileSize = scanner.fileSize
    var previous: (timestamp: HybridTimestamp, lsn: UInt64)?
    while let scanned = try scanner.next() {
      // A writer's clock never goes back (it moves past every record it finds). The records are
      // intact, so this is a warning, not damage: `--to-time` cuts at the first record past the
      // time, and records after a step back are treated as later.
      if let previous, scanned.record.timestamp < previous.timestamp {
        report.warnings.append(
          "the clock goes back at offset \(scanned.offset) (LSN \(scanned.record.lsn)): \(ISO8601.string(milliseconds: scanned.record.timestamp.milliseconds)) after \(ISO8601.string(milliseconds: previous.timestamp.milliseconds)) at LSN \(previous.lsn)")
      }
      previous = (scanned.record.timestamp, scanned.record.lsn)
      report.count(scanned)
    }
    report.bytesChecked = scanner.position
    switch scanner.ending {
    case .clean, nil: break
    case .tornTail(let torn):
      if !holdingLock, WriterLock.isHeld(walPath: path) {
        // A writer validated the tail when it opened the log: these bytes are its append.
        report.appendingBytes = torn.bytes
      } else {
        report.setTornTail(torn)
      }
    case .corrupt(let corruption):
      report.status = .corrupt
      report.corruption = corruption
      var seenDamage = false
      try SalvageWalk.walk(path: path, materialize: false) { event in
        switch event {
        case .damage(let region):
          if region.offset >= corruption.offset { seenDamage = true }
          if seenDamage { report.damage.append(region) }
        case .record(let scanned):
          if seenDamage, scanned.offset > corruption.offset { report.recordsAfterDamage += 1 }
        }
      }
      report.bytesChecked = report.fileSize
    }
    report.seconds = started.duration(to: .now).seconds
    return report
  }

  /// The same checks on a C++ runtime log, whose records carry no chained CRC: a valid record
  /// anywhere after the damage (found by its magic bytes) makes the damage corruption.
  static func verifyCppLog(path: String) throws(SoftadastraError) -> VerificationReport {
    var scanner = try CppLogScanner(path: path)
    var report = VerificationReport(status: .clean, path: path, fileSize: scanner.fileSize)
    report.format = .cppV1
    while let scanned = try scanner.next() {
      if let last = report.lastLSN, scanned.record.lsn <= last {
        report.warnings.append(
          "sequence \(scanned.record.lsn) at offset \(scanned.offset) \(scanned.record.lsn == last ? "repeats" : "goes back from") sequence \(last)")
      }
      report.count(scanned)
    }
    report.bytesChecked = UInt64(scanner.position)
    switch scanner.ending {
    case .clean, nil: break
    case .tornTail(let torn):
      report.setTornTail(torn)
    case .corrupt(let corruption):
      report.status = .corrupt
      report.corruption = corruption
      var salvage = try CppLogScanner(path: path, resync: true)
      while let scanned = try salvage.next() {
        if scanned.offset > corruption.offset { report.recordsAfterDamage += 1 }
      }
      report.damage = salvage.damage
      report.bytesChecked = report.fileSize
    }
    return report
  }
}
