@_spi(Storage) import SoftadastraWAL

/// The names continuous archiving ships files under, and what a name says about a file before it
/// is fetched (a restore through a command picks its files by name):
///
/// - a base: `<node-id>.<last LSN>.<UTC time>.base.sdbackup` (a backup archive);
/// - a segment: `<node-id>.<first LSN>-<last LSN>.sdsegment`.
///
/// LSNs are written in 20 digits, so the names of one node sort in LSN order.
public enum ArchiveNames {
  package static let baseSuffix = ".base" + BackupFormat.fileExtension

  package static func digits(_ value: UInt64) -> String {
    let text = String(value)
    return String(repeating: "0", count: max(0, 20 - text.count)) + text
  }

  public static func baseName(nodeID: String, lastLSN: UInt64, createdMilliseconds: Int64) -> String {
    "\(nodeID).\(digits(lastLSN)).\(ISO8601.compactString(milliseconds: UInt64(max(0, createdMilliseconds))))\(baseSuffix)"
  }

  /// What a chain file's name says.
  public enum Parsed: Sendable, Equatable {
    /// `time`: when it was made, as its name says (`20261201T170710Z`: sorts as time does).
    case base(nodeID: String, lastLSN: UInt64, time: String)
    case segment(nodeID: String, firstLSN: UInt64, lastLSN: UInt64)

    public var nodeID: String {
      switch self {
      case .base(let nodeID, _, _), .segment(let nodeID, _, _): nodeID
      }
    }
  }

  /// Parses a base's or a segment's name; nil for any other name (those are ignored). A name
  /// parsed holds only letters, digits, `.`, `_` and `-`: safe in a shell command.
  public static func parse(_ name: String) -> Parsed? {
    if name.hasSuffix(SegmentFormat.fileExtension) {
      let stem = name.dropLast(SegmentFormat.fileExtension.count)
      guard let dot = stem.lastIndex(of: ".") else { return nil }
      let range = stem[stem.index(after: dot)...].split(separator: "-")
      guard range.count == 2, range.allSatisfy({ $0.count == 20 }), let first = UInt64(range[0]),
        let last = UInt64(range[1]), first <= last
      else { return nil }
      let node = String(stem[..<dot])
      return NodeID.problem(with: node) == nil ? .segment(nodeID: node, firstLSN: first, lastLSN: last) : nil
    }
    if name.hasSuffix(baseSuffix) {
      // <node>.<lsn>.<time>.base.sdbackup: the node id may hold dots, the LSN and time do not.
      let parts = name.dropLast(baseSuffix.count).split(separator: ".", omittingEmptySubsequences: false)
      guard parts.count >= 3, parts[parts.count - 2].count == 20, let lsn = UInt64(parts[parts.count - 2]) else {
        return nil
      }
      let node = parts.dropLast(2).joined(separator: ".")
      let time = String(parts[parts.count - 1])
      guard isCompactTime(time) else { return nil }
      return NodeID.problem(with: node) == nil ? .base(nodeID: node, lastLSN: lsn, time: time) : nil
    }
    return nil
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
      nodeID: manifest.nodeID, lastLSN: manifest.lastLSN, createdMilliseconds: manifest.createdMilliseconds)
    guard name == expected else {
      throw SoftadastraError(
        .corrupt, "archive base \(name) holds \(expected): it was renamed", path: base.path)
    }
  }
}
