import CFileSystemType
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A count of the changes made to a log, shared in memory by every process that has the log
/// open: the second page of its writer's lock file (`<wal>.lock`, bytes 4096 to 8191), mapped
/// read-only.
///
/// Every change made under the writer lock advances it before the lock is released (a commit,
/// after its sync and before it is acknowledged), so a process that reads the same count as at
/// its last look at the log knows that no commit was acknowledged since: it need not look at the
/// file (one load from memory instead of an `lstat`). This is what SQLite's WAL index does with
/// its change counter.
///
/// The page starts with the 8 bytes `SACHANGE`, then the count (a little-endian UInt64). The
/// writer lock's holder writes the page when it is missing and advances the count, both with
/// `pwrite` (a store into a shared mapping that needs a block on a full disk kills the process
/// with SIGBUS; a `pwrite` fails instead), so only the holder ever changes it. The count is used
/// only on local file systems that overwrite a file's blocks in place, where a shared mapping is
/// coherent between processes and an overwrite needs no new block: not NFS, SMB or FUSE (their
/// processes may run on other machines), not copy-on-write ones (Btrfs, ZFS, bcachefs, F2FS) and
/// not overlayfs (a mapping of a lower-layer file does not see the copy a writer makes). There,
/// and where the page cannot be mapped, processes look at the file before every read.
package final class ChangeCounter: @unchecked Sendable {
  /// Where the page starts in the lock file, and its size.
  package static let pageOffset = 4096
  static let pageSize = 4096
  /// `SACHANGE`, little-endian.
  private static let magic = UInt64(littleEndian: 0x4547_4E41_4843_4153)

  private let page: UnsafeMutableRawPointer
  private let count: UnsafeMutablePointer<Atomic<UInt64>>

  private init(page: UnsafeMutableRawPointer) {
    self.page = page
    count = (page + 8).bindMemory(to: Atomic<UInt64>.self, capacity: 1)
  }

  deinit { munmap(page, Self.pageSize) }

  /// The count now (an acquiring load: what was written before it was advanced is visible).
  package var value: UInt64 { count.pointee.load(ordering: .acquiring) }

  /// Advances the count by writing its next value into the lock file open at `descriptor`; only
  /// the writer lock's holder does, so no other process changes it meanwhile. Returns whether
  /// the write succeeded (it overwrites a block the page's creation allocated).
  @discardableResult
  package func advance(through descriptor: Int32) -> Bool {
    var next = (value &+ 1).littleEndian
    return withUnsafeBytes(of: &next) { bytes in
      pwrite(descriptor, bytes.baseAddress, 8, off_t(Self.pageOffset + 8)) == 8
    }
  }

  /// Writes the page into the lock file `file` when it is missing (a lock file a version before
  /// this one made, or a new one), with the count at 0, and maps it. Only under the writer lock.
  /// Nil where a shared count cannot be trusted (see above).
  ///
  /// - Throws: when the page cannot be written or mapped on a file system where it is trusted:
  ///   a writer that could not advance the count would let other processes read past its commits.
  package static func prepare(lockFile file: SystemFile) throws(SoftadastraError) -> ChangeCounter? {
    guard isCoherent(file.descriptor) else { return nil }
    if let counter = map(file.descriptor) { return counter }
    var page = [UInt8](repeating: 0, count: pageSize)
    page.storeLittleEndian(magic, at: 0)
    let written = page.withUnsafeBytes { pwrite(file.descriptor, $0.baseAddress, pageSize, off_t(pageOffset)) }
    guard written == pageSize else {
      throw .system(written < 0 ? errno : ENOSPC, "cannot write the change count of \(file.path)", path: file.path)
    }
    guard let counter = map(file.descriptor) else {
      throw .system(errno, "cannot map the change count of \(file.path)", path: file.path)
    }
    return counter
  }

  /// The count of the lock file open at `descriptor` when it holds the page; nil otherwise (and
  /// where a shared count cannot be trusted).
  package static func map(_ descriptor: Int32) -> ChangeCounter? {
    var info = stat()
    guard isCoherent(descriptor), fstat(descriptor, &info) == 0, info.st_size >= off_t(pageOffset + pageSize),
      let address = mmap(nil, pageSize, PROT_READ, MAP_SHARED, descriptor, off_t(pageOffset)),
      address != MAP_FAILED
    else { return nil }
    let counter = ChangeCounter(page: address)
    guard address.bindMemory(to: Atomic<UInt64>.self, capacity: 1).pointee.load(ordering: .acquiring) == magic else {
      return nil
    }
    return counter
  }

  /// The count of the log at `walPath`, for a reader; nil when there is no lock file with the
  /// page (a writer of this version makes it), or see above.
  package static func forReader(walPath: String) -> ChangeCounter? {
    let descriptor = open(WriterLock.lockPath(forWAL: walPath), O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    return map(descriptor)
  }

  /// Whether the file open at `descriptor` is on a file system where the count is trusted.
  private static func isCoherent(_ descriptor: Int32) -> Bool {
    inPlaceLocalFileSystems.contains(Int64(softadastra_filesystem_type(descriptor)))
  }

  /// `statfs` types (`statfs(2)`) of local file systems that overwrite in place: ext2/3/4, XFS,
  /// tmpfs, ramfs, JFS, ReiserFS.
  private static let inPlaceLocalFileSystems: Set<Int64> = [
    0xEF53, 0x5846_5342, 0x0102_1994, 0x8584_58F6, 0x3153_464A, 0x5265_4973,
  ]
}
