/// Converts logs between the native format and the C++ runtime's format, keeping every
/// operation, its order, its sequence number (as LSN) and its time.
public enum WALConverter {
  /// What a conversion wrote.
  public struct Summary: Sendable {
    public var sourceFormat: LogFormat
    /// Operations written.
    public var operations: Int
    /// Damage skipped (with `salvage`), and records dropped because their sequence repeated or
    /// went back.
    public var dropped: [DamagedRegion]
    public var droppedOutOfOrder: Int
    /// Records that are not store operations (a C++ log's file events, say; a native log's
    /// tail-repair notes, lost ranges and sync tables): the other format has nothing to hold them.
    public var leftOut: Int
    /// C++ operations whose own time differed from their record's by more than a millisecond
    /// (operations the runtime received from peers): the converted log keeps the record's time.
    public var operationTimesLost: Int
  }

  /// Writes the operations of the log at `source` to a new log at `destination` in `format`.
  ///
  /// To native, LSNs are the source's sequence numbers, with a lost-range record where they jump;
  /// `nodeID` names the node (required from a C++ log, which has none). To cpp-v1, operations
  /// become put records (deletes carry operation 2, as the runtime writes them) whose sequence
  /// is the LSN; tail-repair notes and lost ranges have no equivalent and are left out (a lost
  /// range stays a gap in the sequence). The runtime's separate operation timestamp is not kept:
  /// both times become the record's time.
  /// - Throws: `cannotCreate` when `destination` exists; `corrupt` for a damaged source without
  ///   `salvage`, or sequences that repeat or go back; `invalidArgument` for a missing node id or
  ///   a native log that continues a snapshot (its history is not all in it);
  ///   `malformedInput` for an operation a native WAL cannot hold (a key over 4096 bytes, a
  ///   value over 16 MiB). Nothing is written when it throws.
  @discardableResult
  public static func convert(
    source: String, to format: LogFormat, destination: String, nodeID: String?, salvage: Bool
  ) throws(SoftadastraError) -> Summary {
    guard !FileSystem.exists(destination) else {
      throw SoftadastraError(.cannotCreate, "\(destination) already exists; convert into a new file", path: destination)
    }
    let sourceFormat = try LogFormat.detect(path: source)
    var scanned: [ScannedRecord] = []
    var dropped: [DamagedRegion] = []
    let header: WALHeader?
    if salvage {
      let plan = try Salvage.plan(path: source, format: sourceFormat)
      (header, scanned, dropped) = (plan.header, plan.kept, plan.dropped)
    } else {
      var reader = try LogFormat.openReader(path: source, format: sourceFormat)
      header = reader.nativeHeader
      while let record = try reader.next() { scanned.append(record) }
      if case .corrupt(let corruption) = reader.ending { throw refusal(source, corruption.offset) }
      if case .tornTail(let torn) = reader.ending { throw refusal(source, torn.offset) }
    }
    if let header { try checkSelfContained(header, source) }
    let sourceNode = header?.nodeID
    let records = scanned.map(\.record)
    // A C++ runtime record carries its operation's own time beside the record's; a native WAL
    // keeps one, so a difference is counted as lost.
    let runtime = try? CppLogScanner(path: source)
    let operationTimesLost = scanned.count { record in
      guard sourceFormat == .cppV1, let own = runtime?.runtimeFields(of: record).operationMilliseconds else {
        return false
      }
      return (Int64(clamping: record.record.timestamp.milliseconds) &- own).magnitude > 1
    }
    var operations: [(lsn: UInt64, milliseconds: UInt64, operation: StoreOperation, batch: WALRecord.BatchPosition)] =
      []
    var droppedOutOfOrder = 0
    var leftOut = 0
    for record in records {
      guard case .operation(let operation, _) = record.body else {
        leftOut += 1
        continue
      }
      if let last = operations.last, record.lsn <= last.lsn {
        guard salvage else {
          throw SoftadastraError(
            .corrupt,
            "\(source): sequence \(record.lsn) repeats or goes back after \(last.lsn); nothing was written",
            path: source, remedy: .salvage)
        }
        droppedOutOfOrder += 1
        continue
      }
      operations.append((record.lsn, record.timestamp.milliseconds, operation, record.batch))
    }
    var bytes: [UInt8] = []
    switch format {
    case .cppV1:
      for entry in operations {
        CppLogScanner.appendRecord(
          sequence: entry.lsn, milliseconds: entry.milliseconds, operation: entry.operation,
          operationMilliseconds: entry.milliseconds, to: &bytes)
      }
    case .native:
      guard let node = nodeID ?? sourceNode else {
        throw SoftadastraError(
          .invalidArgument, "a C++ runtime log names no node", remedy: .nameTheNode)
      }
      if let problem = NodeID.problem(with: node) { throw SoftadastraError(.invalidArgument, problem) }
      let header = WALHeader(
        nodeID: node, createdMilliseconds: Int64(HybridTimestamp.wallClockMilliseconds()),
        firstLSN: operations.first?.lsn ?? 1)
      bytes = header.encoded()
      var seed = header.checksum
      var expected = header.firstLSN
      for entry in operations {
        guard entry.lsn <= WALFormat.maxLSN else {
          throw SoftadastraError(
            .malformedInput,
            "\(source): sequence \(entry.lsn) is above \(WALFormat.maxLSN), the highest LSN of a native WAL; nothing was written",
            path: source, lsn: entry.lsn)
        }
        do throws(SoftadastraError) { try entry.operation.checkLimits() } catch {
          throw SoftadastraError(
            .malformedInput,
            "\(source): the operation at sequence \(entry.lsn) cannot be held by a native WAL (\(error.message)); nothing was written",
            path: source, lsn: entry.lsn)
        }
        let timestamp = HybridTimestamp(milliseconds: entry.milliseconds)
        if entry.lsn > expected {
          let marker = WALRecord(
            lsn: expected, timestamp: timestamp, body: .lostRange(count: entry.lsn - expected, offset: 0, bytes: 0))
          seed = RecordEncoder.append(marker, seed: seed, to: &bytes)
        }
        // A C++ log has no batches: every operation is its own.
        let batch: WALRecord.BatchPosition = sourceFormat == .native ? entry.batch : .single
        let record = WALRecord(
          lsn: entry.lsn, timestamp: timestamp, batch: batch, body: .operation(entry.operation, origin: nil))
        seed = RecordEncoder.append(record, seed: seed, to: &bytes)
        expected = entry.lsn &+ 1
      }
    }
    try FileSystem.writeAtomically(bytes, to: destination)
    return Summary(
      sourceFormat: sourceFormat, operations: operations.count, dropped: dropped, droppedOutOfOrder: droppedOutOfOrder,
      leftOut: leftOut, operationTimesLost: operationTimesLost)
  }

  /// A log that continues a snapshot holds only the node's history after it: converting it alone
  /// would silently drop the rest, so it is refused with the way to convert the whole state.
  private static func checkSelfContained(_ header: WALHeader, _ source: String) throws(SoftadastraError) {
    guard header.continuesSnapshot else { return }
    throw SoftadastraError(
      .invalidArgument,
      "\(source) continues a snapshot: the node's history up to LSN \(header.firstLSN - 1) is in snapshots, not in this log, and converting the log alone would drop it; nothing was written",
      path: source, remedy: .replayIntoOneLogFirst)
  }

  private static func refusal(_ source: String, _ offset: UInt64) -> SoftadastraError {
    SoftadastraError(
      .corrupt,
      "\(source) is damaged at offset \(offset); nothing was written", path: source, offset: offset, remedy: .salvage)
  }
}
