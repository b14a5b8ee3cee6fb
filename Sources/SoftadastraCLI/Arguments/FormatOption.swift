import ArgumentParser
import Softadastra

/// `--format native|cpp-v1`: the log format, recognised from the file's first bytes when absent.
struct FormatOption: ParsableArguments {
  @Option(
    help: ArgumentHelp("The log's format, native or cpp-v1 (default: recognised by its bytes).", valueName: "format"))
  var format: LogFormat?
}
