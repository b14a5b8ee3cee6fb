import Foundation
import Softadastra
import SoftadastraTestSupport
import Testing

@Suite struct ClientTests {
  @Test func badOptionsFailBeforeTouchingTheDisk() throws {
    let directory = TemporaryDirectory()
    let cases: [(ClientOptions, String)] = [
      (.persistent(nodeID: "node-a", walPath: ""), "empty"),
      (.persistent(nodeID: "", walPath: directory.file("a.wal")), "node id is empty"),
      (.persistent(nodeID: "../etc", walPath: directory.file("a.wal")), "may hold only"),
      (.persistent(nodeID: "node-a", walPath: directory.file("data/")), "names a directory"),
    ]
    for (options, fragment) in cases {
      #expect {
        try Client(options).open()
      } throws: { error in
        let error = error as! SoftadastraError
        return error.kind == .invalidArgument && error.message.contains(fragment)
      }
    }
    var negative = ClientOptions.persistent(nodeID: "node-a", walPath: directory.file("a.wal"))
    negative.lockTimeout = -1
    #expect(throws: SoftadastraError.self) { try Client(negative).open() }
    var negativeCache = ClientOptions.persistent(nodeID: "node-a", walPath: directory.file("a.wal"))
    negativeCache.blockCacheBytes = -1
    #expect(throws: SoftadastraError.self) { try Client(negativeCache).open() }
    // The SDK's network options are refused, not ignored: this library has neither.
    for option in [\ClientOptions.enableTransport, \ClientOptions.enableDiscovery] {
      var options = ClientOptions.persistent(nodeID: "node-a", walPath: directory.file("a.wal"))
      options[keyPath: option] = true
      let refused = #expect(throws: SoftadastraError.self) { try Client(options).open() }
      #expect(refused?.kind == .invalidArgument && refused?.message.contains("is not supported") == true)
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
  }

  @Test func aMissingDataDirectoryIsAnErrorThatSaysToCreateIt() throws {
    let directory = TemporaryDirectory()
    let client = Client(.persistent(nodeID: "node-a", walPath: directory.file("data/node-a.wal")))
    #expect {
      try client.open()
    } throws: { error in
      (error as! SoftadastraError).remedy == .createDirectory(directory.file("data"))
    }
  }

  @Test func aWriterThatMustNotCreateTheNodeLeavesNothingBehind() throws {
    let directory = TemporaryDirectory()
    var options = ClientOptions.persistent(nodeID: "node-a", walPath: directory.file("node-a.wal"))
    options.createsNode = false
    options.createsDirectory = true
    let refused = #expect(throws: SoftadastraError.self) { try Client(options).open() }
    #expect(refused?.kind == .notFound)
    #expect(
      refused?.message
        == "no WAL at \(directory.file("node-a.wal")): nothing has been written for this node yet, or the path is wrong"
    )
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    // Once the node exists, the same options open it and write.
    let creator = Client(.persistent(nodeID: "node-a", walPath: directory.file("node-a.wal")))
    try creator.open()
    try creator.close()
    let client = Client(options)
    try client.open()
    try client.put("k", "v")
    try client.close()
  }

  @Test func whatAnotherWriterLeftIsCaughtUpWithBeforeTheNextCommit() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    var options = ClientOptions.persistent(nodeID: "node-a", walPath: path)
    options.checkpointBytes = 0
    let app = Client(options)
    try app.open()
    defer { try? app.close() }
    try app.put("a", "1")
    // Another client (another process would do the same) commits, then a writer dies mid-append.
    let other = Client(options)
    try other.open()
    try other.put("b", "2")
    try other.close()
    let sizeBefore = FileBytes.read(path).count
    FileBytes.append(path, [0x40, 0x00, 0x00, 0x00, 0x01, 0x00, 0x07])
    // The app sees the other's commit, cuts the torn bytes under the lock, and appends after them.
    #expect(try app.get("b")?.string == "2")
    let lsns = try #require(try app.commit([.put(key: Array("c".utf8), value: [0x33])]))
    #expect(lsns.lowerBound == 4)  // 1 a, 2 b, 3 the note of the cut, 4 c
    var scanner = try WALScanner(path: path)
    var bodies: [WALRecord.Body] = []
    while let scanned = try scanner.next() { bodies.append(scanned.record.body) }
    #expect(scanner.ending == .clean && bodies.count == 4)
    #expect(bodies[2] == .tailRepairNote(offset: UInt64(sizeBefore), bytes: 7))
    let reader = Client(options)
    try reader.open()
    #expect(try reader.entries().map { $0.value.string } == ["1", "2", "3"])
    try reader.close()
  }

  @Test func aReadOnlyClientSeesCommitsAndCheckpointsMadeAfterItOpened() throws {
    let directory = TemporaryDirectory()
    var options = ClientOptions.persistent(nodeID: "node-a", walPath: directory.file("node-a.wal"))
    options.checkpointBytes = 0
    let writer = Client(options)
    try writer.open()
    defer { try? writer.close() }
    try writer.put("a", "1")
    var readOnly = options
    readOnly.readOnly = true
    let reader = Client(readOnly)
    try reader.open()
    defer { try? reader.close() }
    #expect(try reader.get("a")?.string == "1")
    try writer.put("b", "2")
    #expect(try reader.get("b")?.string == "2")
    try writer.checkpoint()
    try writer.put("c", "3")
    #expect(try reader.entries().map { $0.value.string } == ["1", "2", "3"])
    #expect(try reader.currentSnapshot()?.lsn == 2)
  }

  @Test func callsBeforeOpenSayWhatToDo() {
    let client = Client(.memory(nodeID: "node-a"))
    #expect {
      try client.put("a", "b")
    } throws: { error in
      (error as! SoftadastraError).kind == .notOpen
    }
  }

  @Test func aMemoryClientWorksAndKeepsNothing() throws {
    let client = Client(.memory(nodeID: "node-a"))
    try client.open()
    try client.put("a", "1")
    #expect(try client.remove("a"))
    #expect(try !client.remove("a"))
    try client.put("b", "2")
    #expect(client.size == 1)
    #expect(try client.syncState().outboxSize == 4)
    try client.close()
    try client.open()
    #expect(client.size == 0)
  }

  @Test func aReadOnlyClientRefusesWritesAndTakesNoLock() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let writer = Client(.persistent(nodeID: "node-a", walPath: path))
    try writer.open()
    try writer.put("k", "v")
    var options = ClientOptions.persistent(nodeID: "node-a", walPath: path)
    options.readOnly = true
    let reader = Client(options)
    try reader.open()  // while the writer holds the lock
    #expect(try reader.get("k")?.string == "v")
    #expect(throws: SoftadastraError.self) { try reader.put("k", "w") }
    try reader.close()
    try writer.close()
  }

  @Test func binaryKeysAndValuesRoundTrip() throws {
    let directory = TemporaryDirectory()
    let options = ClientOptions.persistent(nodeID: "node-a", walPath: directory.file("node-a.wal"))
    let key: [UInt8] = [0x00, 0xFF, 0x0A, 0x09]
    let value: [UInt8] = Array(0...255)
    let client = Client(options)
    try client.open()
    try client.put(key, value)
    try client.close()
    let again = Client(options)
    try again.open()
    #expect(try again.get(key)?.bytes == value)
    #expect(try again.get(key)?.string == nil)
    try again.close()
  }

  @Test func aTailOnlyOpenLoadsTheStoreAtTheFirstRead() throws {
    let directory = TemporaryDirectory()
    var options = ClientOptions.persistent(nodeID: "node-a", walPath: directory.file("node-a.wal"))
    let first = Client(options)
    try first.open()
    try first.put("a", "1")
    try first.close()
    options.loadsStoreOnOpen = false
    let client = Client(options)
    try client.open()
    try client.put("b", "2")
    #expect(try client.get("a")?.string == "1")
    #expect(try client.get("b")?.string == "2")
    try client.put("c", "3")
    #expect(client.size == 3)
    #expect(try client.walSummary()?.lastLSN == 3)
    try client.close()
  }

  @Test func replayEqualsAModelDictionaryForRandomHistories() throws {
    var generator = SystemRandomNumberGenerator()
    let seed = UInt64.random(in: 0...UInt64.max, using: &generator)
    var random = SplitMix64(seed: seed)
    let directory = TemporaryDirectory()
    for round in 0..<20 {
      let path = directory.file("node-\(round).wal")
      var options = ClientOptions.persistent(nodeID: "node-a", walPath: path)
      options.autoFlush = false
      var model: [[UInt8]: [UInt8]] = [:]
      let client = Client(options)
      try client.open()
      for _ in 0..<Int(random.next() % 200) {
        let key = [UInt8(random.next() % 16)]
        switch random.next() % 3 {
        case 0:
          try client.remove(key)
          model[key] = nil
        case 1:
          let batch = (0..<Int(random.next() % 5 + 1)).map { _ in
            StoreOperation.put(key: [UInt8(random.next() % 16)], value: [UInt8(random.next() % 256)])
          }
          try client.commit(batch)
          for case .put(let key, let value) in batch { model[key] = value }
        default:
          let value = (0..<Int(random.next() % 40)).map { _ in UInt8(random.next() % 256) }
          try client.put(key, value)
          model[key] = value
        }
      }
      try client.close()
      let reopened = Client(options)
      try reopened.open()
      let entries = try reopened.entries()
      #expect(entries.count == model.count, "seed \(seed)")
      for (key, value) in entries { #expect(model[key] == value.bytes, "seed \(seed)") }
      try reopened.close()
    }
  }

  /// Reads skip looking at the log while the shared change count stands still
  /// (`ChangeWatch`), so every commit must move it before it is acknowledged: a read by another
  /// client, writing or read-only, sees each commit at once (within one tick of the coarse
  /// clock, when a read without the count would still see the old value).
  @Test func aReadSeesEachCommitOfAnotherClientAtOnce() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let (first, second) = (
      Client(.persistent(nodeID: "node-a", walPath: path)), Client(.persistent(nodeID: "node-a", walPath: path))
    )
    try first.open()
    try second.open()
    try first.put("k", "0")
    let reader = try Client.openedReadOnly(walPath: path)
    for round in 1...300 {
      let (writer, other) = round.isMultiple(of: 2) ? (first, second) : (second, first)
      #expect(try other.get("k")?.string == String(round - 1))
      try writer.put("k", String(round))
      #expect(try other.get("k")?.string == String(round), "round \(round): a writing client")
      #expect(try reader.get("k")?.string == String(round), "round \(round): a read-only client")
    }
    for client in [first, second, reader] { try client.close() }
  }

  /// A log cut in place (truncate(1), a copy over it) below what open clients read: they read the
  /// log as it is now, a writer and a read-only reader alike, and never read past its end. Made
  /// without the writer lock, the cut moves no change count: a read notices it within a tick of
  /// the coarse clock (`ChangeWatch`), a commit at once.
  @Test func clientsOfALogCutInPlaceReadItAsItIsNow() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let writer = Client(.persistent(nodeID: "node-a", walPath: path))
    try writer.open()
    try writer.put("a", "1")
    let afterA = FileBytes.read(path).count
    try writer.put("b", "2")
    let reader = try Client.openedReadOnly(walPath: path)
    #expect(try reader.get("b")?.string == "2")
    #expect(truncate(path, off_t(afterA)) == 0)
    #expect(try waitUntil { try writer.get("b") == nil })
    #expect(try writer.get("a")?.string == "1")
    // (A value of another length: a log written over in place to the very same size within one
    // tick of the status-change time would not be noticed; nothing in the toolkit does that.)
    try writer.put("c", "33")
    #expect(try reader.get("b") == nil)
    #expect(try reader.get("c")?.string == "33")
    for client in [writer, reader] { try client.close() }
  }

  /// A batch streamed into the log (`commit(streaming:)`) is written 4 MiB at a time as it comes:
  /// one that fails midway, past several such writes, leaves the log exactly as it was; one that
  /// succeeds is read by this client (its loaded state is loaded again) and by others.
  @Test func aStreamedBatchIsWholeOrAbsent() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let client = Client(.persistent(nodeID: "node-a", walPath: path))
    try client.open()
    try client.put("before", "1")
    let before = FileBytes.read(path)
    let value = [UInt8](repeating: 0x76, count: 100)
    var count = 0
    #expect {
      try client.commit { () throws(SoftadastraError) in
        count += 1
        if count == 100_000 { throw SoftadastraError(.malformedInput, "line 100000: no tab between key and value") }
        return .put(key: Array("k-\(count)".utf8), value: value)
      }
    } throws: { ($0 as! SoftadastraError).kind == .malformedInput }
    #expect(FileBytes.read(path) == before)
    #expect(try client.get("k-1") == nil && client.size == 1)
    count = 0
    let lsns = try client.commit { () throws(SoftadastraError) in
      count += 1
      return count <= 50_000 ? .put(key: Array("k-\(count)".utf8), value: value) : nil
    }
    #expect(lsns == 2...50_001)
    #expect(try client.get("k-50000")?.bytes == value && client.size == 50_001)
    #expect(try client.commit { () throws(SoftadastraError) in nil } == nil)
    try client.close()
    let reader = try Client.openedReadOnly(walPath: path)
    #expect(try reader.get("k-1")?.bytes == value && reader.size == 50_001)
    try reader.close()
  }

  /// Puts handed over where they lie (`commitPuts`, what `store import` uses) are one batch, in
  /// memory and in a log alike; a put over the limits leaves both as they were.
  @Test func putsHandedOverInPlaceAreOneBatch() throws {
    let directory = TemporaryDirectory()
    for options in [
      ClientOptions.memory(nodeID: "node-a"), .persistent(nodeID: "node-a", walPath: directory.file("a.wal")),
    ] {
      let client = Client(options)
      try client.open()
      func commit(_ keys: [String]) throws -> ClosedRange<UInt64>? {
        var next = keys.makeIterator()
        return try client.commitPuts { put throws(SoftadastraError) in
          guard let key = next.next() else { return false }
          try Array(key.utf8).withUnsafeBytes { key in
            Array("v-\(key.count)".utf8).withUnsafeBytes { value in
              Result { () throws(SoftadastraError) in try put(key, value) }
            }
          }.get()
          return true
        }
      }
      #expect(try commit(["a", "bb", "ccc"]) == 1...3)
      #expect(throws: SoftadastraError.self) { try commit(["d", ""]) }
      #expect(try commit([]) == nil)
      #expect(try client.get("bb")?.string == "v-2" && client.get("d") == nil && client.size == 3)
      try client.close()
    }
  }

  /// Another node's log put in place of this client's (an operator's mistake): the client cannot
  /// reopen it, and every later call says so; none writes to memory only or reads a stale state.
  @Test func aClientThatCannotReopenItsReplacedLogRefusesEveryCall() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let client = Client(.persistent(nodeID: "node-a", walPath: path))
    try client.open()
    try client.put("a", "1")
    let otherPath = directory.file("node-b.wal")
    let other = Client(.persistent(nodeID: "node-b", walPath: otherPath))
    try other.open()
    try other.put("b", "2")
    try other.close()
    #expect(rename(otherPath, path) == 0)
    for attempt in 0..<3 {
      #expect(throws: SoftadastraError.self, "attempt \(attempt)") { try client.put("c", "3") }
      #expect(throws: SoftadastraError.self, "attempt \(attempt)") { try client.get("a") }
    }
    try client.close()
    #expect(try Client.readOnlyTextEntries(walPath: path, nodeID: "node-b") == ["b": "2"])
  }

  /// Another process left a torn tail after this client's last record, then a repair put a
  /// repaired log in place: the client reads the new log (it does not report the old one's
  /// damage at every call).
  @Test func aClientGoesOnAfterATornLogIsRepairedUnderIt() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let client = Client(.persistent(nodeID: "node-a", walPath: path))
    try client.open()
    try client.put("a", "1")
    let sound = FileBytes.read(path)
    let torn = try #require(FileHandle(forWritingAtPath: path))
    try torn.seekToEnd()
    try torn.write(contentsOf: Data([0x40, 0, 0, 0, 1, 2, 3]))
    try torn.close()
    FileBytes.write(sound, to: directory.file("repaired"))
    #expect(rename(directory.file("repaired"), path) == 0)
    try client.put("b", "2")
    #expect(try client.get("a")?.string == "1" && client.get("b")?.string == "2")
    try client.close()
    #expect(try Client.readOnlyTextEntries(walPath: path) == ["a": "1", "b": "2"])
  }

  @Test func aBatchCutAtAnyOffsetIsAllOrNothing() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node-a.wal")
    let options = ClientOptions.persistent(nodeID: "node-a", walPath: path)
    let client = Client(options)
    try client.open()
    try client.put("before", "1")
    let sizeBefore = FileBytes.read(path).count
    try client.commit((0..<10).map { .put("import/\($0)", "value-\($0)") })
    try client.close()
    let full = FileBytes.read(path)
    for cut in sizeBefore..<full.count {
      FileBytes.write(Array(full.prefix(cut)), to: path)
      let reopened = Client(options)
      try reopened.open()
      #expect(reopened.size == 1, "cut at \(cut): half a batch was applied")
      #expect(try reopened.walSummary()?.tornTail?.offset == UInt64(sizeBefore) || cut == sizeBefore)
      try reopened.close()
    }
    FileBytes.write(full, to: path)
    let complete = Client(options)
    try complete.open()
    #expect(complete.size == 11)
    try complete.close()
  }
}
