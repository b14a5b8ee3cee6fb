import ArgumentParser
import Softadastra

/// `softadastra store import [FILE|-]`: many puts as one atomic, durable batch.
struct StoreImportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Import key/value lines as one atomic batch.",
    discussion: """
      Reads key<TAB>value lines (or JSON Lines with --format jsonl, the objects store export \
      writes). The whole file is one batch with one sync: after a crash either all of it is \
      there or none. A malformed line rejects the whole import, naming its line, and writes nothing. \
      The input is streamed into the batch, in memory that does not grow with it. An input of 1 MiB \
      or more ends with a checkpoint (unless --checkpoint-bytes is 0), so that reads after it start \
      from a snapshot.
      """)

  /// An input of this many bytes or more ends with a checkpoint: a read in a new process replays
  /// the log after the newest snapshot, about 4 ms per MiB (the batch's records take at least
  /// the bytes of their lines).
  static let checkpointAfterBytes: UInt64 = 1 << 20

  @Argument(help: "The file to read; '-' or nothing reads standard input.", completion: .file()) var file: String = "-"
  @Option(help: "tsv (key<TAB>value) or jsonl.") var format: KeyValueLines.Format = .tsv
  @OptionGroup var global: GlobalOptions

  func run() throws {
    // Standard input is copied first: the writer lock is not held while it arrives.
    let copied = file == "-" ? try StandardInput.copyToTemporaryFile() : nil
    defer { copied.map(StandardInput.removeTemporaryFile) }
    let path = copied ?? file
    let createsNode = !FileSystem.exists(global.resolvedWAL)
    // A new node is made only for an input that is valid throughout: it is read once to check it
    // first. An existing node takes the batch as it is read; a bad line cuts it back off.
    if createsNode {
      var check = try lines(path)
      while try check.checkNext() {}
    }
    var input = try lines(path)
    let client = try global.openClient(forWriting: true, loadsStore: false)
    let lsns = try client.commitPuts { put throws(SoftadastraError) in try input.withNextPut(put) }
    if lsns != nil, global.resolvedCheckpointBytes > 0, input.bytesRead >= Self.checkpointAfterBytes {
      // The batch is committed: a checkpoint that fails only leaves its log to replay.
      do { try client.checkpoint() } catch {
        Output.diagnostic(
          "warning: the import was committed; the checkpoint after it failed: \(error.commandLineDescription)")
      }
    }
    try global.close(client)
    if global.json {
      let count: Int = lsns.map { $0.count } ?? 0
      Output.document([
        ("imported", .number(count)),
        ("first_lsn", lsns.map { .number($0.lowerBound) } ?? .null),
        ("last_lsn", lsns.map { .number($0.upperBound) } ?? .null),
      ])
    }
  }

  /// The file at `path` as lines of `format`, read as they are needed.
  private func lines(_ path: String) throws -> KeyValueLines.Reader {
    KeyValueLines.Reader(file: try SystemFile.openForReading(path), format: format)
  }
}
