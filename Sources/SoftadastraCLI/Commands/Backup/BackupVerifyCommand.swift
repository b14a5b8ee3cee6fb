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

      Given a directory of continuous archiving (softadastra archive --dir), or --restore-command \
      with --list-command, it checks every base and segment there the same way, and how they \
      link: a missing segment, an overlap, a duplicate, a segment whose base is gone. It prints \
      the recovery window of each chain: the LSNs and times a restore can reach.
      """)

  @OptionGroup var source: ArchiveSourceOptions
  @Flag(help: "Check only the manifest and the parts' checksums.") var quick = false
  @Flag(help: "Show progress on standard error (the default when it is a terminal).") var progress = false
  @OptionGroup var global: GlobalOptions

  func run() throws {
    if let location = source.chainLocation { return try survey(location) }
    let file = source.file!
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

  private func survey(_ location: any ArchiveLocation) throws {
    let survey = try ArchiveSurvey.run(location: location, nodeID: source.fromNode, quick: quick)
    if global.json {
      Output.document([
        ("location", .string(survey.location)), ("ok", .bool(survey.isSound)), ("quick", .bool(quick)),
        ("files", .number(UInt64(survey.files))),
        ("chains", .array(survey.chains.map(\.json))),
        ("problems", .array(survey.problems.map(\.problemJSON))),
      ])
    } else {
      for chain in survey.chains {
        Output.line("chain      : \(chain.baseName) and \(counted(chain.segmentNames.count, "segment"))")
        Output.line("  window   : \(chain.windowText)")
      }
      if survey.files == 0 { Output.line("chains     : none (no base or segment in \(survey.location))") }
      for problem in survey.problems { Output.line("problem    : \(problem.message)") }
      Output.line(
        "result     : \(survey.isSound ? "ok" : "DAMAGED") (\(counted(survey.files, "file")), \(quick ? "quick check: manifests and checksums" : "full check"))"
      )
    }
    if !survey.isSound { throw ExitStatus.dataError.exitCode }
  }
}
