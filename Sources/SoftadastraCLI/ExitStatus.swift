import ArgumentParser
import Softadastra

/// The exit status of every command, as documented in the README and the man pages
/// (the values follow sysexits.h).
enum ExitStatus: Int32, CaseIterable {
  case ok = 0
  case notFound = 1
  case usage = 64
  case dataError = 65
  case noInput = 66
  case cannotCreate = 73
  case ioError = 74
  case tryAgain = 75
  case noPermission = 77
  case configuration = 78

  init(_ kind: SoftadastraError.Kind) {
    self =
      switch kind {
      case .invalidArgument: .usage
      case .malformedInput, .corrupt: .dataError
      case .notFound: .noInput
      case .cannotCreate: .cannotCreate
      case .io, .notOpen: .ioError
      case .lockTimeout: .tryAgain
      case .permissionDenied: .noPermission
      case .configuration: .configuration
      }
  }

  var exitCode: ExitCode { ExitCode(rawValue) }
}
