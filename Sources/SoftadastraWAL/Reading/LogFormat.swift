/// The log formats softadastra reads.
public enum LogFormat: String, Sendable, CaseIterable {
  /// softadastra's own WAL (docs/wal-format.md).
  case native
  /// The C++ Softadastra runtime's log (docs/cpp-wal-v1.md).
  case cppV1 = "cpp-v1"

  /// Recognises a log by its first bytes: the C++ record magic, or a start of it cut short (a
  /// runtime log whose first record was torn after 1 to 3 bytes); anything else is taken as
  /// native (and its header check then says what is wrong).
  public static func detect(path: String) throws(SoftadastraError) -> LogFormat {
    try detect(file: SystemFile.openForReading(path))
  }

  /// The format of the log open as `file`, by its first bytes.
  package static func detect(file: SystemFile) throws(SoftadastraError) -> LogFormat {
    let first = try file.read(count: 4, at: 0)
    return !first.isEmpty && CppLogScanner.magic.starts(with: first) ? .cppV1 : .native
  }
}
