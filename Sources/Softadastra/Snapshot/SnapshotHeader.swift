@_spi(Storage) import SoftadastraWAL

/// A snapshot's header: whose state, up to which LSN, and which log continues it.
package struct SnapshotHeader: Sendable, Equatable {
  package var nodeID: String
  package var createdMilliseconds: Int64
  /// The state holds every record with an LSN up to this one, and nothing after.
  package var lsn: UInt64
  /// The time of record `lsn`: the node's clock does not go back past it.
  package var lastTimestamp: HybridTimestamp
  /// The CRC of record `lsn` in the log the snapshot was taken from (0 at LSN 0). A log that
  /// holds record `lsn` with another CRC is another history, and the snapshot does not apply.
  package var lastRecordChecksum: UInt32
  /// The header checksum of the log that starts at `lsn + 1` after this snapshot.
  package var successorChecksum: UInt32
  /// How many operations this node wrote itself (not received from peers) up to `lsn`: what its
  /// outbox counts before the log after the snapshot.
  package var localOperations: UInt64
  /// The node's sync table as of `lsn` (`SyncTable`'s encoding), empty when it never synced.
  package var syncTable: [UInt8]
  /// How the blocks and the index are laid out; with `base`, the format version.
  package var layout: Layout
  /// For a delta snapshot (format version 4, 6 or 8), the whole snapshot it holds the changes since:
  /// a reader reads this file over that one. Nil for a whole snapshot.
  package var base: Base?
  package private(set) var size: Int
  package private(set) var checksum: UInt32

  package init(
    nodeID: String, createdMilliseconds: Int64, lsn: UInt64, lastTimestamp: HybridTimestamp,
    lastRecordChecksum: UInt32, successorChecksum: UInt32, localOperations: UInt64, syncTable: [UInt8] = [],
    layout: Layout = .deflated, base: Base? = nil
  ) {
    precondition(base == nil || layout != .fixedWidth, "a delta snapshot holds compact entries")
    self.nodeID = nodeID
    self.createdMilliseconds = createdMilliseconds
    self.lsn = lsn
    self.lastTimestamp = lastTimestamp
    self.lastRecordChecksum = lastRecordChecksum
    self.successorChecksum = successorChecksum
    self.localOperations = localOperations
    self.syncTable = syncTable
    self.layout = layout
    self.base = base
    self.size = SnapshotFormat.headerFixedSize + nodeID.utf8.count + syncTable.count + (base == nil ? 0 : 12) + 4
    self.checksum = 0
    self.checksum = CRC32C.checksum(encoded().dropLast(4))
  }

  /// The whole snapshot a delta snapshot applies over: the one at `lsn` whose header CRC is
  /// `headerChecksum`.
  package struct Base: Sendable, Equatable {
    package var lsn: UInt64
    package var headerChecksum: UInt32

    package init(lsn: UInt64, headerChecksum: UInt32) {
      self.lsn = lsn
      self.headerChecksum = headerChecksum
    }
  }

  /// How a snapshot's blocks and index are laid out.
  package enum Layout: Sendable, Hashable {
    /// Fixed-width entries and one index (versions 1 and 2, written until 2026-12).
    case fixedWidth
    /// Compact entries (keys prefix-compressed, lengths as varints, LSNs and timestamps as
    /// differences) and one index (versions 3 and 4).
    case compact
    /// Compact entries and the index in pages under a page table (versions 5 and 6): a point
    /// read reads the table and one page.
    case paged
    /// The paged layout with raw deflate blocks compressed against a preset dictionary that
    /// follows the header, and deflated pages (versions 7 and 8, what writers write).
    case deflated
  }

  /// Whether the blocks hold compact entries (versions 3 to 8).
  package var compactEntries: Bool { layout != .fixedWidth }
  /// Whether the index is in pages under a page table (versions 5 to 8).
  package var pagedIndex: Bool { layout == .paged || layout == .deflated }
  /// Whether a dictionary follows the header, the blocks are raw deflate against it and the
  /// pages are deflated (versions 7 and 8).
  package var deflatedLayout: Bool { layout == .deflated }

  /// The format version the header says: 1, or 2 with a sync table, for fixed-width entries; 3,
  /// or 4 for a delta, for compact entries; 5, or 6 for a delta, for a paged index; 7, or 8 for
  /// a delta, for the deflated layout.
  package var version: UInt16 {
    switch layout {
    case .fixedWidth: syncTable.isEmpty ? SnapshotFormat.version : SnapshotFormat.versionWithSyncTable
    case .compact: base == nil ? SnapshotFormat.compactVersion : SnapshotFormat.deltaVersion
    case .paged: base == nil ? SnapshotFormat.pagedVersion : SnapshotFormat.pagedDeltaVersion
    case .deflated: base == nil ? SnapshotFormat.deflatedVersion : SnapshotFormat.deflatedDeltaVersion
    }
  }

  package func encoded() -> [UInt8] {
    var bytes = SnapshotFormat.magic
    bytes.reserveCapacity(size)
    bytes.appendLittleEndian(version)
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
    if let base {
      bytes.appendLittleEndian(base.lsn)
      bytes.appendLittleEndian(base.headerChecksum)
    }
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
    guard (SnapshotFormat.version...SnapshotFormat.newestVersion).contains(version) else {
      return .failure(
        .at(
          8,
          "it is snapshot format version \(version); this softadastra reads versions 1 to \(SnapshotFormat.newestVersion) (upgrade softadastra)"
        ))
    }
    let isDelta = [SnapshotFormat.deltaVersion, SnapshotFormat.pagedDeltaVersion, SnapshotFormat.deflatedDeltaVersion]
      .contains(version)
    let size = Int(bytes.loadLittleEndian(at: 10, as: UInt16.self))
    let idLength = Int(bytes[52])
    let tableLength = size - (SnapshotFormat.headerFixedSize + idLength + (isDelta ? 12 : 0) + 4)
    let tableAllowed =
      switch version {
      case SnapshotFormat.version: tableLength == 0
      case SnapshotFormat.versionWithSyncTable: tableLength > 0
      default: tableLength >= 0
      }
    guard idLength > 0, tableAllowed, bytes.count >= size else {
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
    var base: Base?
    if isDelta {
      base = Base(lsn: bytes.loadLittleEndian(at: size - 16), headerChecksum: bytes.loadLittleEndian(at: size - 8))
      guard base!.lsn < lsn else {
        return .failure(.at(UInt64(size - 16), "its base's LSN \(base!.lsn) is not before its own (\(lsn))"))
      }
    }
    let header = SnapshotHeader(
      nodeID: nodeID, createdMilliseconds: bytes.loadLittleEndian(at: 12), lsn: lsn,
      lastTimestamp: HybridTimestamp(rawValue: bytes.loadLittleEndian(at: 28)),
      lastRecordChecksum: bytes.loadLittleEndian(at: 36), successorChecksum: bytes.loadLittleEndian(at: 40),
      localOperations: bytes.loadLittleEndian(at: 44),
      syncTable: Array(bytes[53 + idLength..<53 + idLength + tableLength]),
      layout: version >= SnapshotFormat.deflatedVersion
        ? .deflated
        : version >= SnapshotFormat.pagedVersion
          ? .paged : version >= SnapshotFormat.compactVersion ? .compact : .fixedWidth, base: base)
    return .success(header)
  }
}
