import ArgumentParser
import Softadastra

/// `softadastra backup verify FILE|-`: every check a restore does, without restoring.
struct BackupVerifyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify",
    abstract: "Check a backup archive as restore would, without restoring.",
    discussion: """
      Checks the manifest and its checksum, every part's CRC-32C, then decompresses the parts in \
      a scratch directory under $TMPDIR and checks the snapshot block by block, the WAL record by \
      record, LSN continuity and the key count. Reports every problem; exits 65 on any.
      """)

  @Argument(help: ArgumentHelp("The archive, or - for standard input.", valueName: "file"), completion: .file())
  var file: String
  @Flag(help: "Check only the manifest and the parts' checksums.") var quick = false
  @Flag(help: "Show progress on standard error (the default when it is a terminal).") var progress = false
  @OptionGroup var global: GlobalOptions

  func run() throws {
    let input = try ArchiveInput(file)
    defer { input.close() }
    let reporter = ProgressReporter.make("verify", requested: progress)
    let report = try BackupArchive.verify(path: input.path, name: input.name, quick: quick, progress: reporter?.handler)
    reporter?.finish()
    if global.json {
      Output.document([
        ("path", .string(file)), ("ok", .bool(report.isSound)),
        ("quick", .bool(quick)), ("manifest", report.manifest.map(\.json) ?? .null),
        ("problems", .array(report.problems.map(\.problemJSON))),
      ])
    } else {
      if let manifest = report.manifest { Output.line("contents   : \(manifest.summary)") }
      for problem in report.problems {
        Output.line("problem    : \(problem.message)")
      }
      Output.line(
        "result     : \(report.isSound ? "ok" : "DAMAGED") (\(quick ? "quick check: manifest and checksums" : "full check"))"
      )
    }
    if !report.isSound { throw ExitStatus.dataError.exitCode }
  }
}
