import ArgumentParser
import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

/// Reading and writing bundles: files, standard input and output, and the pipes of a live exchange.
enum BundleIO {
  /// The bundle in `argument`, a file or - for standard input (which must hold one bundle).
  static func load(_ argument: String) throws -> SyncBundle {
    if argument == "-" { return try SyncBundle.decode(try StandardInput.readAll(), source: "standard input") }
    guard FileSystem.exists(argument) else {
      throw SoftadastraError(.notFound, "no bundle at \(argument)", path: argument)
    }
    if let descriptor = try OutputTarget.openIfSpecial(argument, forReading: true) {
      defer { close(descriptor) }  // a FIFO or a device: read to its end, it has no size
      return try SyncBundle.decode(try StandardInput.readAll(from: descriptor), source: argument)
    }
    let file = try SystemFile.openForReading(argument)
    defer { file.close() }
    return try SyncBundle.decode(try file.read(count: Int(try file.size()), at: 0), source: argument)
  }

  /// Writes a bundle to `argument` (see `OutputTarget`: a regular file goes in as FILE.part,
  /// synced and renamed), or to standard output for -.
  static func save(_ bundle: SyncBundle, to argument: String) throws(SoftadastraError) {
    let bytes = try bundle.encoded()
    if argument == "-" { return try write(bytes, to: 1, what: "standard output") }
    if let descriptor = try OutputTarget.openIfSpecial(argument) {
      defer { close(descriptor) }
      return try write(bytes, to: descriptor, what: argument)
    }
    try FileSystem.writeAtomically(bytes, to: OutputTarget.path(argument), temporarySuffix: ".part")
  }

  private static func write(_ bytes: [UInt8], to descriptor: Int32, what: String) throws(SoftadastraError) {
    signal(SIGPIPE, SIG_IGN)  // a reader that goes away is an error to report, not a reason to die
    if let failure = Output.writeAll(descriptor, bytes) {
      throw SoftadastraError(
        .io, "cannot write the bundle to \(what): \(String(cString: strerror(failure))); it was not recorded as sent")
    }
  }
}
