import Foundation
import SoftadastraTestSupport
import Testing

/// Man pages, completions and the install script stay in step with the binary.
@Suite struct DocumentationTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

  static func tool(_ name: String) -> String? {
    ["/usr/bin/\(name)", "/usr/sbin/\(name)", "/bin/\(name)"].first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Every (command path, option names) the binary's help shows.
  static func commands() throws -> [(path: [String], options: [String])] {
    let dump = CommandRunner.run(["--experimental-dump-help"], in: root)
    let json = try #require(JSONSerialization.jsonObject(with: Data(dump.stdout)) as? [String: Any])
    var found: [(path: [String], options: [String])] = []
    func visit(_ command: [String: Any], _ path: [String]) {
      let name = command["commandName"] as? String ?? ""
      let here = path + [name]
      let options = (command["arguments"] as? [[String: Any]] ?? []).compactMap { argument -> String? in
        guard let names = argument["names"] as? [[String: Any]],
          let long = names.first(where: { $0["kind"] as? String == "long" })?["name"] as? String
        else { return nil }
        return long
      }
      found.append((here, options))
      for sub in command["subcommands"] as? [[String: Any]] ?? [] { visit(sub, here) }
    }
    visit(try #require(json["command"] as? [String: Any]), [])
    return found
  }

  /// The page that documents a command: softadastra-<first subcommand>.1, or softadastra.1.
  static func page(for path: [String]) -> String {
    let name = path.count > 1 ? "softadastra-\(path[1]).1" : "softadastra.1"
    return String(decoding: FileBytes.read(root + "/man/" + name), as: UTF8.self)
  }

  @Test func everySubcommandAndOptionInTheHelpIsInItsManPage() throws {
    let commands = try Self.commands()
    #expect(commands.count >= 10)
    for (path, options) in commands where path.last != "help" {
      let page = Self.page(for: path)
      #expect(!page.isEmpty, "no man page for \(path.joined(separator: " "))")
      for option in options where option != "help" && option != "version" {
        #expect(page.contains("Fl -\(option)"), "man page for \(path.joined(separator: " ")) lacks --\(option)")
      }
      if path.count > 1 { #expect(Self.page(for: ["softadastra"]).contains(path[1]), "softadastra.1 lacks \(path[1])") }
    }
  }

  /// The text of `section` in a page.
  static func section(_ name: String, of page: String) -> String {
    guard let start = page.range(of: ".Sh \(name)\n") else { return "" }
    let rest = page[start.upperBound...]
    return String(rest[..<(rest.range(of: "\n.Sh ")?.lowerBound ?? rest.endIndex)])
  }

  @Test func theSynopsisAndEveryEnvironmentSectionFollowTheBinary() throws {
    let top = Set(try Self.commands().filter { $0.path.count == 2 }.map { $0.path[1] })
    let synopsis = Self.section("SYNOPSIS", of: Self.page(for: ["softadastra"]))
    for command in top { #expect(synopsis.contains(".Cm \(command)\n"), "softadastra(1)'s SYNOPSIS lacks \(command)") }
    // Every variable the global options read (their help says "env NAME") is in every page.
    let help = CommandRunner.run(["status", "--help"], in: Self.root).out
    let variables = Set(
      help.split(whereSeparator: { !$0.isLetter && $0 != "_" }).filter { $0.hasPrefix("SOFTADASTRA_") })
    #expect(variables.count == 4, "\(variables)")
    for page in try FileManager.default.contentsOfDirectory(atPath: Self.root + "/man") where page.hasSuffix(".1") {
      let environment = Self.section(
        "ENVIRONMENT", of: String(decoding: FileBytes.read(Self.root + "/man/" + page), as: UTF8.self))
      let named = environment.split(separator: "\n").filter { $0.contains("Ev ") }
      for variable in variables {
        #expect(named.contains { $0.contains(variable) }, "\(page)'s ENVIRONMENT lacks \(variable)")
      }
    }
  }

  @Test func everyManPageHasTheRequiredSectionsAndLintsClean() throws {
    let pages = try FileManager.default.contentsOfDirectory(atPath: Self.root + "/man").filter { $0.hasSuffix(".1") }
    #expect(pages.count == 12)
    for page in pages {
      let text = String(decoding: FileBytes.read(Self.root + "/man/" + page), as: UTF8.self)
      for section in [
        "NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO",
      ] {
        #expect(text.contains(".Sh \(section)\n"), "\(page) lacks \(section)")
      }
      for status in ["0", "1", "64", "65", "66", "73", "74", "75", "77", "78"] {
        #expect(
          text.contains(".It \(status)\n") || text.contains(".It \(status) "), "\(page) lacks exit status \(status)")
      }
    }
    let mandoc = try #require(Self.tool("mandoc"), "mandoc is not installed (apt-get install mandoc)")
    let lint = CommandRunner.run(
      executable: mandoc, ["-T", "lint", "-W", "warning"] + pages.map { "man/" + $0 } + ["man/softadastra-wal.5"],
      in: Self.root)
    #expect(lint.status == 0 && lint.out.isEmpty && lint.stderr.isEmpty, "\(lint.out)\(lint.stderr)")
  }

  @Test func theCommittedCompletionsAreWhatTheBinaryGeneratesAndLoad() throws {
    let check = CommandRunner.run(
      executable: Self.root + "/scripts/update-completions.sh", ["--check", CommandRunner.binaryPath], in: Self.root)
    #expect(check.status == 0, "completions drifted; run scripts/update-completions.sh:\n\(check.out)\(check.stderr)")
    for (shell, file) in [("bash", "softadastra.bash"), ("zsh", "_softadastra"), ("fish", "softadastra.fish")] {
      guard let path = Self.tool(shell) else {
        #expect(shell != "bash", "bash is missing")
        continue
      }
      let syntax = CommandRunner.run(executable: path, ["-n", "completions/\(file)"], in: Self.root)
      #expect(syntax.status == 0, "\(shell) -n \(file): \(syntax.stderr)")
    }
  }

  @Test func completionsOfferFilesAndDirectoriesWhereTheCommandsTakeThem() throws {
    // bash, run for real: restore's archive completes to files, --data-dir to directories only.
    let workspace = CLIWorkspace()
    FileBytes.write([1], to: workspace.file("archive.sdbackup"))
    try FileManager.default.createDirectory(atPath: workspace.file("adir"), withIntermediateDirectories: false)
    func bashCompletes(_ words: [String]) -> [String] {
      let line = words.joined(separator: " ") + " "
      let script = """
        source '\(Self.root)/completions/softadastra.bash'
        COMP_WORDS=(\(words.joined(separator: " ")) ""); COMP_CWORD=\(words.count); COMP_LINE='\(line)'; COMP_POINT=${#COMP_LINE}
        _softadastra softadastra "" '\(words.last!)'; printf '%s\\n' "${COMPREPLY[@]}"
        """
      return CommandRunner.run(executable: "/bin/bash", ["-c", script], in: workspace.path).out.split(separator: "\n")
        .map(String.init).sorted()
    }
    #expect(bashCompletes(["softadastra", "restore"]) == ["adir", "archive.sdbackup"])
    #expect(bashCompletes(["softadastra", "status", "--data-dir"]) == ["adir"])
    #expect(bashCompletes(["softadastra", "backup", "create", "--dir"]) == ["adir"])
    #expect(bashCompletes(["softadastra", "store", "import"]).contains("archive.sdbackup"))
    // zsh and fish, by what their scripts declare.
    let zsh = String(decoding: FileBytes.read(Self.root + "/completions/_softadastra"), as: UTF8.self)
    #expect(zsh.contains("':file:_files'") && zsh.contains(":dir:_files -/"))
    let fish = String(decoding: FileBytes.read(Self.root + "/completions/softadastra.fish"), as: UTF8.self)
    #expect(fish.contains("\"softadastra restore\" -eq 1' -F"))
    #expect(fish.contains("default: data).' -rfa '(__softadastra_complete_directories)'"))
  }

  @Test func theInstallScriptInstallsAFindableManPageAndAWorkingBinaryAndUninstallsThem() throws {
    let prefix = TemporaryDirectory("softadastra-prefix")
    let install = CommandRunner.run(
      executable: Self.root + "/scripts/install.sh", ["--prefix", prefix.path, "--binary", CommandRunner.binaryPath],
      in: Self.root)
    #expect(install.status == 0, "\(install.stderr)")
    let version = CommandRunner.run(executable: prefix.file("bin/softadastra"), ["--version"], in: prefix.path)
    #expect(version.status == 0 && !version.out.isEmpty)
    for page in ["man1/softadastra.1", "man1/softadastra-wal-verify.1", "man5/softadastra-wal.5"] {
      #expect(FileManager.default.fileExists(atPath: prefix.file("share/man/\(page)")), "\(page) not installed")
    }
    if let man = Self.tool("man") {
      let lookup = CommandRunner.run(
        executable: man, ["-w", "softadastra-wal-verify"], in: prefix.path,
        environment: ["MANPATH": prefix.file("share/man")])
      #expect(
        lookup.status == 0 && lookup.out.contains(prefix.file("share/man/man1/softadastra-wal-verify.1")),
        "\(lookup.stderr)")
      let rendered = CommandRunner.run(
        executable: man, ["-l", prefix.file("share/man/man1/softadastra.1")], in: prefix.path,
        environment: ["MANPAGER": "cat", "PAGER": "cat"])
      #expect(rendered.status == 0 && rendered.out.contains("EXIT STATUS"))
    }
    #expect(FileManager.default.fileExists(atPath: prefix.file("share/bash-completion/completions/softadastra")))
    let uninstall = CommandRunner.run(
      executable: Self.root + "/scripts/install.sh", ["--uninstall", "--prefix", prefix.path], in: Self.root)
    #expect(uninstall.status == 0)
    #expect(!FileManager.default.fileExists(atPath: prefix.file("bin/softadastra")))
    #expect(!FileManager.default.fileExists(atPath: prefix.file("share/man/man1/softadastra.1")))
  }
}
