/// Constants of the archive segment format, version 1. `docs/archive-format.md` is the
/// specification.
package enum SegmentFormat {
  /// The first eight bytes of every segment: "SDSEGMNT".
  package static let magic: [UInt8] = Array("SDSEGMNT".utf8)
  /// The last eight bytes of a complete segment: "SDSGEND" and a newline.
  package static let endMagic: [UInt8] = Array("SDSGEND\n".utf8)
  package static let version: UInt16 = 1
  /// The file name extension of segments: `<node-id>.<first LSN>-<last LSN>.sdsegment`.
  package static let fileExtension = ".sdsegment"
  /// The framing segments share with backups.
  package static let container = ArchiveContainer(
    magic: magic, endMagic: endMagic, version: version, noun: "archive segment", kind: "segment")
}
