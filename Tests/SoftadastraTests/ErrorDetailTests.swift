import Foundation
import SoftadastraTestSupport
import Testing

@testable import Softadastra
@testable import SoftadastraWAL

/// Code decides on an error's detail, the failing area's data, never on its message: each area
/// attaches its own, and adding context to a message keeps it.
@Suite struct ErrorDetailTests {
  @Test func damageInTheMiddleOfALogCarriesItsCorruption() throws {
    let directory = TemporaryDirectory()
    let path = try WALBuilder.make(at: directory.file("node.wal"), operations: (0..<5).map { .put("k\($0)", "v") })
    let offsets = try WALBuilder.recordOffsets(path)
    FileBytes.flipBit(path, offset: Int(offsets[1]) + 20, bit: 3)
    let error = #expect(throws: SoftadastraError.self) { _ = try Replayer.replay(path: path, policy: .strict) }
    guard case .corrupt(let corruption)? = error?.detail(as: LogDamage.self) else {
      Issue.record("no LogDamage in \(String(describing: error))")
      return
    }
    #expect(corruption.offset == offsets[1] && corruption.expectedLSN == 2 && corruption.nextValidOffset == offsets[2])
    #expect(error?.offset == offsets[1] && error?.lsn == 2)
  }

  @Test func anAppShowsTheMessageAndTheRemedyInTheLibrarysWords() throws {
    let client = Client(ClientOptions.persistent(nodeID: "node-a", walPath: "/nonexistent-directory/node-a.wal"))
    do {
      try client.open()
      Issue.record("a WAL in a missing directory was opened")
    } catch {
      #expect(error.remedy == .createDirectory("/nonexistent-directory"))
      let shown = (error as any Error).localizedDescription
      #expect(
        shown
          == "cannot open WAL /nonexistent-directory/node-a.wal: directory /nonexistent-directory does not exist; create /nonexistent-directory first (a client creates it when its options say createsDirectory)"
      )
      #expect("\(error)" == shown)
    }
  }

  /// The library speaks to code, not to a shell: no message or remedy of the library names a
  /// flag of the command-line tool or tells to run a shell command. (The tool words remedies its
  /// own way: `Remedy.commandLineWording`.)
  @Test func noLibraryMessageNamesACommandLineFlag() throws {
    let sources = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "../../Sources")
    var offending: [String] = []
    for module in ["Softadastra", "SoftadastraWAL"] {
      let directory = sources.appending(path: module)
      let files = try #require(FileManager.default.enumerator(atPath: directory.path)).compactMap { $0 as? String }
      for file in files where file.hasSuffix(".swift") {
        let text = try String(contentsOf: directory.appending(path: file), encoding: .utf8)
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
          let code = line.trimmingCharacters(in: .whitespaces)
          guard !code.hasPrefix("//"), code.contains("\"") else { continue }
          if code.firstMatch(of: /\s--[a-z]|mkdir -p/) != nil { offending.append("\(module)/\(file):\(number + 1)") }
        }
      }
    }
    #expect(offending.isEmpty, "library messages that speak to a shell: \(offending)")
  }

  @Test func aTornTailRefusedByStrictRecoveryCarriesItsPlace() throws {
    let directory = TemporaryDirectory()
    let path = try WALBuilder.make(at: directory.file("node.wal"), operations: [.put("a", "1"), .put("b", "2")])
    let offsets = try WALBuilder.recordOffsets(path)
    FileBytes.truncate(path, to: Int(offsets[2]) - 3)
    let error = #expect(throws: SoftadastraError.self) { _ = try Replayer.replay(path: path, policy: .strict) }
    guard case .tornTail(let torn)? = error?.detail(as: LogDamage.self) else {
      Issue.record("no torn tail in \(String(describing: error))")
      return
    }
    #expect(torn.offset == offsets[1] && torn.lastGoodLSN == 1)
  }

  @Test func aDamagedSnapshotIsNamedByItsDetailAndAnUnreadableOneKeepsItsErrno() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node.snapshot")
    try SnapshotFileTests.writeVector(to: path)
    FileBytes.flipBit(path, offset: 60, bit: 0)
    let damaged = #expect(throws: SoftadastraError.self) { _ = try SnapshotReader(path: path) }
    #expect(damaged?.failedSnapshot?.path == path && damaged?.kind == .corrupt)
    let missing = #expect(throws: SoftadastraError.self) {
      _ = try SnapshotReader(path: directory.file("gone.snapshot"))
    }
    #expect(missing?.failedSnapshot?.path == directory.file("gone.snapshot"))
    #expect((missing?.failedSnapshot?.cause as? SystemCallFailure)?.errno == ENOENT)
  }

  @Test func aHeldLockAndAFailedCallSayWhichAndWhy() throws {
    let directory = TemporaryDirectory()
    let wal = directory.file("node.wal")
    let holder = try WriterLock.acquire(walPath: wal, timeout: 0)
    defer { holder.release() }
    let timeout = #expect(throws: SoftadastraError.self) { _ = try WriterLock.acquire(walPath: wal, timeout: 0) }
    #expect(timeout?.kind == .lockTimeout && timeout?.detail(as: LockHeld.self)?.lockPath == wal + ".lock")
    let denied = #expect(throws: SoftadastraError.self) { _ = try SystemFile.openForReading(directory.file("none")) }
    #expect(denied?.kind == .notFound && denied?.detail(as: SystemCallFailure.self)?.errno == ENOENT)
  }

  @Test func contextBeforeAMessageKeepsEverythingElse() {
    let corruption = Corruption(
      offset: 64, expectedLSN: 3, problem: .invalidType, nextValidOffset: nil, nextValidLSN: nil)
    let error = SoftadastraError.damaged(path: "node.wal", corruption)
    let framed = error.inContext("sync serve (node a)")
    #expect(framed.message == "sync serve (node a): " + error.message)
    #expect(framed.kind == error.kind && framed.path == error.path && framed.offset == 64 && framed.lsn == 3)
    #expect(framed.detail(as: LogDamage.self) == .corrupt(corruption))
  }
}
