import Foundation
import SoftadastraTestSupport
import Testing

/// A temporary working directory with helpers to run the built binary in it.
final class CLIWorkspace {
  let directory = TemporaryDirectory("softadastra-cli")
  var path: String { directory.path }

  @discardableResult
  func run(_ arguments: String..., stdin: [UInt8] = [], environment: [String: String] = [:]) -> CommandResult {
    CommandRunner.run(arguments, in: path, stdin: stdin, environment: environment)
  }

  @discardableResult
  func run(arguments: [String], stdin: [UInt8] = [], environment: [String: String] = [:]) -> CommandResult {
    CommandRunner.run(arguments, in: path, stdin: stdin, environment: environment)
  }

  func file(_ name: String) -> String { directory.file(name) }

  /// Starts `softadastra arguments…` in the workspace without waiting for it, its standard output
  /// (and error, when named) going to new files of the workspace; the caller terminates it.
  func start(_ arguments: String..., stdout: String, stderr: String? = nil) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandRunner.binaryPath)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: path)
    FileBytes.write([], to: file(stdout))
    process.standardOutput = FileHandle(forWritingAtPath: file(stdout))
    if let stderr {
      FileBytes.write([], to: file(stderr))
      process.standardError = FileHandle(forWritingAtPath: file(stderr))
    }
    try process.run()
    return process
  }

  /// The lines written so far to the workspace's file `name`.
  func lines(of name: String) -> [Substring] {
    String(decoding: FileBytes.read(file(name)), as: UTF8.self).split(separator: "\n")
  }

  /// Parses one JSON document from standard output.
  func json(_ result: CommandResult) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any])
  }

  /// Parses JSON Lines from standard output.
  func jsonLines(_ result: CommandResult) throws -> [[String: Any]] {
    try result.out.split(separator: "\n").map {
      try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
  }
}

/// Expects a successful run with nothing on standard error.
func expectSuccess(_ result: CommandResult, sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(result.status == 0, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
  #expect(result.stderr == "", sourceLocation: sourceLocation)
}

/// Expects a failure with `status`, nothing on standard output and one error line on standard error.
func expectFailure(
  _ result: CommandResult, _ status: Int32, mentioning fragment: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(result.status == status, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
  #expect(result.stdout.isEmpty, "stdout: \(result.out)", sourceLocation: sourceLocation)
  #expect(result.stderr.contains(fragment), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
}
