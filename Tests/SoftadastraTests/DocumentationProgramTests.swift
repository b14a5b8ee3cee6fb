import Foundation
import Softadastra
import SoftadastraTestSupport
import Testing

/// The documentation's articles: their programs run and do what the articles say, and every
/// Swift block of every article is in DocumentationPrograms.swift (which the tests compile).
@Suite struct DocumentationProgramTests {
  static let catalog = URL(filePath: #filePath).deletingLastPathComponent()
    .appending(path: "../../Sources/Softadastra/Softadastra.docc")

  @Test func everySwiftBlockOfEveryArticleIsCompiledHere() throws {
    let programs = try String(
      contentsOf: URL(filePath: #filePath).deletingLastPathComponent().appending(path: "DocumentationPrograms.swift"),
      encoding: .utf8)
    let articles = try FileManager.default.contentsOfDirectory(atPath: Self.catalog.path).filter { $0.hasSuffix(".md") }
    var blocks = 0
    for article in articles {
      let text = try String(contentsOf: Self.catalog.appending(path: article), encoding: .utf8)
      for match in text.matches(of: /```swift\n((?s).*?)```/) {
        blocks += 1
        #expect(programs.contains(String(match.1)), "a Swift block of \(article) is not in DocumentationPrograms.swift")
      }
    }
    #expect(blocks >= 4)
  }

  @Test func theProgramsDoWhatTheArticlesSay() async throws {
    let directory = TemporaryDirectory()
    #expect(try persistentWrite(in: directory.path) == "dark")
    #expect(try writeThenRecover(in: directory.path) == "Softadastra")

    let settings = try Settings(directory: directory.path)
    try await settings.setTheme("light")
    #expect(try await settings.theme() == "light")
    // The app, then another process, change the theme: the watcher sees the values in commit
    // order (from whichever it found when it started), ending with the other process's.
    let watcher = Task { try await watchTheme(of: settings.node, until: "dark") }
    try await settings.setTheme("blue")
    let cli = CommandRunner.run(
      ["store", "put", "settings/theme", "dark", "--wal", directory.file("app.wal"), "--node-id", "app"],
      in: directory.path)
    #expect(cli.status == 0, "\(cli.stderr)")
    let seen = try await watcher.value
    let committed: [String?] = ["light", "blue", "dark"]
    #expect(seen.last == "dark" && committed.ends(with: seen), "\(seen)")
    try settings.node.close()
  }
}

extension Array where Element: Equatable {
  func ends(with suffix: [Element]) -> Bool {
    count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
  }
}
