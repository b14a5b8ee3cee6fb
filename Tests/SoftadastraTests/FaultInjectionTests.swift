import Foundation
import SoftadastraTestSupport
import Testing

@testable import Softadastra

/// Failures injected through the I/O seam: a sync that fails poisons the writer, a full disk
/// loses nothing acknowledged, and `autoFlush` off syncs nothing until `flush()` or `close()`.
@Suite(.serialized) struct FaultInjectionTests {
  /// Fails the operations `shouldFail` picks with `code`, and counts syncs of files under `root`.
  final class Injector: IOObserver, @unchecked Sendable {
    let root: String
    let code: Int32
    var shouldFail: (IOOperation) -> Bool
    private(set) var syncs = 0
    private var handles: Set<ObjectIdentifier> = []

    init(root: String, code: Int32, shouldFail: @escaping (IOOperation) -> Bool) {
      self.root = root
      self.code = code
      self.shouldFail = shouldFail
    }

    func observe(_ event: IOEvent) {
      switch event {
      case .opened(let handle, let path, _):
        if path.hasPrefix(root) { handles.insert(handle) } else { handles.remove(handle) }
      case .synced(let handle): if handles.contains(handle) { syncs += 1 }
      default: break
      }
    }

    func failure(for operation: IOOperation) -> Int32? {
      operation.path.hasPrefix(root) && shouldFail(operation) ? code : nil
    }
  }

  @Test func aFailedSyncPoisonsTheWriterAndTheUnsyncedWriteIsNotKept() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let injector = Injector(root: directory.path, code: EIO) { _ in false }
    try IOObservation.with(injector) {
      let client = Client(.persistent(nodeID: "node-a", walPath: path))
      try client.open()
      try client.put("a", "1")
      injector.shouldFail = { if case .sync = $0 { true } else { false } }
      #expect {
        try client.put("b", "2")
      } throws: { error in
        let error = error as! SoftadastraError
        return error.kind == .io && error.message.contains("Input/output error")
      }
      injector.shouldFail = { _ in false }
      // The disk is fine again, but what reached it is unknown: the writer refuses to go on.
      #expect {
        try client.put("c", "3")
      } throws: { ($0 as! SoftadastraError).message.contains("reopen it to continue") }
      try? client.close()
    }
    #expect(try Client.readOnlyTextEntries(walPath: path) == ["a": "1"])
    let again = Client(.persistent(nodeID: "node-a", walPath: path))
    try again.open()
    try again.put("c", "3")
    try again.close()
    #expect(try Client.readOnlyTextEntries(walPath: path) == ["a": "1", "c": "3"])
  }

  /// Another process committed, then died mid-append; this client's catch-up reads the commit and
  /// fails to cut the torn tail (a full disk): its reads fail, then, once the disk is fine,
  /// return the commit. They never return the state without it.
  @Test func aCatchUpThatFailsMidwayLeavesNoCommitUnread() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let injector = Injector(root: directory.path, code: ENOSPC) { _ in false }
    try IOObservation.with(injector) {
      let client = Client(.persistent(nodeID: "node-a", walPath: path))
      try client.open()
      try client.put("a", "1")
      let other = Client(.persistent(nodeID: "node-a", walPath: path))
      try other.open()
      try other.put("b", "2")
      try other.close()
      let torn = try #require(FileHandle(forWritingAtPath: path))
      try torn.seekToEnd()
      try torn.write(contentsOf: Data([0x40, 0, 0, 0, 1, 2, 3]))
      try torn.close()
      injector.shouldFail = { if case .truncate = $0 { true } else { false } }
      #expect(throws: SoftadastraError.self) { try client.get("b") }
      #expect(throws: SoftadastraError.self) { try client.get("b") }
      injector.shouldFail = { _ in false }
      #expect(try client.get("b")?.string == "2")
      try client.put("c", "3")
      #expect(try client.get("b")?.string == "2" && client.get("a")?.string == "1")
      try client.close()
    }
    #expect(try Client.readOnlyTextEntries(walPath: path) == ["a": "1", "b": "2", "c": "3"])
  }

  /// A seal whose new live log is renamed into place but whose directory sync fails: the seal
  /// fails, and the writer's next appends (under the same hold of the lock, as a sync import's)
  /// go to the new log, never to the sealed one, whose records a snapshot covers.
  @Test func aSealWhoseNewLogIsNotDurableGoesOnInTheNewLog() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let injector = Injector(root: directory.path, code: EIO) { _ in false }
    try IOObservation.with(injector) {
      let writer = try WALWriter(path: path, nodeID: "node-a", lockTimeout: 1)
      _ = try writer.append([.put(key: Array("a".utf8), value: Array("1".utf8))])
      var renamed = false
      injector.shouldFail = { operation in
        if case .rename(_, let to) = operation, to == path { renamed = true }
        if case .syncDirectory = operation { return renamed }
        return false
      }
      let next = WALHeader(nodeID: "node-a", createdMilliseconds: 1, firstLSN: writer.nextLSN, continuesSnapshot: true)
      #expect(throws: SoftadastraError.self) {
        try writer.startNewLog(next, archivingAs: NodeFiles(walPath: path).segmentPath(firstLSN: 1))
      }
      #expect(renamed)
      injector.shouldFail = { _ in false }
      _ = try writer.append([.put(key: Array("b".utf8), value: Array("2".utf8))])
      try writer.close()
    }
    var live = try WALScanner(path: path)
    #expect(live.header.firstLSN == 2)
    #expect(try live.next()?.record.body == .operation(.put(key: Array("b".utf8), value: Array("2".utf8)), origin: nil))
  }

  /// A streamed batch is written 4 MiB at a time: a write that fails at any of them (the first
  /// or a later one) cuts the log back to where it ended and stops the writer, as a failed write
  /// of a small batch does.
  @Test(arguments: [1, 2, 3])
  func aWriteThatFailsMidStreamCutsTheBatchOffAndStopsTheWriter(failingWrite: Int) throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let injector = Injector(root: directory.path, code: ENOSPC) { _ in false }
    try IOObservation.with(injector) {
      let client = Client(.persistent(nodeID: "node-a", walPath: path))
      try client.open()
      try client.put("before", "1")
      let before = FileBytes.read(path)
      var writes = 0
      injector.shouldFail = { operation in
        guard case .write = operation else { return false }
        writes += 1
        return writes == failingWrite
      }
      var count = 0
      let value = [UInt8](repeating: 0x76, count: 1_000)
      #expect(throws: SoftadastraError.self) {
        try client.commit { () throws(SoftadastraError) in
          count += 1
          return count <= 20_000 ? .put(key: Array("k-\(count)".utf8), value: value) : nil
        }
      }
      injector.shouldFail = { _ in false }
      #expect(FileBytes.read(path) == before, "write \(failingWrite)")
      #expect { try client.put("after", "2") } throws: { ($0 as! SoftadastraError).message.contains("reopen it") }
      try? client.close()
    }
    #expect(try Client.readOnlyTextEntries(walPath: path) == ["before": "1"])
  }

  @Test func aFullDiskMidBatchLosesNothingAcknowledgedAndWritesNoPartOfTheBatch() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let injector = Injector(root: directory.path, code: ENOSPC) { _ in false }
    try IOObservation.with(injector) {
      let client = Client(.persistent(nodeID: "node-a", walPath: path))
      try client.open()
      for index in 0..<5 { try client.put("k\(index)", "v") }
      injector.shouldFail = { if case .write = $0 { true } else { false } }
      #expect {
        try client.commit((0..<100).map { .put(key: Array("batch\($0)".utf8), value: [1]) })
      } throws: { ($0 as! SoftadastraError).message.contains("No space left on device") }
      try? client.close()
    }
    #expect(
      try Client.readOnlyTextEntries(walPath: path) == Dictionary(uniqueKeysWithValues: (0..<5).map { ("k\($0)", "v") })
    )
  }

  @Test func withoutAutoFlushNothingIsSyncedUntilFlushOrClose() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let injector = Injector(root: directory.path, code: 0) { _ in false }
    try IOObservation.with(injector) {
      var options = ClientOptions.persistent(nodeID: "node-a", walPath: path)
      options.autoFlush = false
      let client = Client(options)
      try client.open()
      let afterOpen = injector.syncs
      for index in 0..<20 { try client.put("k\(index)", "v") }
      #expect(injector.syncs == afterOpen)
      try client.flush()
      #expect(injector.syncs == afterOpen + 1)
      try client.put("more", "v")
      try client.close()
      #expect(injector.syncs == afterOpen + 2)
      // With autoFlush (the default), each put is synced before it returns.
      let durable = Client(.persistent(nodeID: "node-a", walPath: path))
      try durable.open()
      let before = injector.syncs
      for index in 0..<5 { try durable.put("d\(index)", "v") }
      #expect(injector.syncs == before + 5)
      try durable.close()
    }
  }

  @Test func syncImportsAndExportsAreSyncedEvenWithoutAutoFlush() throws {
    let directory = TemporaryDirectory()
    let injector = Injector(root: directory.path, code: 0) { _ in false }
    try IOObservation.with(injector) {
      var options = ClientOptions.persistent(nodeID: "node-a", walPath: directory.file("node-a.wal"))
      options.autoFlush = false
      let a = Client(options)
      try a.open()
      let b = Client(.persistent(nodeID: "node-b", walPath: directory.file("node-b.wal")))
      try b.open()
      try b.put("k", "v")
      let bundle = try b.makeSyncBundle(for: "node-a")
      let beforeImport = injector.syncs
      try a.applySyncBundle(bundle)
      // The import is on disk before anything acknowledges it.
      #expect(injector.syncs == beforeImport + 1)
      try a.put("local", "unsynced")
      let beforeExport = injector.syncs
      try a.makeSyncBundle(for: "node-b")  // acknowledges the import: what precedes it is synced
      #expect(injector.syncs > beforeExport)
      try a.close()
      try b.close()
    }
  }
}
