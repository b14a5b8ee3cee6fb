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
      DamagedRegion(
        offset: torn.offset, bytes: torn.bytes, expectedLSN: torn.lastGoodLSN &+ 1, problem: torn.problem, isTail: true)
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
    var report = VerificationReport(status: .clean, path: path, fileSize: try SystemFile.openForReading(path).size())
    var reader: any LogReader
    do throws(SoftadastraError) {
      reader = try LogFormat.openReader(path: path, format: format, materialize: false)
    } catch {
      guard error.kind == .corrupt || error.kind == .configuration else { throw error }
      report.status = .badHeader
      report.headerProblem = error.message
      return report
    }
    report.format = reader.format
    report.header = reader.nativeHeader
    report.fileSize = reader.fileSize
    try check(&reader, into: &report)
    report.bytesChecked = reader.position
    switch reader.ending {
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
      var damage: [DamagedRegion] = []
      var salvage = try LogFormat.openReader(path: path, format: reader.format, materialize: false) { region in
        if region.offset >= corruption.offset { damage.append(region) }
      }
      while let scanned = try salvage.next() {
        if !damage.isEmpty, scanned.offset > corruption.offset { report.recordsAfterDamage += 1 }
      }
      report.damage = damage
      report.bytesChecked = report.fileSize
    }
    report.seconds = started.duration(to: .now).seconds
    return report
  }

  /// Counts the records of `reader` up to its end or its damage, with their warnings. Generic,
  /// so that the loop runs on the reader itself rather than through an existential box.
  static func check<R: LogReader>(_ reader: inout R, into report: inout VerificationReport) throws(SoftadastraError) {
    var previous: WALRecord?
    while let scanned = try reader.next() {
      if let previous, scanned.record.lsn <= previous.lsn || scanned.record.timestamp < previous.timestamp {
        report.warnings += warnings(scanned, after: previous)
      }
      previous = scanned.record
      report.count(scanned)
    }
  }

  /// What is odd but not damage about `scanned` coming after `previous`: a clock that goes
  /// back (a writer's never does: it moves past every record it finds; `--to-time` cuts at the
  /// first record past the time, so records after a step back count as later), or a sequence
  /// that does not increase (a C++ runtime log does not enforce it).
  static func warnings(_ scanned: ScannedRecord, after last: WALRecord) -> [String] {
    var warnings: [String] = []
    let record = scanned.record
    if record.lsn <= last.lsn {
      warnings.append(
        "sequence \(record.lsn) at offset \(scanned.offset) \(record.lsn == last.lsn ? "repeats" : "goes back from") sequence \(last.lsn)"
      )
    }
    if record.timestamp < last.timestamp {
      warnings.append(
        "the clock goes back at offset \(scanned.offset) (LSN \(record.lsn)): \(ISO8601.string(milliseconds: record.timestamp.milliseconds)) after \(ISO8601.string(milliseconds: last.timestamp.milliseconds)) at LSN \(last.lsn)"
      )
    }
    return warnings
  }
}
