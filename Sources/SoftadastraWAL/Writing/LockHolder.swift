#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Who holds a writer lock, as the holder recorded it in the lock file: its process id and
/// command line. Shown when a wait for the lock gives up, and by `status`.
public struct LockHolder: Sendable, Equatable, CustomStringConvertible {
  public var pid: Int32
  public var command: String

  public var description: String { command.isEmpty ? "pid \(pid)" : "pid \(pid) (\(command))" }

  /// This process, as it records itself: its id and its command line (at most 200 bytes).
  static let current: LockHolder = {
    let command = CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
    return LockHolder(pid: getpid(), command: String(decoding: command.utf8.prefix(200), as: UTF8.self))
  }()

  /// The line written into the lock file.
  var line: [UInt8] { Array("\(pid) \(command)\n".utf8) }

  /// The holder a lock file names, when it names one and that process is alive.
  static func parse(_ bytes: [UInt8]) -> LockHolder? {
    let text = String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    let fields = text.split(separator: " ", maxSplits: 1)
    guard let first = fields.first, let pid = Int32(first), pid > 0, kill(pid, 0) == 0 || errno == EPERM else {
      return nil
    }
    return LockHolder(pid: pid, command: fields.count > 1 ? String(fields[1]) : "")
  }
}
