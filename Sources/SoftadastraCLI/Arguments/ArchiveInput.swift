import Softadastra

/// An archive named on the command line, or standard input for "-" (copied to a scratch file).
struct ArchiveInput {
  let path: String
  /// How messages name it: the argument, or "standard input".
  let name: String
  private let isScratch: Bool

  init(_ argument: String) throws {
    if argument == "-" {
      path = try StandardInput.copyToTemporaryFile()
      name = "standard input"
      isScratch = true
    } else {
      guard FileSystem.exists(argument) else {
        throw SoftadastraError(.notFound, "no backup at \(argument)", path: argument)
      }
      path = argument
      name = argument
      isScratch = false
    }
  }

  func close() { if isScratch { StandardInput.removeTemporaryFile(path) } }
}
