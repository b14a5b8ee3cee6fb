import ArgumentParser
import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

/// `softadastra backup [create]`: write one self-contained archive.
struct BackupCreateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "create",
    abstract: "Write a backup archive of the node (the default).",
    discussion: """
      The archive holds a manifest, the newest snapshot (the state at its LSN) and every WAL \
      record after it, each part with its CRC-32C, so restore can stop at any LSN or time in \
      that range. It is written as FILE.part, synced, then renamed to FILE. It takes no lock: a \
      running writer is not blocked, and the archive captures an exact LSN. With --output -, \
      the archive goes to standard output (its checksums come last, so a cut stream is detected).
      """)

  @Option(
    name: .shortAndLong, help: ArgumentHelp("The archive to write, or - for standard output.", valueName: "file"),
    completion: .file())
  var output: String?
  @Option(
    help: ArgumentHelp(
      "Write the archive into this directory as <node-id>-<UTC time>-<lsn>.sdbackup.", valueName: "dir"),
    completion: .directory)
  var dir: String?
  @OptionGroup var compression: CompressionLevelOption
  @Flag(help: "Show progress on standard error (the default when it is a terminal).") var progress = false
  @OptionGroup var global: GlobalOptions

  func validate() throws {
    guard (output == nil) != (dir == nil) else {
      throw ValidationError("give exactly one of --output FILE (or -) and --dir DIR")
    }
  }

  func run() throws {
    if let output { try OutputTarget.refuseTerminal(output, what: "a binary archive") }
    let walPath = global.resolvedWAL
    let reporter = ProgressReporter.make("backup", requested: progress)
    defer { reporter?.finish() }
    // Standard output, a FIFO or a device: the archive is built in a scratch file, then copied.
    let stream = try output.flatMap { output throws(SoftadastraError) in
      output == "-" ? 1 : try OutputTarget.openIfSpecial(output)
    }
    if let stream {
      defer { if stream != 1 { close(stream) } }
      let scratch = try FileSystem.makeTemporaryDirectory(
        in: FileSystem.temporaryDirectory, prefix: ".softadastra-backup-")
      defer { FileSystem.removeFlatDirectory(scratch) }
      let file = try SystemFile.createExclusive(scratch + "/archive")
      _ = try BackupWriter.write(
        walPath: walPath, to: file, level: compression.level, toolVersion: softadastraVersion,
        progress: reporter?.handler)
      try copy(file, to: stream, what: output == "-" ? "standard output" : output!)
      return
    }
    let written =
      if let output {
        try BackupWriter.write(
          walPath: walPath, toPath: OutputTarget.path(output), level: compression.level,
          toolVersion: softadastraVersion,
          progress: reporter?.handler)
      } else {
        try BackupWriter.write(
          walPath: walPath, intoDirectory: dir!, level: compression.level, toolVersion: softadastraVersion,
          progress: reporter?.handler)
      }
    let (manifest, path, size) = (written.manifest, written.path, written.size)
    reporter?.finish()
    if global.json {
      Output.document([
        ("path", .string(path)), ("size_bytes", .number(size)),
        ("manifest", manifest.json),
      ])
    } else {
      Output.line("backup     : \(path)")
      Output.line("contents   : \(manifest.summary)")
      Output.line("size       : \(size) bytes")
    }
  }

  private func copy(_ file: SystemFile, to descriptor: Int32, what: String) throws {
    Output.flush()
    let size = try file.size()
    var offset: UInt64 = 0
    while offset < size {
      let chunk = try file.read(count: Int(min(1 << 20, size - offset)), at: offset)
      if let failure = Output.writeAll(descriptor, chunk) {
        throw SoftadastraError(.io, "cannot write the archive to \(what): \(String(cString: strerror(failure)))")
      }
      offset += UInt64(chunk.count)
    }
  }
}
