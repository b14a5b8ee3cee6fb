@_spi(Storage) import SoftadastraWAL

/// The records of a node after a given record, read from its files (the WALs checkpoints sealed,
/// then the live WAL) without any lock: what the archiver ships next.
///
/// It first finds the record the archive ends at, and checks it is the one shipped: same LSN,
/// same CRC in the node's log (or, when its log is gone, the snapshot at that LSN naming both it
/// and the log that follows). A node whose history no longer holds that record (restored to
/// an earlier point, or its logs removed) has *moved on*: the archiver then starts a new chain.
package enum ArchiveSource {
  /// Where a reading stopped: after the record at `tail.nextLSN - 1` of the log file `identity`.
  /// The next reading from that record starts there instead of at the file's start, when the file
  /// is still there (as the live WAL or, once sealed, under its archived name).
  package struct Resume: Sendable {
    var identity: FileIdentity
    var header: WALHeader
    var tail: LogTail
  }

  package enum Outcome: Sendable {
    /// Records were passed on (perhaps none: nothing new), up to `resume`.
    case read(Resume?)
    /// The node's files no longer continue after the given record; why, in words.
    case movedOn(String)
  }

  /// Passes each whole record after `lsn` (whose CRC in the node's log is `checksum`; LSN 0:
  /// from the node's first record) to `body`, in order, until `body` returns false or the node's
  /// committed records end.
  package static func read(
    _ files: NodeFiles, after lsn: UInt64, checksum: UInt32, resuming resume: Resume? = nil,
    _ body: (ScannedRecord) throws(SoftadastraError) -> Bool
  ) throws(SoftadastraError) -> Outcome {
    guard FileSystem.exists(files.walPath) else { return .movedOn("\(files.walPath) does not exist") }
    // The live WAL first, then the sealed logs: a seal in between leaves the log just sealed in
    // the listing (as the file opened here), never missing from both.
    let liveFile = try SystemFile.openForReading(files.walPath)
    let live = try WALScanner(file: liveFile)
    var logs = files.segments().map { (firstLSN: $0.firstLSN, path: $0.path) }
    logs.removeAll { $0.firstLSN >= live.header.firstLSN }
    var resumed: WALScanner?
    if let resume, resume.tail.nextLSN == lsn + 1, resume.tail.checksum == checksum {
      resumed = try reopen(resume, live: (liveFile, live), logs: logs)
    }
    // Where to start: the log holding `lsn`, or the one right after it.
    let startIndex: Int
    var needsCheck = lsn > 0
    if let resumed {
      startIndex =
        resumed.header.firstLSN == live.header.firstLSN
        ? logs.count : logs.lastIndex { $0.firstLSN == resumed.header.firstLSN }!
      needsCheck = false
    } else if let index = logs.lastIndex(where: { $0.firstLSN <= max(lsn, 1) }) {
      startIndex = index
    } else if live.header.firstLSN <= max(lsn, 1) {
      startIndex = logs.count
    } else if lsn > 0, live.header.firstLSN == lsn + 1 || logs.first?.firstLSN == lsn + 1 {
      // The log holding `lsn` is gone: the snapshot at `lsn` must name that record and the next log.
      let nextHeader = logs.isEmpty ? live.header : try WALScanner(path: logs[0].path).header
      guard files.sealedLogs.successorChecksum(lsn, checksum) == nextHeader.checksum else {
        return .movedOn("nothing in the node's files shows that its log after LSN \(lsn) continues the archive")
      }
      startIndex = 0
      needsCheck = false
    } else {
      return .movedOn("the node's records after LSN \(lsn) are no longer in its files")
    }
    var expected = lsn + 1
    var stop = resumed == nil ? nil : resume
    for index in startIndex...logs.count {
      var log: WALScanner
      if index == startIndex, let resumed {
        log = resumed
      } else {
        log = index < logs.count ? try WALScanner(path: logs[index].path) : live
      }
      if !needsCheck, log.header.firstLSN > expected {
        return .read(stop)  // A seal in between: the next look finds the sealed log.
      }
      let identity = try log.fileIdentity()
      while let scanned = try log.next() {
        let record = scanned.record
        if needsCheck {
          guard record.nextLSN - 1 >= lsn else { continue }
          guard record.nextLSN - 1 == lsn, scanned.checksum == checksum else {
            return .movedOn("the node's record at LSN \(lsn) is not the one archived: its history changed (a restore?)")
          }
          needsCheck = false
          stop = Resume(identity: identity, header: log.header, tail: log.tail)
          continue
        }
        guard record.lsn == expected else { return .read(stop) }
        expected = record.nextLSN
        let goOn = try body(scanned)
        stop = Resume(identity: identity, header: log.header, tail: log.tail)
        guard goOn else { return .read(stop) }
      }
      if case .corrupt(let corruption) = log.ending { throw SoftadastraError.damaged(path: log.path, corruption) }
      if needsCheck {
        // The log ended before `lsn`: the node holds fewer records than were archived.
        guard index < logs.count else {
          return .movedOn("the node ends before LSN \(lsn), which is archived: its history changed (a restore?)")
        }
      }
    }
    return .read(stop)
  }

  /// A reader of the log file a reading stopped in, from where it stopped; nil when that file is
  /// gone (replaced by a restore or a repair).
  private static func reopen(
    _ resume: Resume, live: (file: SystemFile, scanner: WALScanner), logs: [(firstLSN: UInt64, path: String)]
  ) throws(SoftadastraError) -> WALScanner? {
    if live.scanner.header.firstLSN == resume.header.firstLSN {
      guard try live.file.identity() == resume.identity else { return nil }
      return try WALScanner(file: live.file, header: resume.header, from: resume.tail)
    }
    guard let sealed = logs.last(where: { $0.firstLSN == resume.header.firstLSN }),
      let file = try? SystemFile.openForReading(sealed.path), try file.identity() == resume.identity
    else { return nil }
    return try WALScanner(file: file, header: resume.header, from: resume.tail)
  }
}
