import Foundation
import SoftadastraTestSupport
import Testing

/// Keys, values and prefixes typed as arguments keep their exact bytes (argv is bytes on
/// Linux), and `store list` prints every key so that none can pass for another.
@Suite struct ArgumentBytesTests {
  /// Runs a bash command line, where `$'…'` gives arguments any bytes; `softadastra` names the binary.
  @discardableResult
  func bash(_ script: String, in workspace: CLIWorkspace) -> CommandResult {
    CommandRunner.run(
      executable: "/bin/bash", ["-c", "softadastra() { \"$SOFTADASTRA\" \"$@\"; }; " + script], in: workspace.path,
      environment: ["SOFTADASTRA": CommandRunner.binaryPath])
  }

  @Test func keysThatAreNotUTF8StayDistinct() {
    let workspace = CLIWorkspace()
    expectSuccess(bash("softadastra store put $'\\xff' A && softadastra store put $'\\xfe' B", in: workspace))
    #expect(bash("softadastra store get $'\\xff'", in: workspace).out == "A\n")
    #expect(bash("softadastra store get $'\\xfe'", in: workspace).out == "B\n")
    // Deleting one deletes that one only.
    expectSuccess(bash("softadastra store delete $'\\xfe'", in: workspace))
    #expect(bash("softadastra store get $'\\xfe'", in: workspace).status == 1)
    #expect(bash("softadastra store get $'\\xff'", in: workspace).out == "A\n")
  }

  @Test func valuesKeepTheirBytes() {
    let workspace = CLIWorkspace()
    expectSuccess(
      bash("softadastra store put k $'v\\x80' && softadastra store put $'\\xef\\x9e\\x80' private-use", in: workspace))
    #expect(bash("softadastra store get k", in: workspace).stdout == Array("v".utf8) + [0x80, 0x0A])
    #expect(bash("softadastra store get $'\\xef\\x9e\\x80'", in: workspace).out == "private-use\n")
    // The private-use character is a key of its own, not the byte it stands for internally.
    #expect(bash("softadastra store get $'\\x80'", in: workspace).status == 1)
    let export = workspace.run("store", "export", "--prefix", "k")
    #expect(export.out == "{\"key\":\"k\",\"value\":\"doA=\",\"encoding\":\"base64\"}\n")
  }

  @Test func prefixesKeepTheirBytes() {
    let workspace = CLIWorkspace()
    expectSuccess(bash("softadastra store put $'\\xff1' a && softadastra store put $'\\xfe1' b", in: workspace))
    let listed = bash("softadastra store list --null --prefix $'\\xff'", in: workspace)
    #expect(listed.stdout == [0xFF, 0x31, 0])
  }

  @Test func storeListQuotesKeysThatCouldPassForOthers() throws {
    let workspace = CLIWorkspace()
    expectSuccess(
      bash(
        "softadastra store put $'a\\nb' 1 && softadastra store put $'t\\tab' 2 && softadastra store put plain 3 && softadastra store put \"\\$'x'\" 4 && softadastra store put $'\\xff' 5 && softadastra store put é 6",
        in: workspace))
    let listed = workspace.run("store", "list")
    expectSuccess(listed)
    #expect(listed.out == "$'$\\'x\\''\n$'a\\nb'\nplain\n$'t\\tab'\né\n$'\\xff'\n")
    // Each quoted line, read back by the shell, is the key.
    let roundTrip = bash(
      "softadastra store list | while IFS= read -r line; do eval \"softadastra store get $line\"; done", in: workspace)
    #expect(roundTrip.out == "4\n1\n3\n2\n6\n5\n")
    let nul = workspace.run("store", "list", "-0")
    #expect(nul.stdout.split(separator: 0, omittingEmptySubsequences: false).count == 7)
    let json = try workspace.jsonLines(workspace.run("store", "list", "--json"))
    #expect(json.last?["key"] as? String == "/w==" && json.last?["key_encoding"] as? String == "base64")
    expectFailure(workspace.run("store", "list", "-0", "--json"), 64, mentioning: "cannot be combined")
  }
}
