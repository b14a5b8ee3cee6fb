/// What a restore is doing, for a progress display (`Restore.run(progress:)`).
public enum RestoreStage: Sendable, Equatable {
  /// Copying and decompressing the archive's parts: bytes of the archive done, out of its parts'.
  case extracting(done: UInt64, total: UInt64)
  /// Checking the extracted node: the snapshot block by block, the WAL record by record, its keys.
  case checking
  /// Moving the checked files into place under the writer lock.
  case committing
}
