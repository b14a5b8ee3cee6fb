import Softadastra

/// An archive named on the command line, or standard input for "-" (copied to a scratch file).
struct ArchiveInput {
  let path: String
  private let isScratch: Bool

  init(_ argument: String) throws {
    if argument == "-" {
      path = try StandardInput.copyToTemporaryFile()
      isScratch = true
    } else {
      guard FileSystem.exists(argument) else {
        throw SoftadastraError(.notFound, "no backup at \(argument)", path: argument)
      }
      path = argument
      isScratch = false
    }
  }

  func close() { if isScratch { StandardInput.removeTemporaryFile(path) } }
}
