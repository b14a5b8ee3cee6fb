import SoftadastraWAL

/// The files that hold one node's state, all beside its live WAL `<base>.wal`:
///
/// - `<base>.wal`: the live WAL, the only file a writer appends to;
/// - `<base>.<LSN>.snapshot`: the state up to LSN (20 decimal digits);
/// - `<base>.<LSN>.wal`: an archived WAL whose first record is LSN, kept after a snapshot as the
///   way back to an older snapshot (see `docs/snapshot-format.md` for the retention policy).
package struct NodeFiles: Sendable {
  package let walPath: String
  package let directory: String
  /// The WAL's file name without its ".wal" extension.
  let baseName: String

  /// - Parameter walPath: the live WAL; a symbolic link is followed, so the node's other files
  ///   live beside the real WAL and a checkpoint replaces the real file, not the link.
  package init(walPath: String) {
    let walPath = FileSystem.resolvingSymbolicLink(walPath)
    self.walPath = walPath
    directory = FileSystem.directory(of: walPath)
    let name = walPath.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? walPath
    baseName = name.hasSuffix(".wal") ? String(name.dropLast(4)) : name
  }

  package func snapshotPath(lsn: UInt64) -> String { path("\(baseName).\(Self.digits(lsn)).snapshot") }
  package func segmentPath(firstLSN: UInt64) -> String { path("\(baseName).\(Self.digits(firstLSN)).wal") }

  /// What checkpoints keep of the logs they seal, for readers that follow the live WAL: the
  /// sealed log at `segmentPath(firstLSN:)`, and the snapshot published at its last record,
  /// which names the header checksum of the log that follows it.
  package var sealedLogs: SealedLogs {
    let files = self
    return SealedLogs(
      archivedPath: { files.segmentPath(firstLSN: $0) },
      successorChecksum: { lsn, checksum in
        let path = files.snapshotPath(lsn: lsn)
        guard let file = try? SystemFile.openForReading(path),
          let header = try? SnapshotHeader.read(from: file, path: path),
          header.lsn == lsn, header.lastRecordChecksum == checksum
        else { return nil }
        return header.successorChecksum
      })
  }

  /// Snapshot files, newest (highest LSN) first.
  package func snapshots() -> [(lsn: UInt64, path: String)] {
    list(suffix: ".snapshot").sorted { $0.0 > $1.0 }.map { (lsn: $0.0, path: $0.1) }
  }

  /// Archived WAL segments, oldest (lowest first LSN) first.
  package func segments() -> [(firstLSN: UInt64, path: String)] {
    list(suffix: ".wal").sorted { $0.0 < $1.0 }.map { (firstLSN: $0.0, path: $0.1) }
  }

  /// What continuous archiving keeps beside the node: its state, and the segment it is shipping.
  package var archivingFiles: [String] {
    [path("\(baseName).archive-state"), path("\(baseName).archive-segment")]
  }

  /// Where the build of the snapshot at `lsn` moves the changes that outgrow memory
  /// (`SpilledChanges`).
  package func spillPath(lsn: UInt64) -> String { path("\(baseName).\(Self.digits(lsn)).spill.tmp") }

  /// Temporary files of snapshot builds that checkpoints killed before their rename left behind:
  /// snapshots (`<base>.<LSN>.snapshot.tmp`) and spilled changes (`<base>.<LSN>.spill.tmp`). Only
  /// the checkpoint lock's holder may remove them (one may be in progress).
  package func leftoverSnapshotTemporaries() -> [String] {
    (list(suffix: ".snapshot.tmp") + list(suffix: ".spill.tmp")).map(\.1)
  }

  /// Whether any snapshot or archived segment exists (then a missing live WAL is damage, not a new node).
  package var hasHistoryFiles: Bool { !snapshots().isEmpty || !segments().isEmpty }

  /// `name` in the node's directory.
  func path(_ name: String) -> String { directory == "." && !walPath.hasPrefix("./") ? name : "\(directory)/\(name)" }

  /// `value` as the 20 decimal digits of file names.
  static func digits(_ value: UInt64) -> String {
    let text = String(value)
    return String(repeating: "0", count: 20 - text.count) + text
  }

  /// `<base>.<20 digits><suffix>` files in the directory, with their number.
  private func list(suffix: String) -> [(UInt64, String)] {
    let prefix = baseName + "."
    var found: [(UInt64, String)] = []
    for name in FileSystem.names(in: directory) ?? [] {
      guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { continue }
      let middle = name.dropFirst(prefix.count).dropLast(suffix.count)
      guard middle.count == 20, middle.allSatisfy({ $0.isASCII && $0.isNumber }), let number = UInt64(middle),
        number <= WALFormat.maxLSN
      else { continue }
      found.append((number, path(name)))
    }
    return found
  }
}
