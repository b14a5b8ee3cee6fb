import SoftadastraWAL

/// Constants of the snapshot format, version 1. `docs/snapshot-format.md` is the specification.
public enum SnapshotFormat {
  /// The first eight bytes of every snapshot: "SDSNP", CR, LF, 0x1A.
  public static let magic: [UInt8] = [0x53, 0x44, 0x53, 0x4E, 0x50, 0x0D, 0x0A, 0x1A]
  /// The last eight bytes before the footer's CRC: "SNAPEND" and a zero byte.
  public static let footerMagic: [UInt8] = [0x53, 0x4E, 0x41, 0x50, 0x45, 0x4E, 0x44, 0x00]
  /// The version written for a snapshot without a sync table (1) and with one (2); readers read both.
  public static let version: UInt16 = 1
  public static let versionWithSyncTable: UInt16 = 2
  /// Header bytes before the node id.
  public static let headerFixedSize = 53
  /// The footer's size: index offset, index size, block count, entry count, value count, raw
  /// bytes, index CRC, magic, CRC.
  public static let footerSize = 56
  /// A block is closed once its uncompressed entries reach this many bytes.
  public static let blockTargetBytes = 64 << 10
  /// The largest uncompressed block a reader accepts: the target plus one largest entry. A
  /// larger size in the index is damage, not an allocation.
  public static let maxBlockRawBytes =
    blockTargetBytes + 1 + 2 + WALFormat.maxKeyBytes + 4 + WALFormat.maxValueBytes + 8 + 8 + 1 + 1 + 255 + 16
  /// Entry kinds.
  public static let valueEntry: UInt8 = 0
  public static let tombstoneEntry: UInt8 = 1
}

/// A snapshot's header: whose state, up to which LSN, and which log continues it.
public struct SnapshotHeader: Sendable, Equatable {
  public var nodeID: String
  public var createdMilliseconds: Int64
  /// The state holds every record with an LSN up to this one, and nothing after.
  public var lsn: UInt64
  /// The time of record `lsn`: the node's clock does not go back past it.
  public var lastTimestamp: HybridTimestamp
  /// The CRC of record `lsn` in the log the snapshot was taken from (0 at LSN 0). A log that
  /// holds record `lsn` with another CRC is another history, and the snapshot does not apply.
  public var lastRecordChecksum: UInt32
  /// The header checksum of the log that starts at `lsn + 1` after this snapshot.
  public var successorChecksum: UInt32
  /// How many operations this node wrote itself (not received from peers) up to `lsn`: what its
  /// outbox counts before the log after the snapshot.
  public var localOperations: UInt64
  /// The node's sync table as of `lsn` (`SyncTable`'s encoding), empty when it never synced.
  public var syncTable: [UInt8]
  public private(set) var size: Int
  public private(set) var checksum: UInt32

  public init(
    nodeID: String, createdMilliseconds: Int64, lsn: UInt64, lastTimestamp: HybridTimestamp,
    lastRecordChecksum: UInt32, successorChecksum: UInt32, localOperations: UInt64, syncTable: [UInt8] = []
  ) {
    self.nodeID = nodeID
    self.createdMilliseconds = createdMilliseconds
    self.lsn = lsn
    self.lastTimestamp = lastTimestamp
    self.lastRecordChecksum = lastRecordChecksum
    self.successorChecksum = successorChecksum
    self.localOperations = localOperations
    self.syncTable = syncTable
    self.size = SnapshotFormat.headerFixedSize + nodeID.utf8.count + syncTable.count + 4
    self.checksum = 0
    self.checksum = CRC32C.checksum(encoded().dropLast(4))
  }

  public func encoded() -> [UInt8] {
    var bytes = SnapshotFormat.magic
    bytes.reserveCapacity(size)
    bytes.appendLittleEndian(syncTable.isEmpty ? SnapshotFormat.version : SnapshotFormat.versionWithSyncTable)
    bytes.appendLittleEndian(UInt16(size))
    bytes.appendLittleEndian(createdMilliseconds)
    bytes.appendLittleEndian(lsn)
    bytes.appendLittleEndian(lastTimestamp.rawValue)
    bytes.appendLittleEndian(lastRecordChecksum)
    bytes.appendLittleEndian(successorChecksum)
    bytes.appendLittleEndian(localOperations)
    bytes.append(UInt8(nodeID.utf8.count))
    bytes.append(contentsOf: nodeID.utf8)
    bytes.append(contentsOf: syncTable)
    bytes.appendLittleEndian(CRC32C.checksum(bytes))
    return bytes
  }

  /// Reads a header from the start of `bytes`; nil with the reason when it is not a valid one.
  /// The header of the snapshot file at `path`, read alone (no footer, index or block).
  ///
  /// - Throws: file errors; `corrupt` when the header does not decode.
  static func read(path: String) throws(SoftadastraError) -> SnapshotHeader {
    let file = try SystemFile.openForReading(path)
    defer { file.close() }
    return try read(from: file, path: path)
  }

  /// The header at the start of `file` (the snapshot at `path`).
  static func read(from file: SystemFile, path: String) throws(SoftadastraError) -> SnapshotHeader {
    var start = try file.read(count: 4096, at: 0)
    if start.count >= 12, case let size = Int(start.withUnsafeBytes { $0.loadLittleEndian(at: 10, as: UInt16.self) }),
      size > start.count
    {
      start = try file.read(count: size, at: 0)  // a header with a large sync table
    }
    return try start.withUnsafeBytes { decode($0) }.mapError { SnapshotReader.damage(path, $0) }.get()
  }

  static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<SnapshotHeader, SnapshotProblem> {
    guard bytes.count >= SnapshotFormat.headerFixedSize + 5 else {
      return .failure(.at(0, "the file is too short for a snapshot header"))
    }
    guard bytes.prefix(8).elementsEqual(SnapshotFormat.magic) else {
      return .failure(.at(0, "it does not start with the Softadastra snapshot magic bytes"))
    }
    let version: UInt16 = bytes.loadLittleEndian(at: 8)
    guard version == SnapshotFormat.version || version == SnapshotFormat.versionWithSyncTable else {
      return .failure(
        .at(
          8, "it is snapshot format version \(version); this softadastra reads versions 1 and 2 (upgrade softadastra)"))
    }
    let size = Int(bytes.loadLittleEndian(at: 10, as: UInt16.self))
    let idLength = Int(bytes[52])
    let tableLength = size - (SnapshotFormat.headerFixedSize + idLength + 4)
    guard idLength > 0, version == SnapshotFormat.version ? tableLength == 0 : tableLength > 0, bytes.count >= size
    else {
      return .failure(.at(10, "its header size field (\(size)) is impossible"))
    }
    let stored: UInt32 = bytes.loadLittleEndian(at: size - 4)
    guard stored == CRC32C.extend(0, UnsafeRawBufferPointer(rebasing: bytes[0..<size - 4])) else {
      return .failure(.at(0, "its header checksum does not match"))
    }
    guard let nodeID = String(validating: bytes[53..<53 + idLength], as: UTF8.self) else {
      return .failure(.at(53, "its node id is not UTF-8"))
    }
    let lsn: UInt64 = bytes.loadLittleEndian(at: 20)
    guard lsn <= WALFormat.maxLSN else { return .failure(.at(20, "its LSN \(lsn) is above \(WALFormat.maxLSN)")) }
    let header = SnapshotHeader(
      nodeID: nodeID, createdMilliseconds: bytes.loadLittleEndian(at: 12), lsn: lsn,
      lastTimestamp: HybridTimestamp(rawValue: bytes.loadLittleEndian(at: 28)),
      lastRecordChecksum: bytes.loadLittleEndian(at: 36), successorChecksum: bytes.loadLittleEndian(at: 40),
      localOperations: bytes.loadLittleEndian(at: 44),
      syncTable: Array(bytes[53 + idLength..<size - 4]))
    return .success(header)
  }
}

/// The footer at the end of a snapshot: where the index is and what the file holds.
struct SnapshotFooter: Equatable {
  var indexOffset: UInt64
  var indexSize: UInt32
  var blockCount: UInt32
  var entryCount: UInt64
  /// Entries that hold a value (the others are tombstones).
  var valueCount: UInt64
  /// The uncompressed size of all blocks.
  var rawBytes: UInt64
  var indexChecksum: UInt32

  /// The footer's bytes; its CRC is seeded with the header's, so a footer belongs to one header.
  func encoded(headerChecksum: UInt32) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(SnapshotFormat.footerSize)
    bytes.appendLittleEndian(indexOffset)
    bytes.appendLittleEndian(indexSize)
    bytes.appendLittleEndian(blockCount)
    bytes.appendLittleEndian(entryCount)
    bytes.appendLittleEndian(valueCount)
    bytes.appendLittleEndian(rawBytes)
    bytes.appendLittleEndian(indexChecksum)
    bytes.append(contentsOf: SnapshotFormat.footerMagic)
    bytes.appendLittleEndian(CRC32C.extend(headerChecksum, bytes))
    return bytes
  }

  static func decode(_ bytes: UnsafeRawBufferPointer, headerChecksum: UInt32) -> SnapshotFooter? {
    guard bytes.count == SnapshotFormat.footerSize,
      bytes[44..<52].elementsEqual(SnapshotFormat.footerMagic),
      bytes.loadLittleEndian(at: 52, as: UInt32.self)
        == CRC32C.extend(headerChecksum, UnsafeRawBufferPointer(rebasing: bytes[0..<52]))
    else { return nil }
    return SnapshotFooter(
      indexOffset: bytes.loadLittleEndian(at: 0), indexSize: bytes.loadLittleEndian(at: 8),
      blockCount: bytes.loadLittleEndian(at: 12), entryCount: bytes.loadLittleEndian(at: 16),
      valueCount: bytes.loadLittleEndian(at: 24), rawBytes: bytes.loadLittleEndian(at: 32),
      indexChecksum: bytes.loadLittleEndian(at: 40))
  }
}

/// One block's line in the index.
struct SnapshotBlock: Equatable {
  var offset: UInt64
  var storedSize: UInt32
  var rawSize: UInt32
  var entryCount: UInt32
  /// CRC-32C of the stored (compressed) bytes.
  var checksum: UInt32
  var firstKey: [UInt8]
  var lastKey: [UInt8]

  func append(to bytes: inout [UInt8]) {
    bytes.appendLittleEndian(offset)
    bytes.appendLittleEndian(storedSize)
    bytes.appendLittleEndian(rawSize)
    bytes.appendLittleEndian(entryCount)
    bytes.appendLittleEndian(checksum)
    bytes.appendLittleEndian(UInt16(firstKey.count))
    bytes.append(contentsOf: firstKey)
    bytes.appendLittleEndian(UInt16(lastKey.count))
    bytes.append(contentsOf: lastKey)
  }

  static func read(_ reader: inout FieldReader) -> SnapshotBlock? {
    guard let offset = reader.read(UInt64.self), let storedSize = reader.read(UInt32.self),
      let rawSize = reader.read(UInt32.self), let entryCount = reader.read(UInt32.self),
      let checksum = reader.read(UInt32.self),
      let firstLength = reader.read(UInt16.self), let firstKey = reader.readBytes(Int(firstLength)),
      let lastLength = reader.read(UInt16.self), let lastKey = reader.readBytes(Int(lastLength))
    else { return nil }
    return SnapshotBlock(
      offset: offset, storedSize: storedSize, rawSize: rawSize, entryCount: entryCount, checksum: checksum,
      firstKey: firstKey, lastKey: lastKey)
  }
}

/// Why a snapshot cannot be used, and where.
public struct SnapshotProblem: Error, Sendable, Equatable, CustomStringConvertible {
  public var offset: UInt64
  public var reason: String
  public var description: String { "at offset \(offset): \(reason)" }

  static func at(_ offset: UInt64, _ reason: String) -> SnapshotProblem {
    SnapshotProblem(offset: offset, reason: reason)
  }
}
