@_spi(Storage) import SoftadastraWAL

/// The framing that backup archives (docs/backup-format.md) and archive segments
/// (docs/archive-format.md) share: a 16-byte header (magic, version, reserved, CRC), parts each
/// after a 12-byte frame, a manifest, and a 16-byte trailer (manifest length, manifest CRC, end
/// magic). Written front to back with its checksums last, so a cut file is always detected.
package struct ArchiveContainer: Sendable {
  package let magic: [UInt8]
  package let endMagic: [UInt8]
  package let version: UInt16
  /// How messages name a file of this kind: "backup", "archive segment".
  package let noun: String
  /// What a file of this kind is, in a sentence: "archive", "segment".
  package let kind: String

  package static let headerSize = 16
  package static let partFrameSize = 12
  package static let trailerSize = 16

  package func header() -> [UInt8] {
    var bytes = magic
    bytes.appendLittleEndian(version)
    bytes.appendLittleEndian(UInt16(0))
    bytes.appendLittleEndian(CRC32C.checksum(bytes))
    return bytes
  }

  package static func partFrame(kind: BackupPart.Kind, length: UInt64) -> [UInt8] {
    var bytes: [UInt8] = [kind.rawValue, 0, 0, 0]
    bytes.appendLittleEndian(length)
    return bytes
  }

  package func trailer(manifest: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.appendLittleEndian(UInt32(manifest.count))
    bytes.appendLittleEndian(CRC32C.checksum(manifest))
    bytes.append(contentsOf: endMagic)
    return bytes
  }

  /// A file's manifest, as its trailer locates it and its checksum vouches for it.
  package struct Opened {
    package var manifest: [UInt8]
    package var manifestOffset: UInt64
    /// The manifest's CRC-32C: it covers every part's checksum, so it identifies the file's bytes.
    package var manifestChecksum: UInt32
    package var fileSize: UInt64
  }

  /// Checks the header and the trailer of `file` and reads its manifest against its checksum.
  package func open(_ file: SystemFile, path: String, name: String) throws(SoftadastraError) -> Opened {
    let fileSize = try file.size()
    let minimum = UInt64(Self.headerSize + Self.trailerSize)
    guard fileSize > 0 else {
      throw SoftadastraError(.corrupt, "\(noun) \(name) is empty (0 bytes)", path: path, offset: 0)
    }
    let header = try file.read(count: Self.headerSize, at: 0)
    let magicText = String(decoding: magic, as: UTF8.self)
    guard header.count == Self.headerSize, header.starts(with: magic) else {
      throw SoftadastraError(
        .corrupt, "\(name) is not a Softadastra \(noun) (it does not start with \(magicText))", path: path, offset: 0)
    }
    guard header == self.header() else {
      let found = header.withUnsafeBytes { $0.loadLittleEndian(at: 8, as: UInt16.self) }
      if found != version,
        CRC32C.checksum(header[0..<12]) == header.withUnsafeBytes({ $0.loadLittleEndian(at: 12, as: UInt32.self) })
      {
        throw SoftadastraError(
          .corrupt,
          "\(noun) \(name) is format version \(found); this softadastra reads version \(version) (upgrade softadastra)",
          path: path, offset: 8)
      }
      throw damage(path, name, 0, "its header is damaged")
    }
    guard fileSize >= minimum else { throw damage(path, name, fileSize, "the \(kind) ends early (truncated)") }
    let trailer = try file.read(count: Self.trailerSize, at: fileSize - UInt64(Self.trailerSize))
    guard trailer.suffix(8).elementsEqual(endMagic) else {
      throw damage(path, name, fileSize, "it has no end marker: the \(kind) is truncated or was not finished")
    }
    let manifestLength = trailer.withUnsafeBytes { UInt64($0.loadLittleEndian(at: 0, as: UInt32.self)) }
    let manifestChecksum = trailer.withUnsafeBytes { $0.loadLittleEndian(at: 4, as: UInt32.self) }
    guard manifestLength + minimum <= fileSize else {
      throw damage(path, name, fileSize - UInt64(Self.trailerSize), "its manifest length is impossible")
    }
    let manifestOffset = fileSize - UInt64(Self.trailerSize) - manifestLength
    let manifest = try file.read(count: Int(manifestLength), at: manifestOffset)
    guard CRC32C.checksum(manifest) == manifestChecksum else {
      throw damage(path, name, manifestOffset, "its manifest fails its checksum")
    }
    return Opened(
      manifest: manifest, manifestOffset: manifestOffset, manifestChecksum: manifestChecksum, fileSize: fileSize)
  }

  /// Checks that `parts` follow the header back to back, each after its frame, up to the manifest.
  package func checkFrames(
    _ parts: [BackupPart], of file: SystemFile, path: String, name: String, manifestOffset: UInt64
  ) throws(SoftadastraError) {
    var expected = UInt64(Self.headerSize)
    for part in parts {
      let frame = try file.read(count: Self.partFrameSize, at: expected)
      // Lengths are checked against the file before any sum, so no manifest can overflow one.
      guard part.offset == expected + UInt64(Self.partFrameSize), part.offset <= manifestOffset,
        part.length <= manifestOffset - part.offset, frame == Self.partFrame(kind: part.kind, length: part.length)
      else { throw damage(path, name, expected, "the frame of its \(part.kind) part does not match the manifest") }
      expected = part.offset + part.length
    }
    guard expected == manifestOffset else {
      throw damage(path, name, expected, "bytes lie between its parts and its manifest")
    }
  }

  /// Reads `part` of `file` and returns whether its CRC-32C is the manifest's.
  package static func partIsSound(
    _ part: BackupPart, of file: SystemFile, progress: (_ bytes: UInt64) -> Void = { _ in }
  ) throws(SoftadastraError) -> Bool {
    var checksum: UInt32 = 0
    var position: UInt64 = 0
    while position < part.length {
      let chunk = try file.read(count: Int(min(1 << 20, part.length - position)), at: part.offset + position)
      guard !chunk.isEmpty else { return false }
      checksum = CRC32C.extend(checksum, chunk)
      position += UInt64(chunk.count)
      progress(UInt64(chunk.count))
    }
    return checksum == part.checksum
  }

  package func damage(_ path: String, _ name: String, _ offset: UInt64, _ reason: String) -> SoftadastraError {
    SoftadastraError(.corrupt, "\(noun) \(name) is damaged at offset \(offset): \(reason)", path: path, offset: offset)
  }
}
