/// Reads records at arbitrary offsets of a log file through a reusable buffer.
///
/// The cursor sees the file as it was when created: bytes a writer appends later are beyond
/// `fileSize`, so a record being appended is reported as incomplete, never as data.
struct RecordCursor {
  let file: SystemFile
  let fileSize: UInt64
  private let capacity: Int
  /// Allocated at the first read, so a cursor that is never used costs nothing.
  private var buffer: [UInt8] = []
  private var bufferOffset: UInt64 = 0
  private var bufferCount = 0

  init(file: SystemFile, fileSize: UInt64, capacity: Int = 1 << 20) {
    self.file = file
    self.fileSize = fileSize
    self.capacity = capacity
  }

  /// Makes bytes [offset, offset + count) available, or as many as the file holds; returns how many.
  private mutating func load(_ offset: UInt64, _ count: Int) throws(SoftadastraError) -> Int {
    let wanted = Int(min(UInt64(count), fileSize - min(offset, fileSize)))
    if offset >= bufferOffset, offset + UInt64(wanted) <= bufferOffset + UInt64(bufferCount) { return wanted }
    if buffer.count < max(wanted, min(capacity, Int(fileSize))) {
      // Uninitialized: every byte is read from the file before it is looked at.
      let size = max(wanted, min(capacity, Int(fileSize)))
      buffer = [UInt8](unsafeUninitializedCapacity: size) { _, initialized in initialized = size }
    }
    let toRead = Int(min(UInt64(buffer.count), fileSize - offset))
    bufferCount = try buffer.withUnsafeMutableBytes { raw in
      Result { () throws(SoftadastraError) in
        try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<toRead]), at: offset)
      }
    }.get()
    bufferOffset = offset
    return min(wanted, bufferCount)
  }

  /// Runs `body` over up to `count` bytes at `offset` (fewer at the end of the file).
  mutating func withBytes<R>(
    at offset: UInt64, count: Int, _ body: (UnsafeRawBufferPointer) -> R
  ) throws(SoftadastraError) -> R {
    let available = try load(offset, count)
    let start = Int(offset - bufferOffset)
    return buffer.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<start + available])) }
  }

  /// The little-endian 32-bit value at `offset`: the CRC that seeds the record after it.
  mutating func seed(before offset: UInt64) throws(SoftadastraError) -> UInt32 {
    try withBytes(at: offset - 4, count: 4) { $0.count == 4 ? $0.loadLittleEndian(at: 0) : 0 }
  }

  /// What reading a record at an offset of the file gives: the decoder's states, resolved
  /// against the file (more data either comes from the file or the record is incomplete).
  enum Read {
    /// A valid record, decoded (boxed, so that a read stays small to copy).
    indirect case decoded(RecordFrame, WALRecord)
    /// A valid record whose payload was checked but not copied.
    case checked(RecordFrame)
    case invalid(RecordProblem)

    /// The frame of a valid record.
    var frame: RecordFrame? {
      switch self {
      case .decoded(let frame, _), .checked(let frame): frame
      case .invalid: nil
      }
    }

    /// The record of a valid read: decoded, or with an `.unread` body.
    var record: WALRecord? {
      switch self {
      case .decoded(_, let record): record
      case .checked(let frame): frame.unreadRecord
      case .invalid: nil
      }
    }
  }

  /// Reads the record at `offset`, whose CRC chain starts from `seed`.
  mutating func read(at offset: UInt64, seed: UInt32, materialize: Bool) throws(SoftadastraError) -> Read {
    var outcome = try withBytes(at: offset, count: WALFormat.recordPrefixSize + 512) {
      RecordDecoder.decode($0, seed: seed, materialize: materialize)
    }
    if case .needMoreData(let size) = outcome {
      let available = fileSize - offset
      guard UInt64(size) <= available else { return .invalid(.incomplete(size: size, available: Int(available))) }
      outcome = try withBytes(at: offset, count: size) {
        RecordDecoder.decode($0, seed: seed, materialize: materialize)
      }
    }
    switch outcome {
    case .record(let record, let frame): return .decoded(frame, record)
    case .valid(let frame): return .checked(frame)
    case .invalid(let problem): return .invalid(problem)
    case .needMoreData(let size): return .invalid(.incomplete(size: size, available: Int(fileSize - offset)))
    }
  }

  /// The frame of the record at `offset`, which an earlier pass checked in full.
  mutating func checkedFrame(at offset: UInt64) throws(SoftadastraError) -> RecordFrame {
    let size = try withBytes(at: offset, count: 4) { Int($0.loadLittleEndian(at: 0, as: UInt32.self)) }
    return try withBytes(at: offset, count: size) { RecordDecoder.checkedFrame($0) }
  }

  /// The first offset at or after `start` holding a record whose frame and CRC are valid, with an
  /// LSN above `minimumLSN`, and the seed that validated it. This is how damage is told apart
  /// from a torn tail: valid records after the damage mean it is in the middle of the log.
  ///
  /// `alternateSeed` covers damage to a record's stored CRC alone: the record after it is checked
  /// against the CRC its predecessor's bytes should have had, as well as the stored one.
  mutating func firstValidRecord(
    from start: UInt64, minimumLSN: UInt64, headerSize: Int, alternateSeed: (offset: UInt64, seed: UInt32)? = nil
  ) throws(SoftadastraError) -> (offset: UInt64, seed: UInt32, frame: RecordFrame)? {
    let fileSize = fileSize
    var offset = max(start, UInt64(headerSize))
    while offset + UInt64(WALFormat.recordOverhead) <= fileSize {
      // Check the window's candidates from memory; only plausible sizes cost a full decode.
      let window = Int(min(UInt64(1 << 16), fileSize - offset))
      var candidates: [UInt64] = []
      try withBytes(at: offset, count: window) { bytes in
        var index = 0
        while index + 4 <= bytes.count {
          let size: UInt32 = bytes.loadLittleEndian(at: index)
          if size >= UInt32(WALFormat.recordOverhead), size <= UInt32(WALFormat.maxRecordSize),
            offset + UInt64(index) + UInt64(size) <= fileSize, index + 5 < bytes.count ? bytes[index + 4] != 0 : true
          {
            candidates.append(offset + UInt64(index))
          }
          index += 1
        }
      }
      for candidate in candidates {
        var seeds = [try seed(before: candidate)]
        if let alternateSeed, alternateSeed.offset == candidate { seeds.append(alternateSeed.seed) }
        for seed in seeds {
          if let frame = try read(at: candidate, seed: seed, materialize: false).frame, frame.lsn > minimumLSN {
            return (candidate, seed, frame)
          }
        }
      }
      offset += UInt64(max(1, window - 3))
    }
    return nil
  }
}
