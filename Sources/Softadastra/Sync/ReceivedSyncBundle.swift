@_spi(Storage) import SoftadastraWAL

/// A bundle that was read and checked whole, ready to apply (`Client.applySyncBundle`): its
/// header, what its operations are like, and the operations themselves, held in memory (a
/// bundle made in this process, or one of format version 1) or in a nameless scratch file of
/// its own, read again chunk by chunk (and checked again) each time they are needed. Memory
/// then holds one chunk, whatever the bundle's size.
public final class ReceivedSyncBundle {
  public let header: SyncBundleHeader
  public let operationCount: Int
  /// The origin of the operation with the newest timestamp (nil for none).
  let newest: Origin?
  /// Each operation's key comes after the one before it (a full state is written in key
  /// order): no key is there twice.
  let keysAscending: Bool
  /// The CRC of the bundle's bytes in its scratch file: each later read of them must end with it.
  private let checksum: UInt32?
  private let storage: Storage

  private enum Storage {
    case memory([SyncOperation])
    /// The bundle's bytes, in a scratch file that has no name (closed, and gone, with this).
    case spool(SystemFile, source: String)
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

  /// Reads the bundle in `file`, which must hold one bundle and nothing after it, copying it
  /// into a scratch file as it checks it: what is applied later is what was checked, whatever
  /// happens to `file` meanwhile.
  ///
  /// - Throws: `malformedInput` naming `source` and what is wrong; file errors.
  package static func read(file: SystemFile, source: String, spoolingIn directory: String) throws(SoftadastraError)
    -> ReceivedSyncBundle
  {
    let bundle = try receive(
      from: try SyncBundleDecoder.reader(of: file), source: source, spoolingIn: directory, endingInput: true)
    guard let bundle else { throw SyncBundle.problem(source, "it is 0 bytes long, too short for a sync bundle") }
    return bundle
  }

  /// Reads the next bundle from `read` and checks all of it, copying a version 2 bundle's bytes
  /// as they arrive into a nameless scratch file in `directory` (gone when this goes); nil when
  /// the input ends before the bundle's first byte. With `endingInput`, nothing may follow the
  /// bundle; with `acceptingVersion1` off (a live exchange, whose peers all write version 2), a
  /// version 1 bundle (read whole, in memory) is refused.
  ///
  /// - Throws: `malformedInput` naming `source` and what is wrong; what `read` throws; file
  ///   errors.
  package static func receive(
    from read: @escaping SyncBundleDecoder.Read, source: String, spoolingIn directory: String,
    endingInput: Bool = false, acceptingVersion1: Bool = true
  ) throws(SoftadastraError) -> ReceivedSyncBundle? {
    let path = "\(directory)/.softadastra-bundle-\(UInt64.random(in: 0...UInt64.max))"
    let spool = try SystemFile.createExclusive(path)
    FileSystem.removeFile(path)
    var end: UInt64 = 0
    var decoder = SyncBundleDecoder(source: source) { (count: Int) throws(SoftadastraError) -> [UInt8] in
      let bytes = try read(count)
      try spool.write(bytes, at: end)
      end += UInt64(bytes.count)
      return bytes
    }
    let bundle: ReceivedSyncBundle
    switch try decoder.start(allowingNothing: true, allowingVersion1: acceptingVersion1) {
    case nil: return nil
    case .whole(let whole): bundle = ReceivedSyncBundle(whole)
    case .chunked(let header):
      var survey = Survey()
      while let chunk = try decoder.nextChunk() {
        for operation in chunk { survey.note(operation) }
      }
      bundle = ReceivedSyncBundle(
        header: header, survey: survey, checksum: decoder.bundleChecksum, storage: .spool(spool, source: source))
    }
    if endingInput { try decoder.checkNothingFollows() }
    return bundle
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
    case .spool(let file, let source):
      var decoder = try SyncBundleDecoder(file: file, source: source)
      guard case .chunked(let header) = try decoder.start(), header == self.header else {
        throw Self.changed(source)
      }
      return Operations(chunk: [], decoder: decoder, expected: (operationCount, checksum))
    }
  }

  /// The operations of a bundle, one at a time: a chunk at a time from its decoder, if any.
  struct Operations {
    private var chunk: [SyncOperation]
    private var decoder: SyncBundleDecoder?
    /// What the decoder's reading must end with: the count and CRC the bundle was checked with.
    private let expected: (count: Int, checksum: UInt32?)
    private var position = 0

    fileprivate init(
      chunk: [SyncOperation], decoder: SyncBundleDecoder? = nil, expected: (count: Int, checksum: UInt32?) = (0, nil)
    ) {
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
      position += 1
      return chunk[position - 1]
    }
  }

  private static func changed(_ source: String) -> SoftadastraError {
    SoftadastraError(
      .corrupt, "\(source) changed in its scratch file while it was being imported; nothing was imported",
      path: source)
  }
}
