import ArgumentParser
import Softadastra
@_spi(Storage) import SoftadastraWAL

#if canImport(Glibc)
  import Glibc
#endif

/// Reading and writing bundles: files, standard input and output, FIFOs. A bundle streams
/// through in memory that does not grow with it.
enum BundleIO {
  /// The bundle in `argument`, a file or - for standard input (which must hold one bundle),
  /// checked whole: a regular file in place (it is read again when it is applied), standard
  /// input and FIFOs as they are copied into a nameless scratch file in `$TMPDIR`.
  static func load(_ argument: String) throws -> ReceivedSyncBundle {
    if argument == "-" {
      guard isatty(0) == 0 else {
        throw SoftadastraError(
          .invalidArgument, "refusing to read a binary bundle from a terminal; pipe one in or give its FILE")
      }
      return try receive(from: 0, source: "standard input")
    }
    guard FileSystem.exists(argument) else {
      throw SoftadastraError(.notFound, "no bundle at \(argument)", path: argument)
    }
    if let descriptor = try OutputTarget.openIfSpecial(argument, forReading: true) {
      defer { close(descriptor) }  // a FIFO or a device: read to its end, it has no size
      return try receive(from: descriptor, source: argument)
    }
    return try ReceivedSyncBundle.read(path: argument)
  }

  private static func receive(from descriptor: Int32, source: String) throws -> ReceivedSyncBundle {
    let bundle = try ReceivedSyncBundle.receive(
      from: StandardInput.reader(of: descriptor), source: source, spoolingIn: FileSystem.temporaryDirectory,
      endingInput: true)
    guard let bundle else {
      throw SoftadastraError(
        .malformedInput,
        "\(source) is not a valid sync bundle: it is 0 bytes long, too short for a sync bundle; nothing was imported (ask its sender for a new one)",
        path: source)
    }
    return bundle
  }

  /// Where a bundle for `argument` goes as it is made (see `OutputTarget`): a regular file goes
  /// in as FILE.part, synced and renamed when the bundle is whole; standard output for -.
  static func sink(for argument: String) throws(SoftadastraError) -> any SyncBundleSink {
    if argument == "-" { return DescriptorSink(descriptor: 1, name: "standard output", closes: false) }
    if let descriptor = try OutputTarget.openIfSpecial(argument) {
      return DescriptorSink(descriptor: descriptor, name: argument, closes: true)
    }
    return try FileSink(path: OutputTarget.path(argument))
  }

  /// Bytes written to a descriptor as they come.
  private final class DescriptorSink: SyncBundleSink {
    let descriptor: Int32
    let name: String
    let closes: Bool

    init(descriptor: Int32, name: String, closes: Bool) {
      self.descriptor = descriptor
      self.name = name
      self.closes = closes
      signal(SIGPIPE, SIG_IGN)  // a reader that goes away is an error to report, not a reason to die
    }

    deinit { if closes { close(descriptor) } }

    func write(_ bytes: [UInt8]) throws(SoftadastraError) {
      if let failure = Output.writeAll(descriptor, bytes) {
        throw SoftadastraError(
          .io, "cannot write the bundle to \(name): \(String(cString: strerror(failure))); it was not recorded as sent")
      }
    }
  }

  /// A new file written as PATH.part, then synced and renamed over PATH (its directory synced)
  /// once the bundle is whole; removed when the bundle is not finished. PATH.part is locked
  /// while it is written: a second export to PATH at the same time is refused (exit 75),
  /// instead of writing into the first one's file.
  private final class FileSink: SyncBundleSink {
    let path: String
    let temporary: String
    let file: SystemFile
    var end: UInt64 = 0
    var finished = false

    init(path: String) throws(SoftadastraError) {
      self.path = path
      temporary = path + ".part"
      file = try Self.openLocked(temporary)
    }

    /// PATH.part, opened (never through a symbolic link), locked, checked to be still the file
    /// named so once locked (another export may have renamed or removed it meanwhile), and
    /// emptied of what an export that was killed left there.
    private static func openLocked(_ temporary: String) throws(SoftadastraError) -> SystemFile {
      for _ in 0..<100 {
        let file = try SystemFile.openOrCreateNotFollowing(temporary)
        var info = stat()
        guard fstat(file.descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
          throw SoftadastraError(
            .cannotCreate,
            "cannot write the bundle through \(temporary): it is not a regular file; nothing was exported",
            path: temporary)
        }
        if flock(file.descriptor, LOCK_EX | LOCK_NB) != 0, errno == EWOULDBLOCK {
          throw SoftadastraError(
            .lockTimeout,
            "another export is writing \(temporary) now; nothing was exported (try again once it is done)",
            path: temporary)
        }
        // (A file system without locks goes on unlocked, as before locks were taken.)
        guard try file.status(ifStillAt: temporary) != nil else { continue }
        try file.truncate(to: 0)
        return file
      }
      throw SoftadastraError(
        .lockTimeout, "\(temporary) keeps changing under other exports; nothing was exported", path: temporary)
    }

    deinit {
      // Removed only while it is still this file, and before its lock goes with it.
      if !finished, (try? file.status(ifStillAt: temporary)) != nil { FileSystem.removeFile(temporary) }
      file.close()
    }

    func write(_ bytes: [UInt8]) throws(SoftadastraError) {
      try file.write(bytes, at: end)
      end += UInt64(bytes.count)
    }

    func finish() throws(SoftadastraError) {
      try file.sync()
      try FileSystem.rename(temporary, to: path)  // under the lock: no other export has the file
      finished = true
      file.close()
      try FileSystem.syncDirectory(FileSystem.directory(of: path))
    }
  }
}
