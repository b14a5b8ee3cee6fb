import SoftadastraWAL

/// What checking an archive found.
public struct BackupReport: Sendable {
  public var path: String
  /// The manifest, when the archive's header, trailer and manifest could be read.
  public var manifest: BackupManifest?
  /// Every problem found; empty when the archive is sound.
  public var problems: [SoftadastraError]
  /// Whether only the manifest and the parts' checksums were checked.
  public var quick: Bool
  public var isSound: Bool { problems.isEmpty }
}

extension BackupArchive {
  /// Checks the archive at `path` as a restore would, without restoring: the manifest, every
  /// part's CRC-32C, and (unless `quick`) decompression, the snapshot and WAL contents, LSN
  /// continuity and the key count, in a scratch directory under `scratchParent` (by default
  /// `$TMPDIR`, else /tmp) that is removed.
  /// `name` is how messages name the archive (its path by default).
  public static func verify(
    path: String, name: String? = nil, quick: Bool = false, scratchParent: String? = nil,
    progress: ProgressHandler? = nil
  ) throws(SoftadastraError) -> BackupReport {
    var report = BackupReport(path: path, manifest: nil, problems: [], quick: quick)
    let archive: BackupArchive
    do throws(SoftadastraError) { archive = try BackupArchive(path: path, name: name) } catch {
      guard error.kind == .corrupt else { throw error }
      report.problems.append(error)
      return report
    }
    report.manifest = archive.manifest
    report.problems = try archive.checkParts(progress: progress)
    guard report.problems.isEmpty, !quick else { return report }
    let scratch = try FileSystem.makeTemporaryDirectory(
      in: scratchParent ?? FileSystem.temporaryDirectory, prefix: ".softadastra-verify-")
    defer { FileSystem.removeFlatDirectory(scratch) }
    do throws(SoftadastraError) { _ = try archive.extract(into: scratch) } catch {
      guard error.kind == .corrupt else { throw error }
      report.problems.append(error)
    }
    return report
  }
}
