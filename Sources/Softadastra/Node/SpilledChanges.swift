@_spi(Storage) import SoftadastraWAL

/// The changes of a replay that outgrew memory (the build of a snapshot of a large node): sorted
/// runs written one after another into a temporary file (`<base>.<LSN>.spill.tmp` beside the
/// node for a checkpoint, in `TMPDIR` for a replay), and read back merged in key order.
///
/// A run is a sequence of frames: the frame's size (a little-endian UInt32), the CRC-32C of its
/// entries, then whole snapshot entries (`SnapshotEntryCoding`) in increasing key order. A frame
/// whose CRC does not match is reported as damage, never read past. The file is removed as soon
/// as it is made (it lives while this object keeps it open, and a crash or a kill leaves nothing
/// behind), and it is not synced.
package final class SpilledChanges {
  /// About how many bytes of entries a frame holds (one more entry may end it).
  static let frameTargetBytes = 256 << 10
  static let frameHeaderBytes = 8

  let file: SystemFile
  /// Where each run starts and ends in the file, oldest first.
  private(set) var runs: [Range<UInt64>] = []
  private var end: UInt64 = 0

  /// Creates the spill file at `path`, and removes its name at once.
  init(path: String) throws(SoftadastraError) {
    file = try SystemFile.createExclusive(path)
    FileSystem.removeFile(path)
  }

  deinit { file.close() }

  /// Writes `changes` as a new run, newer than every run before it.
  func spill(_ changes: ChangeTable) throws(SoftadastraError) {
    let start = end
    var frame: [UInt8] = []
    func writeFrame() throws(SoftadastraError) {
      var bytes: [UInt8] = []
      bytes.reserveCapacity(Self.frameHeaderBytes + frame.count)
      bytes.appendLittleEndian(UInt32(frame.count))
      bytes.appendLittleEndian(frame.withUnsafeBytes { CRC32C.extend(0, $0) })
      bytes.append(contentsOf: frame)
      try file.write(bytes, at: end)
      end += UInt64(bytes.count)
      frame.removeAll(keepingCapacity: true)
    }
    for slot in changes.sortedSlots() {
      SnapshotEntryCoding.append(key: changes.key(atSlot: slot), entry: changes.entry(atSlot: slot), to: &frame)
      if frame.count >= Self.frameTargetBytes { try writeFrame() }
    }
    if !frame.isEmpty { try writeFrame() }
    runs.append(start..<end)
  }

  /// A reader of run `index`, from its first entry.
  func reader(ofRun index: Int) -> Run { Run(file: file, range: runs[index]) }

  /// The entries of one run, in key order, a frame at a time.
  struct Run {
    let file: SystemFile
    let range: Range<UInt64>
    private var position: UInt64
    private var frame: [UInt8] = []
    /// Where the frame being read starts.
    private var frameStart: UInt64
    private var cursor = 0

    init(file: SystemFile, range: Range<UInt64>) {
      self.file = file
      self.range = range
      position = range.lowerBound
      frameStart = range.lowerBound
    }

    /// The next entry; nil after the last.
    ///
    /// - Throws: `corrupt` naming the file and offset when a frame is cut or fails its CRC.
    mutating func next() throws(SoftadastraError) -> (key: [UInt8], entry: LocalStore.Entry)? {
      if cursor == frame.count {
        guard position < range.upperBound else { return nil }
        try readFrame()
      }
      let start = cursor
      let decoded = frame.withUnsafeBytes { bytes -> (key: [UInt8], entry: LocalStore.Entry)? in
        var reader = FieldReader(bytes, from: start, to: bytes.count)
        defer { cursor = reader.position }
        return SnapshotEntryCoding.read(&reader)
      }
      guard let decoded else { throw damage("an entry that does not decode", at: frameStart) }
      return decoded
    }

    private mutating func readFrame() throws(SoftadastraError) {
      let offset = position
      frameStart = offset
      guard range.upperBound - offset >= UInt64(SpilledChanges.frameHeaderBytes) else {
        throw damage("a cut frame header", at: offset)
      }
      let header = try file.read(count: SpilledChanges.frameHeaderBytes, at: offset)
      let (size, checksum) = header.withUnsafeBytes {
        (Int($0.loadLittleEndian(at: 0, as: UInt32.self)), $0.loadLittleEndian(at: 4, as: UInt32.self))
      }
      let bodyStart = offset + UInt64(SpilledChanges.frameHeaderBytes)
      guard size > 0, UInt64(size) <= range.upperBound - bodyStart else {
        throw damage("a frame of a bad size", at: offset)
      }
      frame = try file.read(count: size, at: bodyStart)
      guard frame.count == size, frame.withUnsafeBytes({ CRC32C.extend(0, $0) }) == checksum else {
        throw damage("a frame whose CRC does not match", at: offset)
      }
      cursor = 0
      position = bodyStart + UInt64(size)
    }

    private func damage(_ what: String, at offset: UInt64) -> SoftadastraError {
      SoftadastraError(
        .corrupt, "spill file \(file.path) has \(what) at offset \(offset); the snapshot was not built",
        path: file.path, offset: offset)
    }
  }
}
