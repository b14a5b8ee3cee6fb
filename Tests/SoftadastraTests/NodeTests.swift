import Foundation
import SoftadastraTestSupport
import Testing

@testable import Softadastra
@_spi(Storage) @testable import SoftadastraWAL

/// `Node`: a client shared by many tasks and threads at once, whose concurrent durable writes
/// share their syncs.
@Suite(.serialized) struct NodeTests {
  /// Counts the syncs of one file (events of other tests' files are ignored).
  final class SyncCounter: IOObserver, @unchecked Sendable {
    let path: String
    private let state = Locked<(handles: Set<ObjectIdentifier>, syncs: Int)>(([], 0))
    init(path: String) { self.path = path }
    func observe(_ event: IOEvent) {
      state.withLock { state in
        switch event {
        case .opened(let handle, let path, _) where path == self.path: state.handles.insert(handle)
        case .synced(let handle) where state.handles.contains(handle): state.syncs += 1
        default: break
        }
      }
    }
    var syncs: Int { state.withLock { $0.syncs } }
  }

  @Test func concurrentTasksWriteAndReadSafely() async throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let writers = 8
    let each = 40
    let node = try Node(.persistent(nodeID: "node-a", walPath: path))
    try await withThrowingTaskGroup(of: Void.self) { group in
      for writer in 0..<writers {
        group.addTask {
          for index in 0..<each {
            try await node.put("w\(writer)/\(index)", "v\(index)")
            // Each task reads its own write at once.
            #expect(try await node.get("w\(writer)/\(index)")?.string == "v\(index)")
          }
        }
      }
      try await group.waitForAll()
    }
    try node.close()
    // Every write is there, for a fresh reader too.
    let contents = try Client.readOnlyTextEntries(walPath: path)
    #expect(contents.count == writers * each)
    #expect((0..<writers).allSatisfy { writer in (0..<each).allSatisfy { contents["w\(writer)/\($0)"] == "v\($0)" } })
  }

  /// Tasks cancelled while they await their commits: each batch is in the log whole or not at
  /// all, and every batch whose call returned is there (a cancelled caller still learns the
  /// outcome of a write it asked for).
  @Test func cancellingAwaitingTasksLeavesNoHalfWrittenBatch() async throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let node = try Node(.persistent(nodeID: "node-a", walPath: path))
    let batches = 64
    let tasks = (0..<batches).map { batch in
      Task { () throws -> Int in
        try await node.commit((0..<10).map { .put(key: Array("b\(batch)/\($0)".utf8), value: Array("v".utf8)) })
        return batch
      }
    }
    for (index, task) in tasks.enumerated() where index % 2 == 0 { task.cancel() }
    var acknowledged: Set<Int> = []
    for task in tasks { if let batch = try? await task.value { acknowledged.insert(batch) } }
    try node.close()
    let contents = try Client.readOnlyTextEntries(walPath: path)
    for batch in 0..<batches {
      let present = (0..<10).filter { contents["b\(batch)/\($0)"] == "v" }.count
      #expect(present == 0 || present == 10, "batch \(batch) is in the log in part: \(present) of 10")
      if acknowledged.contains(batch) { #expect(present == 10, "acknowledged batch \(batch) is missing") }
    }
  }

  @Test func concurrentDurableWritersShareTheirSyncs() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let counter = SyncCounter(path: path)
    let writers = 8
    let each = 40
    try IOObservation.with(counter) {
      let node = try Node(.persistent(nodeID: "node-a", walPath: path))
      let threads = try (0..<writers).map { writer in
        try NativeThread { for index in 0..<each { try? node.put("w\(writer)/\(index)", "v\(index)") } }
      }
      threads.forEach { $0.join() }
      try node.close()
    }
    #expect(try Client.readOnlyTextEntries(walPath: path).count == writers * each)
    #expect(counter.syncs < writers * each * 3 / 4, "\(counter.syncs) syncs for \(writers * each) writes")
  }

  @Test func threadsUseTheBlockingCallsAndABadBatchFailsAlone() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let node = try Node(.persistent(nodeID: "node-a", walPath: path))
    let failures = Locked(0)
    let threads = try (0..<4).map { thread in
      try NativeThread {
        for index in 0..<25 {
          do throws(SoftadastraError) {
            try node.put("t\(thread)/\(index)", "\(index)")
            // An empty key is invalid: that batch fails, the others go on.
            if index == 10 { try node.commit([.put(key: [], value: [1])]) }
          } catch {
            if error.kind == .invalidArgument { failures.withLock { $0 += 1 } }
          }
        }
      }
    }
    threads.forEach { $0.join() }
    #expect(failures.withLock { $0 } == 4)
    #expect(try node.perform { client throws(SoftadastraError) in client.size } == 100)
    try node.close()
    #expect(throws: SoftadastraError.self) { try node.put("after", "close") }
    #expect(try Client.readOnlyTextEntries(walPath: path).count == 100)
  }

  /// An open client of a node at `path` holding one key, that checkpoints only when told.
  static func seededClientThatNeverCheckpointsByItself(_ path: String) throws -> Client {
    var options = ClientOptions.persistent(nodeID: "node-a", walPath: path)
    options.checkpointBytes = 0
    let client = Client(options)
    try client.open()
    try client.put("seed", "0")
    return client
  }

  @Test(.timeLimit(.minutes(1)))
  func theFeedReadsEveryLogSealedBetweenTwoLooks() async throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let client = try Self.seededClientThatNeverCheckpointsByItself(path)
    defer { try? client.close() }
    // A feed that looks every 2 s: two logs are sealed (their snapshots not yet published, so
    // both are still archived) before its next look.
    var changes = try client.changes(pollInterval: .seconds(2)).makeAsyncIterator()
    let files = NodeFiles(walPath: path)
    for key in ["a", "b", "c"] {
      try client.put(key, "1")
      if key != "c" {
        _ = try client.writing { writer throws(SoftadastraError) in try Checkpoint.seal(writer, files: files) }
      }
    }
    for key in ["a", "b", "c"] {
      let change = try await changes.next()
      #expect(change?.key == Array(key.utf8), "\(String(describing: change))")
    }
  }

  @Test(.timeLimit(.minutes(1)))
  func theFeedFollowsTwoCheckpointsBetweenTwoLooksWithoutAReset() async throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let client = try Self.seededClientThatNeverCheckpointsByItself(path)
    defer { try? client.close() }
    // Two checkpoints before the feed's next look: retention removes the log it has open, and the
    // first snapshot tells that the log archived after it continues it.
    var changes = try client.changes(pollInterval: .seconds(2)).makeAsyncIterator()
    for key in ["a", "b"] {
      try client.put(key, "1")
      _ = try #require(try client.checkpoint())
    }
    try client.put("c", "1")
    #expect(!FileSystem.exists(NodeFiles(walPath: path).segmentPath(firstLSN: 1)))
    for key in ["a", "b", "c"] {
      let change = try await changes.next()
      #expect(change?.key == Array(key.utf8), "\(String(describing: change))")
    }
  }

  /// A log cut and written over in place under a feed: the feed says `.reset` (read the state
  /// again), as for another log put in place; it neither stalls nor reports damage.
  @Test(.timeLimit(.minutes(1)))
  func aLogChangedInPlaceUnderAFeedIsAReset() async throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let client = try Self.seededClientThatNeverCheckpointsByItself(path)
    defer { try? client.close() }
    var changes = try client.changes().makeAsyncIterator()
    let afterSeed = FileBytes.read(path).count
    try client.put("b", "2")
    #expect(try await changes.next()?.key == Array("b".utf8))
    #expect(truncate(path, off_t(afterSeed)) == 0)
    try client.put("c", "33")
    let change = try await changes.next()
    #expect(change == .reset, "\(String(describing: change))")
  }

  @Test(.timeLimit(.minutes(1)))
  func twoClosesAtOnceEndWithOneClosedNode() throws {
    let directory = TemporaryDirectory()
    let node = try Node(.persistent(nodeID: "node-a", walPath: directory.file("node-a.wal")))
    let release = Semaphore()
    let busy = try NativeThread { _ = try? node.perform { _ throws(SoftadastraError) in release.wait() } }
    let outcomes = Locked<[Bool]>([])
    let closers = try (0..<2).map { _ in
      try NativeThread {
        let closed = (try? node.close()) != nil
        outcomes.withLock { $0.append(closed) }
      }
    }
    release.signal()
    busy.join()
    closers.forEach { $0.join() }
    #expect(outcomes.withLock { $0.filter { $0 }.count == 1 && $0.count == 2 })
  }

  /// Calls queued before `close()` are served; a call made after it fails at once, saying the node
  /// is closed (not that the client was never opened).
  @Test(.timeLimit(.minutes(1)))
  func callsAfterCloseFailSayingTheNodeIsClosed() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let node = try Node(.persistent(nodeID: "node-a", walPath: path))
    let (running, release) = (Semaphore(), Semaphore())
    let busy = try NativeThread {
      _ = try? node.perform { _ throws(SoftadastraError) in
        running.signal()
        release.wait()
      }
    }
    running.wait()
    let queued = try NativeThread { try? node.put("before", "close") }
    #expect(waitUntil { node.queuedRequests == 1 })
    let closer = try NativeThread { try? node.close() }
    #expect(waitUntil { node.isClosed })
    #expect {
      try node.put("after", "close")
    } throws: { error in
      (error as? SoftadastraError)?.kind == .notOpen && "\(error)".contains("the node is closed")
    }
    release.signal()
    for thread in [busy, queued, closer] { thread.join() }
    #expect(try Client.readOnlyTextEntries(walPath: path) == ["before": "close"])
  }
}
