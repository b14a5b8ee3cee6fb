@_spi(Storage) import SoftadastraWAL

/// The preset dictionary of a version 7 or 8 snapshot: bytes that look like its blocks, which
/// every block is compressed against, so that each of them, though it decompresses alone, need
/// not spell out again what all blocks share (key prefixes, common values, entry fields).
///
/// It follows the header: its length (UInt32, at most `SnapshotFormat.maxDictionaryBytes`), its
/// bytes, and the CRC-32C of the length and the bytes seeded with the header's CRC (UInt32), so
/// that a dictionary belongs to one header. All little-endian.
enum SnapshotDictionary {
  /// The dictionary's section as stored after the header.
  static func encoded(_ dictionary: [UInt8], headerChecksum: UInt32) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(dictionary.count + 8)
    bytes.appendLittleEndian(UInt32(dictionary.count))
    bytes.append(contentsOf: dictionary)
    bytes.appendLittleEndian(CRC32C.extend(headerChecksum, bytes))
    return bytes
  }

  /// The size of the section that holds `dictionary`.
  static func sectionSize(of dictionary: [UInt8]) -> Int { dictionary.count + 8 }

  /// The dictionary stored at `offset` in `file` (the snapshot at `path`), right after its header
  /// (whose CRC is `headerChecksum`).
  static func read(from file: SystemFile, at offset: UInt64, headerChecksum: UInt32, path: String)
    throws(SoftadastraError) -> [UInt8]
  {
    // Most dictionaries are a few KiB: one read takes the section whole.
    var section = try file.read(count: 8 + 4096, at: offset)
    guard section.count >= 8 else {
      throw SnapshotReader.damage(path, .at(offset, "the file ends in its dictionary (truncated)"))
    }
    let length = Int(section.withUnsafeBytes { $0.loadLittleEndian(at: 0, as: UInt32.self) })
    guard length <= SnapshotFormat.maxDictionaryBytes else {
      throw SnapshotReader.damage(
        path, .at(offset, "its dictionary's length (\(length)) is past \(SnapshotFormat.maxDictionaryBytes) bytes"))
    }
    if section.count < length + 8 { section = try file.read(count: length + 8, at: offset) }
    guard section.count >= length + 8 else {
      throw SnapshotReader.damage(path, .at(offset, "the file ends in its dictionary (truncated)"))
    }
    let stored = section.withUnsafeBytes { $0.loadLittleEndian(at: length + 4, as: UInt32.self) }
    guard CRC32C.extend(headerChecksum, section[0..<length + 4]) == stored else {
      throw SnapshotReader.damage(path, .at(offset, "its dictionary fails its checksum"))
    }
    return Array(section[4..<length + 4])
  }

  /// A dictionary for a snapshot of the same data as `source`: the compact entries at the start
  /// of `SnapshotFormat.dictionaryPieces` blocks spread over it, each piece cut at
  /// `SnapshotFormat.dictionaryPieceBytes`; empty when it has no block, or when a block it
  /// samples does not read (a dictionary only makes a snapshot smaller: never a reason to fail).
  static func sample(_ source: SnapshotReader) -> [UInt8] {
    (try? sampleOrThrow(source)) ?? []
  }

  private static func sampleOrThrow(_ source: SnapshotReader) throws(SoftadastraError) -> [UInt8] {
    let pieces = min(SnapshotFormat.dictionaryPieces, source.blockCount)
    var dictionary: [UInt8] = []
    for piece in 0..<pieces {
      let number = (2 * piece + 1) * source.blockCount / (2 * pieces)
      var bytes: [UInt8] = []
      var previous = CompactEntryCoding.Previous()
      for (key, entry) in try source.readBlock(source.indexedBlock(number)) {
        CompactEntryCoding.append(key: key, entry: entry, after: &previous, to: &bytes)
        if bytes.count >= SnapshotFormat.dictionaryPieceBytes { break }
      }
      dictionary += bytes.prefix(SnapshotFormat.dictionaryPieceBytes)
    }
    return dictionary
  }
}
