import SoftadastraWAL

/// Constants of the snapshot format, versions 1 to 8. `docs/snapshot-format.md` is the specification.
package enum SnapshotFormat {
  /// The first eight bytes of every snapshot: "SDSNP", CR, LF, 0x1A.
  package static let magic: [UInt8] = [0x53, 0x44, 0x53, 0x4E, 0x50, 0x0D, 0x0A, 0x1A]
  /// The last eight bytes before the footer's CRC: "SNAPEND" and a zero byte.
  package static let footerMagic: [UInt8] = [0x53, 0x4E, 0x41, 0x50, 0x45, 0x4E, 0x44, 0x00]
  /// The versions of fixed-width entries, without a sync table (1) and with one (2), and of
  /// compact entries (3); readers read every version.
  package static let version: UInt16 = 1
  package static let versionWithSyncTable: UInt16 = 2
  package static let compactVersion: UInt16 = 3
  /// The version of a delta snapshot: compact entries, and the whole snapshot they apply over.
  package static let deltaVersion: UInt16 = 4
  /// Versions 3 and 4 with the index in pages under a page table, so that a point read reads the
  /// table and one page, not the whole index.
  package static let pagedVersion: UInt16 = 5
  package static let pagedDeltaVersion: UInt16 = 6
  /// Versions 5 and 6 with raw deflate blocks compressed against a preset dictionary the
  /// snapshot carries after its header, and deflated index pages (what writers write).
  package static let deflatedVersion: UInt16 = 7
  package static let deflatedDeltaVersion: UInt16 = 8
  /// The newest version readers read.
  package static let newestVersion = deflatedDeltaVersion
  /// The largest preset dictionary (deflate's window): a larger length is damage.
  package static let maxDictionaryBytes = 32 << 10
  /// A writer's dictionary: this many pieces of entries, each from the start of a block spread
  /// over the snapshot it samples, of at most `dictionaryPieceBytes` each (measured on 1,000,000
  /// keys and level 6: four pieces of 1 KiB took the snapshot from 1.53x `gzip -6` of the export
  /// in version 5 to 1.18x).
  package static let dictionaryPieces = 4
  package static let dictionaryPieceBytes = 1 << 10
  /// Header bytes before the node id.
  package static let headerFixedSize = 53
  /// The footer's size: index offset, index size, block count, entry count, value count, raw
  /// bytes, index CRC, magic, CRC.
  package static let footerSize = 56
  /// A block is closed once its uncompressed entries reach this many bytes: a point read
  /// decompresses one block, and 4 KiB takes a few microseconds (64 KiB, what writers closed
  /// blocks at until 2026-12, took 150 to 200).
  package static let blockTargetBytes = 4 << 10
  /// A page of the index is closed once its lines reach this many bytes (versions 5 to 8).
  package static let pageTargetBytes = 4 << 10
  /// The largest lines of a deflated page a reader inflates (versions 7 and 8): the page target
  /// plus one line of the longest key, with room for writers that close pages later. A larger
  /// size in the page table is damage, not an allocation.
  package static let maxPageLinesBytes = 64 << 10
  /// The largest target any writer used (64 KiB): readers accept blocks up to it.
  package static let largestBlockTargetBytes = 64 << 10
  /// The largest uncompressed block a reader accepts: the largest target plus one largest entry.
  /// A larger size in the index is damage, not an allocation.
  package static let maxBlockRawBytes =
    largestBlockTargetBytes + 1 + 2 + WALFormat.maxKeyBytes + 4 + WALFormat.maxValueBytes + 8 + 8 + 1 + 1 + 255 + 16
  /// Entry kinds.
  package static let valueEntry: UInt8 = 0
  package static let tombstoneEntry: UInt8 = 1
}
