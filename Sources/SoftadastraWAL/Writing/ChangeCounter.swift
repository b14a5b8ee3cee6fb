import CFileSystemType
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A count of the changes made to a log, shared in memory by every process that has the log
/// open: the second page of its writer's lock file (`<wal>.lock`, bytes 4096 to 8191), mapped.
///
/// Every change made under the writer lock advances it before the lock is released (a commit,
/// after its sync and before it is acknowledged), so a process that reads the same count as at
/// its last look at the log knows that no commit was acknowledged since: it need not look at the
/// file (one load from memory instead of an `lstat`). This is what SQLite's WAL index does with
/// its change counter.
///
/// The page starts with the 8 bytes `SACHANGE`, then the count (a little-endian UInt64); the
/// first writer that finds the file shorter extends it and writes them. The count is used only on
/// local file systems where a shared mapping is coherent between processes (not NFS, SMB or FUSE,
/// whose processes may run on other machines): there, and where the page cannot be mapped,
/// processes look at the file before every read, as before.
package final class ChangeCounter: @unchecked Sendable {
  /// Where the page starts in the lock file, and its size.
  package static let pageOffset = 4096
  static let pageSize = 4096
  /// `SACHANGE`, little-endian.
  package static let magic = UInt64(littleEndian: 0x4547_4E41_4843_4153)

  private let page: UnsafeMutableRawPointer
  private let count: UnsafeMutablePointer<Atomic<UInt64>>
  /// Whether this process may advance the count (a writer's mapping; a reader's is read-only).
  package let isWritable: Bool

  private init(page: UnsafeMutableRawPointer, isWritable: Bool) {
    self.page = page
    self.isWritable = isWritable
    count = (page + 8).bindMemory(to: Atomic<UInt64>.self, capacity: 1)
  }

  deinit { munmap(page, Self.pageSize) }

  /// The count now (an acquiring load: what was written before it was advanced is visible).
  package var value: UInt64 { count.pointee.load(ordering: .acquiring) }

  /// Advances the count; returns the new value. Only by the writer lock's holder.
  @discardableResult
  package func advance() -> UInt64 {
    precondition(isWritable, "a read-only change counter cannot be advanced")
    return count.pointee.wrappingAdd(1, ordering: .releasing).newValue
  }

  /// The count of the lock file `file`, for the writer lock's holder: the file is extended to
  /// hold it and its page written when missing. Nil where a shared count cannot be trusted (see
  /// above).
  ///
  /// - Throws: when the file is on a local file system and the page cannot be made or mapped: a
  ///   writer that could not advance the count would let other processes read past its commits.
  package static func forWriter(lockFile file: SystemFile) throws(SoftadastraError) -> ChangeCounter? {
    guard isCoherent(file.descriptor) else { return nil }
    if try file.size() < UInt64(pageOffset + pageSize) {
      while ftruncate(file.descriptor, off_t(pageOffset + pageSize)) != 0 {
        if errno != EINTR { throw .system(errno, "cannot extend \(file.path) for its change counter", path: file.path) }
      }
    }
    guard let counter = map(file.descriptor, writable: true) else {
      throw .system(errno, "cannot map the change counter of \(file.path)", path: file.path)
    }
    let magicWord = counter.page.bindMemory(to: Atomic<UInt64>.self, capacity: 1)
    if magicWord.pointee.load(ordering: .relaxed) != magic {
      // A new page: its count starts at 0, and readers use it once the magic is there.
      magicWord.pointee.store(magic, ordering: .releasing)
    }
    return counter
  }

  /// The count of the log at `walPath`, for a reader (a read-only mapping); nil when there is no
  /// lock file with the page (a writer of this version makes it), or see above.
  package static func forReader(walPath: String) -> ChangeCounter? {
    let descriptor = open(WriterLock.lockPath(forWAL: walPath), O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var info = stat()
    guard isCoherent(descriptor), fstat(descriptor, &info) == 0, info.st_size >= off_t(pageOffset + pageSize),
      let counter = map(descriptor, writable: false),
      counter.page.bindMemory(to: Atomic<UInt64>.self, capacity: 1).pointee.load(ordering: .acquiring) == magic
    else { return nil }
    return counter
  }

  private static func map(_ descriptor: Int32, writable: Bool) -> ChangeCounter? {
    let protection = writable ? PROT_READ | PROT_WRITE : PROT_READ
    guard let address = mmap(nil, pageSize, protection, MAP_SHARED, descriptor, off_t(pageOffset)),
      address != MAP_FAILED
    else { return nil }
    return ChangeCounter(page: address, isWritable: writable)
  }

  /// Whether the file open at `descriptor` is on a local file system whose shared mappings every
  /// process sees alike.
  private static func isCoherent(_ descriptor: Int32) -> Bool {
    localFileSystems.contains(Int64(softadastra_filesystem_type(descriptor)))
  }

  /// `statfs` types of local file systems (`statfs(2)`): ext2/3/4, XFS, Btrfs, tmpfs, overlayfs,
  /// ZFS, F2FS, bcachefs, ramfs, JFS, ReiserFS.
  private static let localFileSystems: Set<Int64> = [
    0xEF53, 0x5846_5342, 0x9123_683E, 0x0102_1994, 0x794C_7630, 0x2FC1_2FC1, 0xF2F5_2010, 0xCA45_1A4E,
    0x8584_58F6, 0x3153_464A, 0x5265_4973,
  ]
}
