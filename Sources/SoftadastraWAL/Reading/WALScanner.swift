/// Reads a native WAL from start to end, yielding only complete records and complete batches,
/// and says at the end whether the log was clean, torn at its tail, or corrupt in the middle.
///
/// With a damage reporter it reads the way a salvage does instead: each damaged region is
/// reported and reading goes on at the next valid record (any whose frame and chained CRC check
/// out with an LSN above the last one seen), so every intact record is seen; batches are not
/// checked whole, which is the caller's decision (`Salvage.plan`).
///
/// The scanner takes no lock and never writes: it can run while a writer appends, and sees the
/// file as it was when opened (or last refreshed). It is a value (keep it in a `var`), so its hot
/// loop runs without the dynamic exclusivity checks a class's stored properties would cost.
public struct WALScanner: LogReader {
  /// The log's path (a reader that follows the log keeps it when it reads archived logs).
  public private(set) var path: String
  public let header: WALHeader
  /// The size of the file when the scanner opened it; later appends are not read.
  public private(set) var fileSize: UInt64
  /// Set once `next()` has returned nil.
  public private(set) var ending: WALEnding?
  /// The offset after the last record returned.
  public private(set) var position: UInt64
  /// The LSN of the last record returned (the header's first LSN minus one before any).
  public private(set) var lastLSN: UInt64
  /// The CRC of the last record returned, which seeds the next record's (the header's at first).
  public private(set) var lastChecksum: UInt32

  public var format: LogFormat { .native }
  public var nativeHeader: WALHeader? { header }

  private let file: SystemFile
  private var cursor: RecordCursor
  private let materialize: Bool
  private let onDamage: DamageReporter?
  /// The LSN the next record must carry.
  public private(set) var expectedLSN: UInt64
  /// The end of the batch being returned, which was checked complete before its first record.
  private var validatedBatchEnd: UInt64 = 0
  /// Reading resumed after damage: the next record may skip LSNs, but not go back.
  private var afterDamage = false

  /// Opens `path` for reading.
  ///
  /// - Parameters:
  ///   - materialize: false to check records without copying keys and values (for
  ///     verification).
  ///   - onDamage: reports damaged regions and reads on past them (a salvage); nil to stop at the
  ///     first damage and classify it (`ending`).
  /// - Throws: `notFound` when the file is missing, `corrupt` when its header is damaged.
  public init(path: String, materialize: Bool = true, onDamage: DamageReporter? = nil) throws(SoftadastraError) {
    try self.init(file: SystemFile.openForReading(path), materialize: materialize, onDamage: onDamage)
  }

  /// Reads the log in an open file, from its start to its size now.
  package init(file: SystemFile, materialize: Bool = true, onDamage: DamageReporter? = nil) throws(SoftadastraError) {
    self.path = file.path
    self.file = file
    self.fileSize = try file.size()
    self.materialize = materialize
    self.onDamage = onDamage
    let headerBytes = try file.read(count: WALHeader.maxSize, at: 0)
    switch headerBytes.withUnsafeBytes({ WALHeader.decode($0) }) {
    case .success(let header): self.header = header
    case .failure(let problem):
      if headerBytes.starts(with: CppLogScanner.magic) {
        throw SoftadastraError(
          .configuration,
          "\(file.path) is a log of the C++ Softadastra runtime",
          path: file.path, remedy: .convertToNative)
      }
      throw SoftadastraError(
        .corrupt, "\(file.path) is not a readable Softadastra WAL: \(problem)", path: file.path, offset: 0)
    }
    cursor = RecordCursor(file: file, fileSize: fileSize)
    position = UInt64(header.size)
    lastLSN = header.firstLSN &- 1
    expectedLSN = header.firstLSN
    lastChecksum = header.checksum
  }

  /// Reads the log in `file`, whose header is `header`, from `tail` on: where an earlier reading
  /// stopped after a complete record (records appended since are read, nothing before).
  package init(file: SystemFile, header: WALHeader, from tail: LogTail, materialize: Bool = true)
    throws(SoftadastraError)
  {
    self.path = file.path
    self.file = file
    self.fileSize = try file.size()
    self.materialize = materialize
    self.onDamage = nil
    self.header = header
    cursor = RecordCursor(file: file, fileSize: fileSize)
    position = tail.offset
    lastLSN = tail.nextLSN &- 1
    expectedLSN = tail.nextLSN
    lastChecksum = tail.checksum
  }

  /// The next complete record, or nil at the end of the log or at the first damage (see `ending`).
  public mutating func next() throws(SoftadastraError) -> ScannedRecord? {
    while ending == nil {
      if position == fileSize {
        ending = .clean
        return nil
      }
      // A file cut in place below what was read is not this log any more: damage, never a
      // read past its end.
      guard position < fileSize else {
        ending = .corrupt(
          Corruption(offset: fileSize, expectedLSN: expectedLSN, problem: .changedInPlace(size: fileSize)))
        return nil
      }
      if !materialize, position < validatedBatchEnd {
        // Checked in full, CRC and payload, when the batch was validated: read the frame only
        // (notes and lost ranges, small, are decoded below, as everywhere).
        let frame = try cursor.checkedFrame(at: position)
        if frame.type != RecordType.tailRepairNote, frame.type != RecordType.lostRange {
          return accept(frame, frame.unreadRecord)
        }
      }
      let read = try cursor.read(at: position, seed: lastChecksum, materialize: materialize)
      let problem: RecordProblem
      switch read {
      case .decoded(let frame, _), .checked(let frame):
        if let outOfSequence = sequenceProblem(frame) {
          problem = outOfSequence
        } else {
          if onDamage == nil, frame.batch == .first {
            guard try validateBatch(startingWith: frame, at: position) else { return nil }
          }
          afterDamage = false
          return accept(frame, read.record ?? frame.unreadRecord)
        }
      case .invalid(let invalid): problem = invalid
      }
      if onDamage == nil {
        try end(at: position, damageAt: position, expectedLSN: expectedLSN, problem)
      } else {
        try readPastDamage(problem)
      }
    }
    return nil
  }

  /// Why a valid frame cannot come next. Strictly, its LSN must follow and its batch flags fit
  /// the position; after damage in a salvage, any LSN above the last one seen will do.
  private func sequenceProblem(_ frame: RecordFrame) -> RecordProblem? {
    if onDamage != nil {
      return frame.lsn == expectedLSN || (afterDamage && frame.lsn > lastLSN)
        ? nil : .lsnOutOfSequence(expected: expectedLSN, found: frame.lsn)
    }
    return Self.sequenceProblem(frame, expectedLSN: expectedLSN, inBatch: position < validatedBatchEnd)
  }

  /// Reports the damaged region at `position` up to the next valid record, and goes on there.
  private mutating func readPastDamage(_ problem: RecordProblem) throws(SoftadastraError) {
    var probe = RecordCursor(file: file, fileSize: fileSize, capacity: 1 << 16)
    let next = try probe.firstValidRecord(
      from: position + 1, minimumLSN: lastLSN, headerSize: header.size,
      alternateSeed: try Self.alternateSeed(for: problem, at: position, in: &probe))
    let end = next?.offset ?? fileSize
    onDamage?(
      DamagedRegion(
        offset: position, bytes: end - position, expectedLSN: expectedLSN, problem: problem, isTail: next == nil))
    position = end
    if let next {
      lastChecksum = next.seed
      afterDamage = true
    }
  }

  /// Moves past a record that is known good and returns it.
  private mutating func accept(_ frame: RecordFrame, _ record: WALRecord) -> ScannedRecord {
    let scanned = ScannedRecord(offset: position, size: frame.size, checksum: frame.checksum, record: record)
    position += UInt64(frame.size)
    lastLSN = frame.lsn
    expectedLSN = frame.nextLSN
    lastChecksum = frame.checksum
    return scanned
  }

  public mutating func withOperation<T>(of scanned: ScannedRecord, _ body: (OperationInPlace) -> T)
    throws(SoftadastraError) -> T?
  {
    guard case .unread(let type) = scanned.record.body else { return scanned.withMaterializedOperation(body) }
    guard type == RecordType.put || type == RecordType.delete else { return nil }
    // Its bytes are those checked only while it is the record read last.
    guard scanned.offset + UInt64(scanned.size) == position, scanned.checksum == lastChecksum else {
      throw SoftadastraError(
        .invalidArgument, "only the record read last can be read in place (LSN \(scanned.record.lsn) is not)",
        path: path)
    }
    let read: T? = try cursor.withBytes(at: scanned.offset, count: scanned.size) { bytes in
      bytes.count == scanned.size ? RecordDecoder.operation(in: bytes).map(body) : nil
    }
    // It was checked in full when it was scanned: only a file changed in place since reads otherwise.
    guard let read else {
      throw SoftadastraError(
        .corrupt, "WAL \(path) changed in place at offset \(scanned.offset) while it was read", path: path,
        offset: scanned.offset)
    }
    return read
  }

  /// Looks again at the file's size, so that records appended since can be read (for following
  /// a log as it grows). An ending that only meant "nothing more yet" is cleared; damage stays.
  ///
  /// Once the file it has open has no more records and another file is at its path (a
  /// checkpoint started a new log; a restore or a repair put one in place), it reads that one:
  /// after a checkpoint from the record that follows the last one read; otherwise from the
  /// start, counted in `replacements`, as is a file cut or written over in place below what was
  /// read. With `sealed` (where checkpoints keep the logs they seal),
  /// a new log continues this one only when this file was sealed: it is kept where a checkpoint
  /// keeps it, or (once retention removed it) a snapshot published at this log's last record
  /// names the next log's header checksum. A log a restore put in place that happens to start at
  /// the next LSN is a replacement. When several checkpoints sealed logs since the last look, the
  /// archived ones are read in turn.
  public mutating func refresh(sealed logs: SealedLogs? = nil) throws(SoftadastraError) {
    let size = try file.size()
    // The last record read still ends where it did with its checksum (every record, and the
    // header, ends with its CRC); otherwise the file was cut or written over in place: it is
    // read anew from the path, as another log put in place. (A salvage's checksum may be a
    // recomputed one: not checked.)
    var intact = size >= position
    if intact, onDamage == nil { intact = try file.endsRecord(at: position, withChecksum: lastChecksum) }
    if !intact {
      let replacements = replacements + 1
      self = try WALScanner(file: SystemFile.openForReading(path), materialize: materialize, onDamage: onDamage)
      self.replacements = replacements
      return
    }
    if size != fileSize {
      fileSize = size
      cursor = RecordCursor(file: file, fileSize: size)
      if case .corrupt = ending { return }
      ending = nil
      return
    }
    // Only once this file is read to its end (damage is never stepped over).
    guard let ending, !ending.isCorrupt, let current = FileSystem.identity(of: path), try current != file.identity()
    else { return }
    // Whether this file was sealed (nil: not known): kept where checkpoints keep sealed logs, or
    // (once retention removed it) proven by the snapshot published at its last record, which
    // names the next log's header checksum (`successor`; required of the next log whenever that
    // snapshot is there).
    var sealed: Bool?
    var successor: UInt32?
    let identity = try file.identity()
    func isArchived() -> Bool {
      logs.map { FileSystem.identity(of: $0.archivedPath(header.firstLSN)) == identity } ?? false
    }
    if let logs {
      if expectedLSN > header.firstLSN { successor = logs.successorChecksum(expectedLSN - 1, lastChecksum) }
      sealed = isArchived() || successor != nil
    }
    let (expectedLSN, nodeID) = (self.expectedLSN, header.nodeID)
    func follows(_ next: WALHeader) -> Bool {
      next.firstLSN == expectedLSN && next.continuesSnapshot && next.nodeID == nodeID
        && successor.map { next.checksum == $0 } ?? true
    }
    // Still sealed once the next log is open: a restore that finished meanwhile moved the
    // archived logs aside.
    func stillSealed() -> Bool { successor != nil || isArchived() }
    // The log that follows a sealed one: archived too when another checkpoint sealed it since.
    if sealed == true, let logs,
      let next = try? WALScanner(
        file: SystemFile.openForReading(logs.archivedPath(expectedLSN)), materialize: materialize, onDamage: onDamage),
      follows(next.header), stillSealed()
    {
      let (path, replacements) = (self.path, self.replacements)
      self = next
      (self.path, self.replacements) = (path, replacements)
      return
    }
    let next = try WALScanner(file: SystemFile.openForReading(path), materialize: materialize, onDamage: onDamage)
    let continues = follows(next.header) && sealed != false && (sealed == nil || stillSealed())
    let replacements = replacements + (continues ? 0 : 1)
    self = next
    self.replacements = replacements
  }

  /// Where reading stands: after the last complete record read.
  public var tail: LogTail { LogTail(offset: position, nextLSN: expectedLSN, checksum: lastChecksum) }

  /// The status of the file being read (one `fstat`).
  package func fileStatus() throws(SoftadastraError) -> FileStatus { try file.status() }

  /// Whether the log may have changed since its file's status was `status` (nil: not known):
  /// one `lstat` of the path (a file put in its place is told by identity).
  package func mayHaveChanged(since status: FileStatus?) -> Bool {
    guard let status, let now = try? file.status(ifStillAt: path) else { return true }
    return now != status
  }

  /// The device and inode of the file being read.
  package func fileIdentity() throws(SoftadastraError) -> FileIdentity { try file.identity() }

  /// How many times `refresh()` found the log replaced by one that does not continue it (a
  /// restore, a repair): its records were read from the start, LSNs may repeat.
  public private(set) var replacements = 0

  /// Why a valid frame cannot come next: its LSN, or batch flags that contradict the position.
  static func sequenceProblem(_ frame: RecordFrame, expectedLSN: UInt64, inBatch: Bool) -> RecordProblem? {
    if frame.lsn != expectedLSN { return .lsnOutOfSequence(expected: expectedLSN, found: frame.lsn) }
    if inBatch, !frame.batch.isContinuation { return .batchFraming("a record interrupts a batch that is not finished") }
    if !inBatch, frame.batch.isContinuation { return .batchFraming("a batch continues, but no batch was started") }
    return nil
  }

  /// Checks that the batch starting with `first` is complete before any of it is returned.
  private mutating func validateBatch(startingWith first: RecordFrame, at start: UInt64) throws(SoftadastraError)
    -> Bool
  {
    var probe = RecordCursor(file: file, fileSize: fileSize)
    var offset = start + UInt64(first.size)
    var previous = first
    while true {
      if offset == fileSize {
        try end(at: start, damageAt: offset, expectedLSN: previous.nextLSN, .unfinishedBatch)
        return false
      }
      let frame: RecordFrame
      switch try probe.read(at: offset, seed: previous.checksum, materialize: false) {
      case .decoded(let read, _), .checked(let read): frame = read
      case .invalid(let problem):
        try end(at: start, damageAt: offset, expectedLSN: previous.nextLSN, problem)
        return false
      }
      if let problem = Self.sequenceProblem(frame, expectedLSN: previous.nextLSN, inBatch: true) {
        try end(at: start, damageAt: offset, expectedLSN: previous.nextLSN, problem)
        return false
      }
      offset += UInt64(frame.size)
      previous = frame
      if !frame.batch.continues {
        validatedBatchEnd = offset
        return true
      }
    }
  }

  /// Classifies the damage at `damageAt`, in the record or batch that starts at `unitStart`.
  private mutating func end(at unitStart: UInt64, damageAt: UInt64, expectedLSN: UInt64, _ problem: RecordProblem)
    throws(SoftadastraError)
  {
    var probe = RecordCursor(file: file, fileSize: fileSize, capacity: 1 << 16)
    let next = try probe.firstValidRecord(
      from: damageAt + 1, minimumLSN: lastLSN, headerSize: header.size,
      alternateSeed: try Self.alternateSeed(for: problem, at: damageAt, in: &probe))
    let unfinishedWrite = try Self.looksLikeAnUnfinishedWrite(problem, from: damageAt, in: &probe)
    if problem.framingIsValid || next != nil || !unfinishedWrite {
      ending = .corrupt(
        Corruption(
          offset: damageAt, expectedLSN: expectedLSN, problem: problem, nextValidOffset: next?.offset,
          nextValidLSN: next?.frame.lsn))
    } else {
      ending = .tornTail(
        TornTail(offset: unitStart, bytes: fileSize - unitStart, lastGoodLSN: lastLSN, problem: problem))
    }
  }

  /// Whether damage with nothing valid after it is what an interrupted append leaves: a record
  /// cut short by the end of the file, a batch without its last record, or zero-filled space.
  /// A complete record that fails its checks is not: it may be an acknowledged write hit by a
  /// bad sector or a flipped bit, so it is reported as corruption and never cut automatically.
  static func looksLikeAnUnfinishedWrite(_ problem: RecordProblem, from offset: UInt64, in cursor: inout RecordCursor)
    throws(SoftadastraError) -> Bool
  {
    // An append writes the trailing size last: a file that ends with the trailer of a record
    // starting at `offset` holds a whole record, however damaged its start is.
    if cursor.fileSize - offset >= UInt64(WALFormat.recordOverhead),
      try cursor.withBytes(at: cursor.fileSize - 8, count: 4, { UInt64($0.loadLittleEndian(at: 0, as: UInt32.self)) })
        == cursor.fileSize - offset
    {
      return false
    }
    switch problem {
    case .incomplete, .unfinishedBatch: return true
    default: break
    }
    var position = offset
    while position < cursor.fileSize {
      let count = Int(min(UInt64(1 << 16), cursor.fileSize - position))
      guard try cursor.withBytes(at: position, count: count, { $0.allSatisfy { $0 == 0 } }) else { return false }
      position += UInt64(count)
    }
    return true
  }

  /// For a record whose bytes are intact but whose stored CRC is damaged: the offset of the
  /// record after it, and the CRC it should be seeded with.
  static func alternateSeed(for problem: RecordProblem, at offset: UInt64, in cursor: inout RecordCursor)
    throws(SoftadastraError) -> (offset: UInt64, seed: UInt32)?
  {
    guard case .checksumMismatch(_, let computed) = problem else { return nil }
    let size = try cursor.withBytes(at: offset, count: 4) { $0.loadLittleEndian(at: 0, as: UInt32.self) }
    return (offset + UInt64(size), computed)
  }
}
