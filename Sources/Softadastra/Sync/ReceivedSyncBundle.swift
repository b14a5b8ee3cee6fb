@_spi(Storage) import SoftadastraWAL

/// A bundle that was read and checked whole, ready to apply (`Client.applySyncBundle`): its
/// header, what its operations are like, and the operations themselves, held in memory (a
/// bundle made in this process, or one of format version 1) or in a file read again chunk by
/// chunk, and checked again as it is read, each time they are needed. Memory then holds one
/// chunk, whatever the bundle's size.
public final class ReceivedSyncBundle {
  public let header: SyncBundleHeader
  public let operationCount: Int
  /// The origin of the operation with the newest timestamp (nil for none).
  let newest: Origin?
  /// Each operation's key comes after the one before it (a full state is written in key
  /// order): no key is there twice.
  let keysAscending: Bool
  /// The CRC of the bundle's bytes in a file: each later read of them must end with it.
  private let checksum: UInt32?
  private let storage: Storage

  private enum Storage {
    case memory([SyncOperation])
    /// The bundle's bytes; `owned` files are closed when this goes.
    case file(SystemFile, source: String, owned: Bool)
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

  deinit {
    if case .file(let file, _, true) = storage { file.close() }
  }

  /// Reads the bundle in `file` and checks all of it; it is read again, from the same open
  /// file (which this takes, and closes when it goes), when it is applied.
  ///
  /// - Throws: `malformedInput` naming `source` and what is wrong; file errors.
  package static func check(file: SystemFile, source: String) throws(SoftadastraError) -> ReceivedSyncBundle {
    var decoder = try SyncBundleDecoder(file: file, source: source)
    do throws(SoftadastraError) {
      let bundle = try survey(&decoder, storage: .file(file, source: source, owned: true))
      try decoder.checkNothingFollows()
      return bundle
    } catch {
      file.close()
      throw error
    }
  }

  /// Reads the next bundle from `read` and checks all of it, copying a version 2 bundle's bytes
  /// as they arrive into a nameless scratch file in `directory` (removed when this goes); nil
  /// when the input ends before the bundle's first byte. With `endingInput`, nothing may follow
  /// the bundle.
  ///
  /// - Throws: `malformedInput` naming `source` and what is wrong; what `read` throws; file
  ///   errors.
  package static func receive(
    from read: @escaping SyncBundleDecoder.Read, source: String, spoolingIn directory: String,
    endingInput: Bool = false
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
    do throws(SoftadastraError) {
      let bundle = try survey(&decoder, storage: .file(spool, source: source, owned: true), allowingNothing: true)
      if endingInput, bundle != nil { try decoder.checkNothingFollows() }
      return bundle
    } catch {
      spool.close()
      throw error
    }
  }

  /// Reads a bundle through `decoder` to its end, checking everything, and notes what its
  /// operations are like; a version 1 bundle is kept in memory instead of `storage`.
  private static func survey(
    _ decoder: inout SyncBundleDecoder, storage: Storage, allowingNothing: Bool = false
  ) throws(SoftadastraError) -> ReceivedSyncBundle? {
    switch try decoder.start(allowingNothing: allowingNothing) {
    case nil:
      if case .file(let file, _, true) = storage { file.close() }
      return nil
    case .whole(let bundle):
      if case .file(let file, _, true) = storage { file.close() }
      return ReceivedSyncBundle(bundle)
    case .chunked(let header):
      var survey = Survey()
      while let chunk = try decoder.nextChunk() {
        for operation in chunk { survey.note(operation) }
      }
      return ReceivedSyncBundle(header: header, survey: survey, checksum: decoder.bundleChecksum, storage: storage)
    }
  }

  private static func survey(_ decoder: inout SyncBundleDecoder, storage: Storage) throws(SoftadastraError)
    -> ReceivedSyncBundle
  {
    try survey(&decoder, storage: storage, allowingNothing: false)!
  }

  /// What the operations are like, noted as they pass.
  private struct Survey {
    var count = 0
    var newest: Origin?
    var keysAscending = true
    private var lastKey: [UInt8]?

    mutating func note(_ operation: SyncOperation) {
      count += 1
      if operation.origin.timestamp > newest?.timestamp ?? HybridTimestamp(rawValue: 0) || newest == nil {
        newest = operation.origin
      }
      let key = operation.operation.key
      if keysAscending, let lastKey, !keyPrecedes(lastKey, key) { keysAscending = false }
      lastKey = key
    }
  }

  /// The operations, in the bundle's order, read again from the start.
  func operations() throws(SoftadastraError) -> Operations {
    switch storage {
    case .memory(let operations): return Operations(chunk: operations)
    case .file(let file, let source, _):
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
    /// - Throws: `malformedInput` when the bundle's bytes no longer check out (the file changed
    ///   since it was checked).
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
        (chunk, position) = (more, 0)
      }
      position += 1
      return chunk[position - 1]
    }
  }

  private static func changed(_ source: String) -> SoftadastraError {
    SoftadastraError(
      .malformedInput, "\(source) changed while it was being imported; nothing was imported", path: source)
  }
}
