import Foundation
import SoftadastraTestSupport
import Testing

/// Unlucky and hostile environments: each gets its documented exit status and a clear message,
/// and no acknowledged data is lost. Permission cases drop to `nobody` (root bypasses them).
@Suite struct HostileEnvironmentTests {
  /// Runs the binary as `nobody` through setpriv.
  static func asNobody(_ workspace: CLIWorkspace, _ arguments: [String]) -> CommandResult {
    CommandRunner.run(
      executable: "/usr/bin/setpriv",
      ["--reuid=nobody", "--regid=nogroup", "--clear-groups", CommandRunner.binaryPath] + arguments, in: workspace.path)
  }

  @Test func aReadOnlyDataDirectoryExits77AndChangesNothing() throws {
    let workspace = CLIWorkspace()
    expectSuccess(workspace.run("store", "put", "a", "1"))
    expectSuccess(workspace.run("snapshot"))
    // Readable by everyone, writable by root only.
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: workspace.path)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: workspace.file("data"))
    for name in try FileManager.default.contentsOfDirectory(atPath: workspace.file("data")) {
      try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: workspace.file("data/" + name))
    }
    let before = try FileManager.default.contentsOfDirectory(atPath: workspace.file("data")).sorted()
    let wal = FileBytes.read(workspace.file("data/softadastra.wal"))
    #expect(Self.asNobody(workspace, ["store", "get", "a"]).out == "1\n")
    for arguments in [["store", "put", "b", "2"], ["snapshot"], ["restore", "-", "--force"]] {
      let result = Self.asNobody(workspace, arguments)
      #expect(result.status == 77 || result.status == 65, "\(arguments): \(result.status) \(result.stderr)")
      #expect(result.stderr.contains("softadastra: error:"), "\(arguments): \(result.stderr)")
    }
    expectFailure(Self.asNobody(workspace, ["store", "put", "b", "2"]), 77, mentioning: "Permission denied")
    expectFailure(
      Self.asNobody(workspace, ["backup", "--output", "data/b.sdbackup"]), 77, mentioning: "Permission denied")
    #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.file("data")).sorted() == before)
    #expect(FileBytes.read(workspace.file("data/softadastra.wal")) == wal)
  }

  @Test func aSymlinkedWALIsFollowedAndTheLinkSurvivesACheckpoint() throws {
    let workspace = CLIWorkspace()
    try FileManager.default.createDirectory(atPath: workspace.file("disk"), withIntermediateDirectories: false)
    expectSuccess(workspace.run("store", "put", "a", "1", "--wal", "disk/node.wal"))
    try FileManager.default.createSymbolicLink(atPath: workspace.file("node.wal"), withDestinationPath: "disk/node.wal")
    expectSuccess(workspace.run("store", "put", "b", "2", "--wal", "node.wal"))
    expectSuccess(workspace.run("snapshot", "--wal", "node.wal"))
    expectSuccess(workspace.run("store", "put", "c", "3", "--wal", "node.wal"))
    #expect(workspace.run("store", "list", "--wal", "node.wal").out == "a\nb\nc\n")
    #expect(workspace.run("store", "list", "--wal", "disk/node.wal").out == "a\nb\nc\n")
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: workspace.file("node.wal")) == "disk/node.wal")
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: workspace.file("disk")).contains { $0.hasSuffix(".snapshot") }
    )
  }

  @Test func aFullDiskFailsTheWriteWith74AndLosesNothingAcknowledged() throws {
    let workspace = CLIWorkspace()
    let disk = workspace.file("small")
    try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: false)
    let mount = CommandRunner.run(
      executable: "/usr/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", disk], in: workspace.path)
    try #require(
      mount.status == 0, "cannot mount a small tmpfs to fill (needs root with CAP_SYS_ADMIN): \(mount.stderr)")
    defer { _ = CommandRunner.run(executable: "/usr/bin/umount", [disk], in: workspace.path) }
    let value = String(repeating: "v", count: 2000)
    var acknowledged: [String] = []
    var failure: CommandResult?
    for index in 0..<100 {
      let result = workspace.run(
        "store", "put", "k\(index)", value, "--data-dir", "small/data", "--checkpoint-bytes", "0")
      if result.status != 0 {
        failure = result
        break
      }
      acknowledged.append("k\(index)")
    }
    let full = try #require(failure, "64 KiB should not hold 100 values of 2 KB")
    #expect(full.status == 74 && full.stderr.contains("No space left on device"), "\(full.stderr)")
    #expect(!acknowledged.isEmpty)
    let listed = workspace.run("store", "list", "--data-dir", "small/data")
    #expect(listed.status == 0, "\(listed.stderr)")
    #expect(listed.out.split(separator: "\n").map(String.init).sorted() == acknowledged.sorted())
    // Room again: the next writer continues where the last acknowledged write ended.
    let verify = try workspace.json(workspace.run("wal-verify", "--json", "--data-dir", "small/data"))
    #expect(["clean", "torn-tail"].contains(verify["status"] as? String))
    try FileManager.default.removeItem(atPath: workspace.file("small/data/softadastra.wal.lock"))
    expectSuccess(workspace.run("store", "delete", acknowledged[0], "--data-dir", "small/data"))
    #expect(
      workspace.run("store", "list", "--data-dir", "small/data").out.split(separator: "\n").count == acknowledged.count
        - 1)
  }

  @Test func aSnapshotOfANewerFormatIsNamedAsSuch() throws {
    let workspace = CLIWorkspace()
    expectSuccess(workspace.run("store", "put", "a", "1"))
    expectSuccess(workspace.run("snapshot"))
    let snapshot = try #require(
      FileManager.default.contentsOfDirectory(atPath: workspace.file("data")).first { $0.hasSuffix(".snapshot") })
    var bytes = FileBytes.read(workspace.file("data/" + snapshot))
    bytes[8] = 9
    FileBytes.write(bytes, to: workspace.file("newer.snapshot"))
    #expect(workspace.run("snapshot", "verify", "newer.snapshot").out.contains("upgrade softadastra"))
  }
}
