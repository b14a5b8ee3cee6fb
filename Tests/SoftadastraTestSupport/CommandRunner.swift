import Foundation

/// What a run of the `softadastra` binary produced: the three are kept apart.
public struct CommandResult: Sendable {
  public var status: Int32
  public var stdout: [UInt8]
  public var stderr: String
  public var out: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs the built `softadastra` binary, the one beside the test bundle (or `$SOFTADASTRA_BIN`).
public enum CommandRunner {
  public static var binaryPath: String {
    if let path = ProcessInfo.processInfo.environment["SOFTADASTRA_BIN"] { return path }
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = executable.deletingLastPathComponent()
    while directory.path != "/" {
      let candidate = directory.appendingPathComponent("softadastra").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      directory = directory.deletingLastPathComponent()
    }
    fatalError(
      "cannot find the softadastra binary near \(executable.path); run swift build first or set SOFTADASTRA_BIN")
  }

  /// Runs `softadastra arguments…` in `directory` with `stdin` as input and a fixed environment
  /// (COLUMNS=80; no SOFTADASTRA_* variables unless given).
  @discardableResult
  public static func run(
    _ arguments: [String], in directory: String, stdin: [UInt8] = [], environment: [String: String] = [:]
  ) -> CommandResult {
    run(executable: binaryPath, arguments, in: directory, stdin: stdin, environment: environment)
  }

  /// Runs any executable the same way.
  public static func run(
    executable: String, _ arguments: [String], in directory: String, stdin: [UInt8] = [],
    environment: [String: String] = [:]
  ) -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SOFTADASTRA_") }
    env["COLUMNS"] = "80"
    env.merge(environment) { $1 }
    process.environment = env
    // Files rather than pipes: no thread juggling, no deadlock on large outputs.
    let scratch = TemporaryDirectory("softadastra-run")
    FileBytes.write(stdin, to: scratch.file("stdin"))
    FileBytes.write([], to: scratch.file("stdout"))
    FileBytes.write([], to: scratch.file("stderr"))
    process.standardInput = FileHandle(forReadingAtPath: scratch.file("stdin"))
    process.standardOutput = FileHandle(forWritingAtPath: scratch.file("stdout"))
    process.standardError = FileHandle(forWritingAtPath: scratch.file("stderr"))
    do { try process.run() } catch { fatalError("cannot run \(executable): \(error)") }
    process.waitUntilExit()
    return CommandResult(
      status: process.terminationStatus, stdout: FileBytes.read(scratch.file("stdout")),
      stderr: String(decoding: FileBytes.read(scratch.file("stderr")), as: UTF8.self))
  }
}
