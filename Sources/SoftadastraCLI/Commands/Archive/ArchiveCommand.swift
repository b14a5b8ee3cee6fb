import ArgumentParser
import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

/// `softadastra archive`: continuous archiving, as PostgreSQL's archive_command or Litestream.
struct ArchiveCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "archive",
    abstract: "Ship every committed record to a directory or through a command, as it is written.",
    discussion: """
      Runs until SIGINT or SIGTERM (then ships what is left and exits 0), shipping every whole \
      record committed since the last look every --interval seconds as a compressed, \
      checksummed segment <node-id>.<first LSN>-<last LSN>.sdsegment, after a base (a backup \
      archive, <node-id>.<LSN>.<UTC time>.base.sdbackup) when the destination has none, when one \
      is due (--base-every), or when the node was restored. It takes no writer lock. Its state \
      is kept in <wal base>.archive-state beside the node: a restarted archiver goes on where \
      the destination's files end, and a segment interrupted by a crash is shipped again byte \
      for byte under the same name. Checkpoints keep every sealed log it has not shipped yet. \
      A failed store is retried with backoff (1 s doubling to 60 s) and counted in status. \
      With --once, it ships what is new and exits (for cron): 74 when storing failed.

      --archive-command runs under /bin/sh -c with the file on standard input; %f is the \
      file's name, %% a %. Exit 0 must mean the file is stored durably; storing a name again \
      with the same bytes must succeed. For example: 'rclone rcat remote:archive/%f'.
      """)

  @Option(help: ArgumentHelp("Store the files in this directory.", valueName: "dir"), completion: .directory)
  var dir: String?
  @Option(
    name: .customLong("archive-command"),
    help: ArgumentHelp(
      "Store each file through this shell command (%f: its name; the file on stdin).", valueName: "cmd"))
  var archiveCommand: String?
  @Option(help: ArgumentHelp("Seconds between looks at the log (default 1).", valueName: "seconds"))
  var interval: Double = 1
  @Option(
    name: .customLong("base-every"),
    help: ArgumentHelp(
      "Ship a new base after this many bytes of records (512M, 1G) or this long (30m, 24h, 7d); may be given twice. Default: 1G and 24h.",
      valueName: "size|time"))
  var baseEvery: [BaseInterval] = []
  @Option(
    name: .customLong("command-timeout"),
    help: ArgumentHelp("Stop a command that runs longer than this many seconds (default 600).", valueName: "seconds"))
  var commandTimeout: Double = 600
  @Flag(help: "Ship what is new, then exit.") var once = false
  @Option(help: ArgumentHelp("zlib compression level, 0 (store) to 9 (smallest). Default: 6.", valueName: "0-9"))
  var level: Int = 6
  @OptionGroup var global: GlobalOptions

  func validate() throws {
    guard (dir == nil) != (archiveCommand == nil) else {
      throw ValidationError("give exactly one of --dir DIR and --archive-command CMD")
    }
    guard interval > 0, interval <= 86_400 else { throw ValidationError("--interval must be more than 0 seconds") }
    guard commandTimeout > 0 else { throw ValidationError("--command-timeout must be more than 0 seconds") }
    guard (0...9).contains(level) else { throw ValidationError("--level must be 0 to 9") }
  }

  func run() throws {
    var options = Archiver.Options(level: level, toolVersion: softadastraVersion)
    for every in baseEvery {
      switch every {
      case .bytes(let bytes): options.baseEveryBytes = bytes
      case .milliseconds(let milliseconds): options.baseEveryMilliseconds = milliseconds
      }
    }
    let destination: any ArchiveDestination =
      if let dir { ArchiveDirectory(dir) } else {
        ShellCarrier(storeCommand: archiveCommand, timeout: commandTimeout)
      }
    let archiver = try Archiver(walPath: global.resolvedWAL, destination: destination, options: options)
    archiver.onNewChain = { reason in Output.diagnostic("note: starting a new chain with a base: \(reason)") }
    if once {
      let shipped = try archiver.ship()
      report(shipped, state: try archiver.state())
      return
    }
    StopSignal.install()
    var backoff = 1.0
    var stopping = false
    while true {
      stopping = StopSignal.requested
      do throws(SoftadastraError) {
        for file in try archiver.ship() { report(file) }
        backoff = 1
        if stopping { return }
        StopSignal.sleep(seconds: interval)
      } catch {
        guard ![.corrupt, .invalidArgument, .configuration, .notOpen].contains(error.kind) else { throw error }
        Output.diagnostic("error: \(error.message); retrying in \(Int(backoff)) s")
        if stopping { throw error }
        StopSignal.sleep(seconds: backoff)
        backoff = min(backoff * 2, 60)
      }
    }
  }

  private func report(_ file: Archiver.Shipped) {
    if global.json {
      Output.document(fileMembers(file))
    } else {
      Output.line("shipped    : \(file.name) (\(range(file)), \(file.bytes) bytes)")
    }
    Output.flush()
  }

  private func report(_ files: [Archiver.Shipped], state: ArchiveState?) {
    if global.json {
      Output.document([
        ("shipped", .array(files.map { .object(fileMembers($0)) })),
        ("state", state.map(\.json) ?? .null),
      ])
      return
    }
    for file in files { Output.line("shipped    : \(file.name) (\(range(file)), \(file.bytes) bytes)") }
    if files.isEmpty { Output.line("shipped    : nothing new") }
    if let state { Output.line("archived   : up to LSN \(state.shippedLSN), base at LSN \(state.baseLSN)") }
  }

  private func range(_ file: Archiver.Shipped) -> String {
    file.kind == .base ? "base, state at LSN \(file.lastLSN)" : "LSN \(file.firstLSN) to \(file.lastLSN)"
  }

  private func fileMembers(_ file: Archiver.Shipped) -> [(String, JSONValue)] {
    [
      ("kind", .string(file.kind.rawValue)), ("name", .string(file.name)),
      ("first_lsn", file.kind == .base ? .null : .number(file.firstLSN)), ("last_lsn", .number(file.lastLSN)),
      ("bytes", .number(file.bytes)),
    ]
  }
}

/// `--base-every`: a size in bytes (K, M, G: powers of 1024) or a duration (s, m, h, d).
enum BaseInterval: ExpressibleByArgument {
  case bytes(UInt64)
  case milliseconds(UInt64)

  init?(argument: String) {
    guard let unit = argument.last, let number = UInt64(argument.dropLast()), number > 0 else {
      guard let bytes = UInt64(argument), bytes > 0 else { return nil }
      self = .bytes(bytes)
      return
    }
    let (kind, factor): (Bool, UInt64) =
      switch unit {
      case "K", "k": (true, 1 << 10)
      case "M": (true, 1 << 20)
      case "G", "g": (true, 1 << 30)
      case "s": (false, 1_000)
      case "m": (false, 60_000)
      case "h": (false, 3_600_000)
      case "d": (false, 86_400_000)
      default: (true, 0)
      }
    guard factor > 0, number <= UInt64.max / factor else { return nil }
    self = kind ? .bytes(number * factor) : .milliseconds(number * factor)
  }
}

/// SIGINT and SIGTERM ask a long-running command to stop after what it is doing.
enum StopSignal {
  nonisolated(unsafe) private static var flag: sig_atomic_t = 0

  static var requested: Bool { flag != 0 }

  static func install() {
    for signal in [SIGINT, SIGTERM] { Glibc.signal(signal) { _ in StopSignal.flag = 1 } }
  }

  /// Sleeps `seconds`, or less when a stop is asked for.
  static func sleep(seconds: Double) {
    let deadline = Deadline(secondsFromNow: seconds)
    while !requested, !deadline.hasPassed { usleep(UInt32(min(seconds, 0.05) * 1_000_000)) }
  }
}
