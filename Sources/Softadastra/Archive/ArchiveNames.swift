@_spi(Storage) import SoftadastraWAL

/// The names continuous archiving ships files under, and what a name says about a file before it
/// is fetched (a restore through a command picks its files by name):
///
/// - a base: `<node-id>.<last LSN>.<UTC time>.<checksum>.base.sdbackup` (a backup archive);
/// - a segment: `<node-id>.<first LSN>-<last LSN>.<base checksum>.sdsegment`.
///
/// LSNs are written in 20 digits, so the names of one node sort in LSN order; checksums are the
/// base's manifest CRC-32C in 8 hex digits, which names the chain: segments of two chains (two
/// histories of a node after a restore) never share a name.
public enum ArchiveNames {
  package static let baseSuffix = ".base" + BackupFormat.fileExtension

  package static func digits(_ value: UInt64) -> String {
    let text = String(value)
    return String(repeating: "0", count: max(0, 20 - text.count)) + text
  }

  package static func hex(_ checksum: UInt32) -> String {
    let text = String(checksum, radix: 16)
    return String(repeating: "0", count: 8 - text.count) + text
  }

  public static func baseName(nodeID: String, lastLSN: UInt64, createdMilliseconds: Int64, checksum: UInt32)
    -> String
  {
    let time = ISO8601.compactString(milliseconds: UInt64(max(0, createdMilliseconds)))
    return "\(nodeID).\(digits(lastLSN)).\(time).\(hex(checksum))\(baseSuffix)"
  }

  public static func segmentName(nodeID: String, firstLSN: UInt64, lastLSN: UInt64, baseChecksum: UInt32) -> String {
    "\(nodeID).\(digits(firstLSN))-\(digits(lastLSN)).\(hex(baseChecksum))\(SegmentFormat.fileExtension)"
  }

  /// What a chain file's name says.
  public enum Parsed: Sendable, Equatable {
    /// `time`: when it was made, as its name says (`20261201T170710Z`: sorts as time does);
    /// `checksum`: its manifest's, which names its chain.
    case base(nodeID: String, lastLSN: UInt64, time: String, checksum: UInt32)
    case segment(nodeID: String, firstLSN: UInt64, lastLSN: UInt64, baseChecksum: UInt32)

    public var nodeID: String {
      switch self {
      case .base(let nodeID, _, _, _), .segment(let nodeID, _, _, _): nodeID
      }
    }
  }

  /// Parses a base's or a segment's name; nil for any other name (those are ignored). A name
  /// parsed holds only letters, digits, `.`, `_` and `-`: safe in a shell command.
  public static func parse(_ name: String) -> Parsed? {
    let isSegment = name.hasSuffix(SegmentFormat.fileExtension)
    guard isSegment || name.hasSuffix(baseSuffix) else { return nil }
    // The node id may hold dots; the fields after it do not.
    let parts = name.dropLast(isSegment ? SegmentFormat.fileExtension.count : baseSuffix.count)
      .split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count >= (isSegment ? 3 : 4), let checksum = parseHex(parts[parts.count - 1]) else { return nil }
    if isSegment {
      let range = parts[parts.count - 2].split(separator: "-", omittingEmptySubsequences: false)
      guard range.count == 2, range.allSatisfy({ $0.count == 20 }), let first = UInt64(range[0]),
        let last = UInt64(range[1]), first <= last
      else { return nil }
      let node = parts.dropLast(2).joined(separator: ".")
      guard NodeID.problem(with: node) == nil else { return nil }
      return .segment(nodeID: node, firstLSN: first, lastLSN: last, baseChecksum: checksum)
    }
    let time = String(parts[parts.count - 2])
    guard parts[parts.count - 3].count == 20, let lsn = UInt64(parts[parts.count - 3]), isCompactTime(time) else {
      return nil
    }
    let node = parts.dropLast(3).joined(separator: ".")
    guard NodeID.problem(with: node) == nil else { return nil }
    return .base(nodeID: node, lastLSN: lsn, time: time, checksum: checksum)
  }

  /// Eight lowercase hex digits.
  private static func parseHex(_ text: Substring) -> UInt32? {
    guard text.count == 8, text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
      return nil
    }
    return UInt32(text, radix: 16)
  }

  /// Milliseconds since the Unix epoch at the start of a base name's second (`20261201T170514Z`).
  package static func milliseconds(ofCompactTime time: String) -> UInt64? {
    let c = Array(time)
    guard c.count == 16 else { return nil }
    return ISO8601.milliseconds(
      parsing:
        "\(String(c[0..<4]))-\(String(c[4..<6]))-\(String(c[6..<8]))T\(String(c[9..<11])):\(String(c[11..<13])):\(String(c[13..<15]))Z"
    )
  }

  /// `20261201T170514Z`: eight digits, `T`, six digits, `Z`.
  private static func isCompactTime(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return false }
    return (Array(bytes[0..<8]) + bytes[9..<15]).allSatisfy { (0x30...0x39).contains($0) }
  }

  /// Refuses a base whose name is not what its manifest says (renamed, or another node's).
  package static func checkName(of base: BackupArchive, _ name: String) throws(SoftadastraError) {
    let manifest = base.manifest
    let expected = baseName(
      nodeID: manifest.nodeID, lastLSN: manifest.lastLSN, createdMilliseconds: manifest.createdMilliseconds,
      checksum: base.manifestChecksum)
    guard name == expected else {
      throw SoftadastraError(
        .corrupt, "archive base \(name) holds \(expected): it was renamed or copied; remove it", path: base.path)
    }
  }
}
