import SoftadastraWAL

#if canImport(Glibc)
  import Glibc
#endif

/// The backups in a directory, and the retention rules that prune them.
public enum BackupCatalog {
  /// `<node-id>-<UTC time>-<lsn>.sdbackup`, the name `backup --dir` gives an archive.
  public static func fileName(nodeID: String, createdMilliseconds: Int64, lastLSN: UInt64) -> String {
    "\(nodeID)-\(ISO8601.compactString(milliseconds: UInt64(max(0, createdMilliseconds))))-\(lastLSN)\(BackupFormat.fileExtension)"
  }

  /// One archive in a directory: its manifest, or why it could not be read.
  public struct Entry: Sendable {
    public var path: String
    public var size: UInt64
    public var manifest: BackupManifest?
    public var problem: SoftadastraError?
  }

  /// Every `*.sdbackup` file in `directory`, newest first (unreadable ones last, by name).
  public static func entries(in directory: String) throws(SoftadastraError) -> [Entry] {
    guard let names = FileSystem.names(in: directory) else {
      throw .system(errno, "cannot list backups in \(directory)", path: directory)
    }
    var entries: [Entry] = []
    // Bases of continuous archiving are pruned with their chains (ArchiveSurvey.planPrune), never alone.
    for name in names.sorted()
    where name.hasSuffix(BackupFormat.fileExtension) && !name.hasPrefix(".") && !name.hasSuffix(ArchiveNames.baseSuffix)
    {
      let path = directory.hasSuffix("/") ? directory + name : "\(directory)/\(name)"
      do throws(SoftadastraError) {
        let archive = try BackupArchive(path: path)
        entries.append(Entry(path: path, size: archive.fileSize, manifest: archive.manifest, problem: nil))
      } catch {
        entries.append(
          Entry(path: path, size: (try? SystemFile.openForReading(path).size()) ?? 0, manifest: nil, problem: error))
      }
    }
    return entries.sorted { lhs, rhs in
      switch (lhs.manifest, rhs.manifest) {
      case (let left?, let right?):
        (left.createdMilliseconds, left.lastLSN, lhs.path) > (right.createdMilliseconds, right.lastLSN, rhs.path)
      case (.some, nil): true
      case (nil, .some): false
      case (nil, nil): lhs.path < rhs.path
      }
    }
  }

  /// What pruning keeps and removes.
  public struct PrunePlan: Sendable {
    public var keep: [Entry] = []
    public var remove: [Entry] = []
    /// Archives whose manifest cannot be read: never removed, always reported.
    public var unreadable: [Entry] = []
  }

  /// Decides what to remove, per node: an archive stays when it is among the newest `keep` or
  /// younger than `keepWithin` milliseconds (either rule keeps it). The newest archive that
  /// passes a quick check (manifest and part checksums) always stays, so pruning never removes
  /// the last good backup of a node.
  public static func planPrune(
    _ entries: [Entry], keep: Int?, keepWithinMilliseconds: UInt64?, nowMilliseconds: UInt64
  ) throws(SoftadastraError) -> PrunePlan {
    var plan = PrunePlan()
    var seen: [String: Int] = [:]
    var hasGood: [String: Bool] = [:]
    var removable: [Entry] = []
    for entry in entries {
      guard let manifest = entry.manifest else {
        plan.unreadable.append(entry)
        continue
      }
      let rank = seen[manifest.nodeID, default: 0]
      seen[manifest.nodeID] = rank + 1
      let byCount = keep.map { rank < $0 } ?? false
      let byAge =
        keepWithinMilliseconds.map { age in
          let created = UInt64(max(0, manifest.createdMilliseconds))
          return created >= nowMilliseconds || nowMilliseconds - created <= age
        } ?? false
      if byCount || byAge {
        plan.keep.append(entry)
        if hasGood[manifest.nodeID] != true, try isGood(entry) { hasGood[manifest.nodeID] = true }
      } else {
        removable.append(entry)
      }
    }
    for entry in removable {
      let node = entry.manifest!.nodeID
      if hasGood[node] != true, try isGood(entry) {
        hasGood[node] = true
        plan.keep.append(entry)
      } else {
        plan.remove.append(entry)
      }
    }
    return plan
  }

  private static func isGood(_ entry: Entry) throws(SoftadastraError) -> Bool {
    try BackupArchive.verify(path: entry.path, quick: true).isSound
  }
}
