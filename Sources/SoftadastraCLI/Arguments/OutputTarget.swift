import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

/// Where a command writes a file it produces (an archive, a bundle): a new or regular file is
/// written beside its name and renamed into place; a symbolic link is followed (and stays); a
/// FIFO or a device (`/dev/null`, a tape) is written to as it is, never replaced. (And read
/// from to its end, having no size.)
enum OutputTarget {
  /// The path to write to: `argument` with a symbolic link at its end resolved.
  static func path(_ argument: String) -> String { FileSystem.resolvingSymbolicLink(argument) }

  /// An open descriptor (for writing, or reading) when `argument` names something that exists
  /// and is not a regular file; nil for a regular or new file. The caller closes it.
  static func openIfSpecial(_ argument: String, forReading: Bool = false) throws(SoftadastraError) -> Int32? {
    let target = path(argument)
    var status = stat()
    guard stat(target, &status) == 0, status.st_mode & S_IFMT != S_IFREG else { return nil }
    if status.st_mode & S_IFMT == S_IFDIR {
      throw forReading
        ? SoftadastraError(.notFound, "\(argument) is a directory, not a file", path: argument)
        : SoftadastraError(.cannotCreate, "cannot write to \(argument): it is a directory", path: argument)
    }
    let descriptor = open(target, (forReading ? O_RDONLY : O_WRONLY) | O_CLOEXEC)
    guard descriptor >= 0 else { throw SoftadastraError.system(errno, "cannot open", path: argument) }
    return descriptor
  }

  /// Refuses to write binary `what` to standard output when it is a terminal (as gzip does):
  /// it would garble the screen and help no one.
  static func refuseTerminal(_ argument: String, what: String) throws(SoftadastraError) {
    guard argument == "-", isatty(1) == 1 else { return }
    throw SoftadastraError(
      .invalidArgument, "refusing to write \(what) to a terminal; redirect standard output or give --output FILE")
  }
}
