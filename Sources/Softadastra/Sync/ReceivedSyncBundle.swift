@_spi(Storage) import SoftadastraWAL

/// A bundle that was read and checked whole, ready to apply (`Client.applySyncBundle`): its
/// header, what its operations are like, and the operations themselves, held in memory (a
/// bundle made in this process, or one of format version 1) or in a file (the bundle's own, or
/// a nameless scratch copy of one that came through a pipe), read again chunk by chunk each time
/// they are needed. Memory then holds one chunk, whatever the bundle's size.
///
/// Each later read is checked again as it goes: every CRC, the header, the count, and that no
/// operation is newer than the newest the check saw, nor out of key order when the check found
/// them in order; a bundle that fails stops the import, and nothing is applied. A file changed
/// between the reads in a way that passes all of that (its CRCs forged to match) is not told
/// apart: import a copy of a bundle that others may be writing.
public final class ReceivedSyncBundle {
  public let header: SyncBundleHeader
  public let operationCount: Int
  /// The origin of the operation with the newest timestamp (nil for none).
  let newest: Origin?
  /// Each operation's key comes after the one before it (a full state is written in key
  /// order): no key is there twice.
  let keysAscending: Bool
  /// The CRC of the bundle's bytes in its file: each later read of them must end with it.
  private let checksum: UInt32?
  private let storage: Storage

  private enum Storage {
    case memory([SyncOperation])
    /// The bundle's bytes, in its own file or in a scratch copy with no name (closed, and
    /// gone, with this).
    case file(SystemFile, source: String)
  }

  /// The bundle `bundle`, as it is in memory.
  public convenience init(_ bundle: SyncBundle) {
    var survey = Survey()
    for operation in bundle.operations { survey.note(operation) }
    self.init(header: bundle.header, survey: survey, checksum: nil, storage: .memory(bundle.operations))
  }

  private init(header: SyncBundleHeader, survey: Survey, checksum: UInt32?, storage: Storage) {
    self.header = header
    self.checksum = checksum
    operationCount = survey.count
    newest = survey.newest
    keysAscending = survey.keysAscending
    self.storage = storage
  }

  /// Reads the bundle in the file at `path`, which must hold one bundle and nothing after it,
  /// and checks all of it; it is read again in place when it is applied.
  ///
  /// - Throws: `malformedInput` saying what is wrong; `notFound` and other file errors.
  public static func read(path: String) throws(SoftadastraError) -> ReceivedSyncBundle {
    try read(file: try SystemFile.openForReading(path), source: path)
  }

  /// Reads the bundle in `file` (which this takes), which must hold one bundle and nothing
  /// after it, and checks all of it; it is read again in place when it is applied.
  ///
  /// - Throws: `malformedInput` naming `source` and what is wrong; file errors.
  package static func read(file: SystemFile, source: String) throws(SoftadastraError) -> ReceivedSyncBundle {
    var decoder = try SyncBundleDecoder(file: file, source: source)
    guard let bundle = try survey(&decoder, storage: .file(file, source: source)) else {
      throw SyncBundle.problem(source, "it is 0 bytes long, too short for a sync bundle")
    }
    try decoder.checkNothingFollows()
    return bundle
  }

  /// Reads the next bundle from `read` and checks all of it, copying a version 2 bundle's bytes
  /// as they arrive into a nameless scratch file in `directory` (gone when this goes); nil when
  /// the input ends before the bundle's first byte. With `endingInput`, nothing may follow the
  /// bundle; with `acceptingVersion1` off (a live exchange, whose peers all write version 2), a
  /// version 1 bundle (read whole, in memory) is refused.
  ///
  /// - Throws: `malformedInput` naming `source` and what is wrong; what `read` throws; file
  ///   errors, naming `directory`.
  package static func receive(
    from read: @escaping SyncBundleDecoder.Read, source: String, spoolingIn directory: String,
    endingInput: Bool = false, acceptingVersion1: Bool = true
  ) throws(SoftadastraError) -> ReceivedSyncBundle? {
    func scratchProblem(_ error: SoftadastraError) -> SoftadastraError {
      SoftadastraError(
        error.kind,
        "cannot keep \(source) in \(directory) while it is checked (\(error.message)); nothing was imported (set TMPDIR to a writable directory with room)",
        path: directory)
    }
    let path = "\(directory)/.softadastra-bundle-\(UInt64.random(in: 0...UInt64.max))"
    let spool: SystemFile
    do throws(SoftadastraError) { spool = try SystemFile.createExclusive(path) } catch { throw scratchProblem(error) }
    FileSystem.removeFile(path)
    var end: UInt64 = 0
    var decoder = SyncBundleDecoder(source: source) { (count: Int) throws(SoftadastraError) -> [UInt8] in
      let bytes = try read(count)
      do throws(SoftadastraError) { try spool.write(bytes, at: end) } catch { throw scratchProblem(error) }
      end += UInt64(bytes.count)
      return bytes
    }
    let bundle = try survey(
      &decoder, storage: .file(spool, source: source), allowingNothing: true, allowingVersion1: acceptingVersion1)
    if bundle != nil, endingInput { try decoder.checkNothingFollows() }
    return bundle
  }

  /// Reads a bundle through `decoder` to its end, checking everything, and notes what its
  /// operations are like; a version 1 bundle is kept in memory instead of in `storage`. Nil when
  /// the input holds nothing and `allowingNothing` is set.
  private static func survey(
    _ decoder: inout SyncBundleDecoder, storage: Storage, allowingNothing: Bool = false,
    allowingVersion1: Bool = true
  ) throws(SoftadastraError) -> ReceivedSyncBundle? {
    switch try decoder.start(allowingNothing: allowingNothing, allowingVersion1: allowingVersion1) {
    case nil: return nil
    case .whole(let whole): return ReceivedSyncBundle(whole)
    case .chunked(let header):
      var survey = Survey()
      while let chunk = try decoder.nextChunk() {
        for operation in chunk { survey.note(operation) }
      }
      return ReceivedSyncBundle(header: header, survey: survey, checksum: decoder.bundleChecksum, storage: storage)
    }
  }

  /// What the operations are like, noted as they pass.
  private struct Survey {
    var count = 0
    var newest: Origin?
    var keysAscending = true
    private var lastKey: [UInt8]?

    mutating func note(_ operation: SyncOperation) {
      count += 1
      if newest == nil || operation.origin.timestamp > newest!.timestamp { newest = operation.origin }
      let key = operation.operation.key
      if keysAscending, let lastKey, !keyPrecedes(lastKey, key) { keysAscending = false }
      lastKey = key
    }
  }

  /// The operations, in the bundle's order, read again from the start.
  func operations() throws(SoftadastraError) -> Operations {
    switch storage {
    case .memory(let operations): return Operations(chunk: operations)
    case .file(let file, let source):
      var decoder = try SyncBundleDecoder(file: file, source: source)
      guard case .chunked(let header) = try decoder.start(), header == self.header else {
        throw Self.changed(source)
      }
      return Operations(
        chunk: [], decoder: decoder,
        expected: Expected(
          count: operationCount, checksum: checksum, newest: newest?.timestamp, keysAscending: keysAscending))
    }
  }

  /// What a later read of a bundle's file must find, as its check found it.
  fileprivate struct Expected {
    var count = 0
    var checksum: UInt32?
    var newest: HybridTimestamp?
    var keysAscending = false
  }

  /// The operations of a bundle, one at a time: a chunk at a time from its decoder, if any.
  struct Operations {
    private var chunk: [SyncOperation]
    private var decoder: SyncBundleDecoder?
    private let expected: Expected
    private var position = 0
    private var lastKey: [UInt8]?

    fileprivate init(chunk: [SyncOperation], decoder: SyncBundleDecoder? = nil, expected: Expected = Expected()) {
      self.chunk = chunk
      self.decoder = decoder
      self.expected = expected
    }

    /// The next operation; nil after the last.
    ///
    /// - Throws: `malformedInput` when the bundle's bytes no longer check out as they did.
    mutating func next() throws(SoftadastraError) -> SyncOperation? {
      while position == chunk.count {
        guard decoder != nil, let more = try decoder!.nextChunk() else {
          if let decoder,
            decoder.operationCount != UInt64(expected.count) || decoder.bundleChecksum != expected.checksum
          {
            throw ReceivedSyncBundle.changed(decoder.source)
          }
          return nil
        }
        // Never more operations than were counted: callers index by them.
        guard decoder!.operationCount <= UInt64(expected.count) else {
          throw ReceivedSyncBundle.changed(decoder!.source)
        }
        (chunk, position) = (more, 0)
      }
      let operation = chunk[position]
      position += 1
      if let decoder {
        // What the check saw, and what the import relies on, still holds.
        let key = operation.operation.key
        let newer = expected.newest.map { operation.origin.timestamp > $0 } ?? true
        let outOfOrder = expected.keysAscending && lastKey.map { !keyPrecedes($0, key) } == true
        if newer || outOfOrder { throw ReceivedSyncBundle.changed(decoder.source) }
        if expected.keysAscending { lastKey = key }
      }
      return operation
    }
  }

  private static func changed(_ source: String) -> SoftadastraError {
    SoftadastraError(
      .malformedInput, "\(source) changed while it was being imported; nothing was imported", path: source)
  }
}
