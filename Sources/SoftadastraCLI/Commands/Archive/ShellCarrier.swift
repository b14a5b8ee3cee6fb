import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

/// Moves archive files through shell commands, as PostgreSQL's `archive_command` and
/// `restore_command` do: `%f` in a command is replaced by the file's name (archive names hold
/// only `[A-Za-z0-9._-]`), `%%` by `%`, and the command runs under `/bin/sh -c`.
///
/// - store: the file on standard input; exit 0 means it is stored durably (and storing a name
///   again with the same bytes must succeed);
/// - fetch: the file on standard output; exit 0 means all of it was written;
/// - list: the names there, one per line (a path's last component is taken).
///
/// A command's standard error is ours; one running longer than `timeout` seconds is stopped
/// and counts as failed.
struct ShellCarrier: ArchiveDestination, ArchiveLocation {
  var storeCommand: String?
  var fetchCommand: String?
  var listCommand: String?
  var timeout: Double

  var identity: String { "command:\(storeCommand ?? "")" }
  var description: String { listCommand ?? storeCommand ?? "" }

  func store(_ path: String, as name: String) throws(SoftadastraError) {
    let input = open(path, O_RDONLY | O_CLOEXEC)
    guard input >= 0 else { throw .system(errno, "cannot open \(path)", path: path) }
    defer { close(input) }
    try run(storeCommand!, name: name, input: input, output: 2, what: "--archive-command")
  }

  func fetch(_ name: String, to path: String) throws(SoftadastraError) {
    let output = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard output >= 0 else { throw .system(errno, "cannot create \(path)", path: path) }
    defer { close(output) }
    try run(fetchCommand!, name: name, input: nil, output: output, what: "--restore-command")
  }

  func names() throws(SoftadastraError) -> [String] {
    let path = FileSystem.temporaryDirectory + "/.softadastra-list-\(getpid())"
    unlink(path)
    let output = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard output >= 0 else { throw .system(errno, "cannot create \(path)", path: path) }
    defer {
      close(output)
      unlink(path)
    }
    try run(listCommand!, name: nil, input: nil, output: output, what: "--list-command")
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    var offset: off_t = 0
    while true {
      let count = chunk.withUnsafeMutableBytes { pread(output, $0.baseAddress, $0.count, offset) }
      guard count > 0 else { break }
      bytes += chunk[0..<count]
      offset += off_t(count)
    }
    return String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).compactMap { line in
      line.split(separator: "/").last.map { String($0).trimmingSpaces() }
    }.filter { !$0.isEmpty }
  }

  private static let safeBytes = Set(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-".utf8)

  /// `command` with `%f` and `%%` replaced.
  static func expand(_ command: String, name: String?) -> String {
    var out = ""
    var index = command.startIndex
    while index < command.endIndex {
      let character = command[index]
      let next = command.index(after: index)
      if character == "%", next < command.endIndex {
        if command[next] == "f", let name {
          out += name
          index = command.index(after: next)
          continue
        }
        if command[next] == "%" {
          out += "%"
          index = command.index(after: next)
          continue
        }
      }
      out.append(character)
      index = next
    }
    return out
  }

  private func run(_ command: String, name: String?, input: Int32?, output: Int32, what: String)
    throws(SoftadastraError)
  {
    // Names come from the archive's own naming (or a listing, parsed): never shell syntax.
    if let name, name.isEmpty || !name.utf8.allSatisfy({ Self.safeBytes.contains($0) }) {
      throw SoftadastraError(.invalidArgument, "refusing to pass the name \(name) to a shell command")
    }
    let expanded = Self.expand(command, name: name)
    // The command leads a process group of its own, so that a timeout stops all it started.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setpgroup(&attributes, 0)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let input {
      posix_spawn_file_actions_adddup2(&actions, input, 0)
    } else {
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    }
    posix_spawn_file_actions_adddup2(&actions, output, 1)
    let words: [String] = ["/bin/sh", "-c", expanded]
    let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let started = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
    guard started == 0 else {
      throw SoftadastraError(.io, "cannot start /bin/sh for \(what): \(String(cString: strerror(started)))")
    }
    let deadline = Deadline(secondsFromNow: timeout)
    var status: Int32 = 0
    var pause: UInt32 = 1_000
    while true {
      let done = waitpid(pid, &status, WNOHANG)
      if done == pid { break }
      if done < 0, errno != EINTR {
        throw SoftadastraError(.io, "cannot wait for the \(what) command: \(String(cString: strerror(errno)))")
      }
      if deadline.hasPassed {
        kill(-pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        throw SoftadastraError(
          .io, "the \(what) command (\(expanded)) ran longer than \(Int(timeout)) s and was stopped")
      }
      usleep(pause)
      pause = min(pause * 2, 50_000)
    }
    let signal = status & 0x7F
    let code = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    guard code == 0 else {
      throw SoftadastraError(.io, "the \(what) command (\(expanded)) exited with status \(code)")
    }
  }
}

extension String {
  fileprivate func trimmingSpaces() -> String {
    String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
  }
}
