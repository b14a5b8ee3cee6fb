@_spi(Storage) import SoftadastraWAL

/// The records of a node after a given record, read from its files (the WALs checkpoints sealed,
/// then the live WAL) without any lock: what the archiver ships next.
///
/// It first finds the record the archive ends at, and checks it is the one shipped: same LSN,
/// same CRC in the node's log (or, when its log is gone, the snapshot at that LSN naming both it
/// and the log that follows). A node whose history no longer holds that record (restored to
/// an earlier point, or its logs removed) has *moved on*: the archiver then starts a new chain.
package enum ArchiveSource {
  package enum Outcome: Sendable, Equatable {
    /// Records were passed on (perhaps none: nothing new).
    case read
    /// The node's files no longer continue after the given record; why, in words.
    case movedOn(String)
  }

  /// Passes each whole record after `lsn` (whose CRC in the node's log is `checksum`; LSN 0:
  /// from the node's first record) to `body`, in order, until `body` returns false or the node's
  /// committed records end.
  package static func read(
    _ files: NodeFiles, after lsn: UInt64, checksum: UInt32,
    _ body: (ScannedRecord) throws(SoftadastraError) -> Bool
  ) throws(SoftadastraError) -> Outcome {
    guard FileSystem.exists(files.walPath) else { return .movedOn("\(files.walPath) does not exist") }
    var logs = files.segments().map { (firstLSN: $0.firstLSN, path: $0.path) }
    let live = try WALScanner(path: files.walPath)
    logs.removeAll { $0.firstLSN >= live.header.firstLSN }
    // Where to start: the log holding `lsn`, or the one right after it.
    let startIndex: Int
    var needsCheck = lsn > 0
    if let index = logs.lastIndex(where: { $0.firstLSN <= max(lsn, 1) }) {
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
    for index in startIndex...logs.count {
      var log = index < logs.count ? try WALScanner(path: logs[index].path) : live
      if !needsCheck, log.header.firstLSN > expected {
        return .read  // A seal in between: the next look finds the sealed log.
      }
      while let scanned = try log.next() {
        let record = scanned.record
        if needsCheck {
          guard record.nextLSN - 1 >= lsn else { continue }
          guard record.nextLSN - 1 == lsn, scanned.checksum == checksum else {
            return .movedOn("the node's record at LSN \(lsn) is not the one archived: its history changed (a restore?)")
          }
          needsCheck = false
          continue
        }
        guard record.lsn == expected else { return .read }
        expected = record.nextLSN
        guard try body(scanned) else { return .read }
      }
      if case .corrupt(let corruption) = log.ending { throw SoftadastraError.damaged(path: log.path, corruption) }
      if needsCheck {
        // The log ended before `lsn`: the node holds fewer records than were archived.
        guard index < logs.count else {
          return .movedOn("the node ends before LSN \(lsn), which is archived: its history changed (a restore?)")
        }
      }
    }
    return .read
  }
}
