import Foundation
import SoftadastraTestSupport
import Testing

@testable import SoftadastraWAL

@Suite struct WriterTests {
  @Test func aNewLogIsCreatedWithOwnerOnlyPermissionsAndNoTemporaryLeftBehind() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node.wal")
    let writer = try WALWriter(path: path, nodeID: "node-a", lockTimeout: 1)
    try writer.close()
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    #expect((attributes[.posixPermissions] as? Int) == 0o600)
    #expect(!FileManager.default.fileExists(atPath: path + ".new"))
    #expect(try WALScanner(path: path).header.nodeID == "node-a")
  }

  @Test func anotherNodesLogIsRefusedNamingBothIDs() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node.wal")
    try WALWriter(path: path, nodeID: "node-a", lockTimeout: 1).close()
    let before = FileBytes.read(path)
    #expect {
      try WALWriter(path: path, nodeID: "node-b", lockTimeout: 1)
    } throws: { error in
      let error = error as! SoftadastraError
      return error.kind == .configuration && error.message.contains("'node-a'") && error.message.contains("'node-b'")
    }
    #expect(FileBytes.read(path) == before)
  }

  @Test func aSecondWriterTimesOutNamingTheLock() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node.wal")
    let first = try WALWriter(path: path, nodeID: "node-a", lockTimeout: 1)
    let started = ContinuousClock.now
    #expect {
      try WALWriter(path: path, nodeID: "node-a", lockTimeout: 0.3)
    } throws: { error in
      let error = error as! SoftadastraError
      return error.kind == .lockTimeout && error.message.contains(path + ".lock")
    }
    // Timed on the monotonic clock, as the wait itself is.
    #expect(started.duration(to: .now) >= .milliseconds(300))
    try first.close()
    try WALWriter(path: path, nodeID: "node-a", lockTimeout: 0).close()
  }

  @Test func deadlinesTakeAnyTimeoutWithoutTrapping() {
    for passed in [0, -1, -.infinity, .nan, -.greatestFiniteMagnitude] as [Double] {
      #expect(Deadline(secondsFromNow: passed).hasPassed, "\(passed)")
      #expect(Deadline(secondsFromNow: passed).millisecondsLeft(atMost: 60_000) == 0)
    }
    for far in [3600, 1e300, .infinity, .greatestFiniteMagnitude] as [Double] {
      #expect(!Deadline(secondsFromNow: far).hasPassed, "\(far)")
      #expect(Deadline(secondsFromNow: far).millisecondsLeft(atMost: 60_000) == 60_000)
    }
    let soon = Deadline(secondsFromNow: 0.5).millisecondsLeft(atMost: 60_000)
    #expect((1...500).contains(soon))
  }

  @Test func aMissingDirectoryIsNamedWithWhatFixesIt() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("missing/node.wal")
    #expect {
      try WALWriter(path: path, nodeID: "node-a", lockTimeout: 1)
    } throws: { error in
      let error = error as! SoftadastraError
      return error.kind == .notFound && error.remedy == .createDirectory(directory.file("missing"))
    }
    #expect(!FileManager.default.fileExists(atPath: directory.file("missing")))
  }

  @Test func oversizedKeysAndValuesAreRefusedBeforeAnythingIsWritten() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node.wal")
    let writer = try WALWriter(path: path, nodeID: "node-a", lockTimeout: 1)
    let before = FileBytes.read(path)
    let tooLong = [UInt8](repeating: 0x61, count: WALFormat.maxKeyBytes + 1)
    #expect(throws: SoftadastraError.self) {
      try writer.append([.put(key: [1], value: [2]), .put(key: tooLong, value: [])])
    }
    #expect(throws: SoftadastraError.self) { try writer.append([.put(key: [], value: [])]) }
    #expect(throws: SoftadastraError.self) {
      try writer.append([.put(key: [1], value: [UInt8](repeating: 0, count: WALFormat.maxValueBytes + 1))])
    }
    #expect(FileBytes.read(path) == before)
    try writer.append([.put(key: [UInt8](repeating: 0x61, count: WALFormat.maxKeyBytes), value: [])])
    try writer.close()
  }

  @Test func theTailOnlyOpenAgreesWithAFullReplay() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node.wal")
    for round in 0..<5 {
      let writer = try WALWriter(path: path, nodeID: "node-a", lockTimeout: 1)
      var replayed = 0
      let full = try { () throws -> WALWriter in
        try writer.close()
        return try WALWriter(path: path, nodeID: "node-a", lockTimeout: 1, tailCheck: .replay { _ in replayed += 1 })
      }()
      #expect(replayed == round * 3)
      try full.close()
      let tail = try WALWriter(path: path, nodeID: "node-a", lockTimeout: 1)
      #expect(tail.nextLSN == UInt64(round * 3 + 1))
      #expect(tail.endOffset == (try SystemFile.openForReading(path).size()))
      try tail.append([.put(key: [UInt8(round)], value: [1]), .put(key: [2], value: [2])])
      try tail.append([.delete(key: [UInt8(round)])])
      try tail.close()
    }
  }

  @Test func timestampsIncreaseStrictlyEvenWithinOneMillisecond() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node.wal")
    let writer = try WALWriter(path: path, nodeID: "node-a", lockTimeout: 1, autoFlush: false)
    let records = try writer.append((0..<500).map { .put(key: [UInt8($0 % 256), 1], value: []) })
    try writer.close()
    for (a, b) in zip(records, records.dropFirst()) { #expect(a.timestamp < b.timestamp) }
  }

  /// A batch streamed in (its records encoded as they come, the newest kept back until the next
  /// shows whether it closes the batch, 4 MiB written at a time) is the batch `append(bodies:)`
  /// writes: same records, same positions, timestamps that rise with every record and read the
  /// wall clock, a chain of CRCs that reads on into the record appended after it. Puts encoded
  /// from where they lie and from operations alike; batches of one, two and three, of many
  /// crossing several writes, of values larger than a write, and of one such value alone.
  @Test func aStreamedBatchIsTheBatchItsRecordsMake() throws {
    let directory = TemporaryDirectory()
    var random = SplitMix64(seed: 11)
    let large = [UInt8](repeating: 0x6C, count: 5 << 20)
    let batches: [[StoreOperation]] =
      [1, 2, 3, 60_000].map { count in
        (0..<count).map { index in
          .put(
            key: Array("k\(index)".utf8), value: (0..<Int(random.next() % 200)).map { _ in UInt8(random.next() % 256) })
        }
      } + [
        [.put(key: [1], value: large), .put(key: [2], value: []), .put(key: [3], value: large)],
        [.put(key: [4], value: large)],
      ]
    let after: StoreOperation = .put(key: [9], value: [9])
    func records(_ path: String) throws -> [WALRecord] {
      var scanner = try WALScanner(path: path)
      var records: [WALRecord] = []
      while let scanned = try scanner.next() { records.append(scanned.record) }
      #expect(scanner.ending == .clean, "\(path)")
      return records
    }
    for (number, batch) in batches.enumerated() {
      let paths = ["whole", "streamed", "in-place"].map { directory.file("\(number)-\($0).wal") }
      let writers = try paths.map { try WALWriter(path: $0, nodeID: "node-a", lockTimeout: 1, autoFlush: false) }
      let started = HybridTimestamp.wallClockMilliseconds()
      try writers[0].append(batch)
      var next = batch.makeIterator()
      #expect(try writers[1].appendBatch { () throws(SoftadastraError) in next.next() } == 1...UInt64(batch.count))
      next = batch.makeIterator()
      let lsns = try writers[2].appendPutBatch { put throws(SoftadastraError) in
        guard case .put(let key, let value) = next.next() else { return false }
        try key.withUnsafeBytes { key in
          value.withUnsafeBytes { value in Result { () throws(SoftadastraError) in try put(key, value) } }
        }.get()
        return true
      }
      #expect(lsns == 1...UInt64(batch.count))
      let ended = HybridTimestamp.wallClockMilliseconds()
      for writer in writers {
        try writer.append([after])
        try writer.close()
      }
      let expected = try records(paths[0])
      #expect(
        expected.map(\.batch)
          == (0..<batch.count).map { WALRecord.BatchPosition.of($0, in: batch.count) } + [.single])
      for path in paths.dropFirst() {
        let streamed = try records(path)
        #expect(streamed.map(\.lsn) == expected.map(\.lsn) && streamed.map(\.batch) == expected.map(\.batch), "\(path)")
        #expect(streamed.map(\.body) == expected.map(\.body), "\(path)")
        #expect(zip(streamed, streamed.dropFirst()).allSatisfy { $0.timestamp < $1.timestamp }, "\(path)")
        #expect(streamed.dropLast().allSatisfy { (started...ended).contains($0.timestamp.milliseconds) }, "\(path)")
      }
    }
  }

  /// A streamed batch that fails past several writes, on an input's error or on a put over the
  /// limits, leaves the log as it was; the writer goes on.
  @Test func aStreamedBatchThatFailsLeavesNothing() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node.wal")
    let writer = try WALWriter(path: path, nodeID: "node-a", lockTimeout: 1)
    try writer.append([.put(key: [1], value: [1])])
    let before = FileBytes.read(path)
    let value = [UInt8](repeating: 0x76, count: 100)
    for failing in [[UInt8](), [UInt8](repeating: 0x6B, count: WALFormat.maxKeyBytes + 1), nil] {
      var count = 0
      #expect(throws: SoftadastraError.self) {
        try writer.appendPutBatch { put throws(SoftadastraError) in
          count += 1
          if count == 59_999 {
            // Several writes are on disk, and a reader sees none of the batch: its newest record
            // (which is not) says more follow.
            #expect(FileBytes.read(path).count > before.count + 4 << 20)
            #expect(try! Self.records(path).map(\.lsn) == [1])
          }
          guard count == 60_000 else {
            try value.withUnsafeBytes { value in Result { () throws(SoftadastraError) in try put(value, value) } }.get()
            return true
          }
          guard let failing else { throw SoftadastraError(.malformedInput, "line 60000: no tab") }
          try failing.withUnsafeBytes { key in Result { () throws(SoftadastraError) in try put(key, key) } }.get()
          return true
        }
      }
      #expect(FileBytes.read(path) == before, "\(failing?.count as Any)")
    }
    #expect(try writer.append([.put(key: [2], value: [2])]).map(\.lsn) == [2])
    try writer.close()
    #expect(try Self.records(path).map(\.lsn) == [1, 2])
  }

  /// The records of the log at `path` up to its end or its first damage.
  static func records(_ path: String) throws -> [WALRecord] {
    var scanner = try WALScanner(path: path)
    var records: [WALRecord] = []
    while let scanned = try scanner.next() { records.append(scanned.record) }
    return records
  }

  @Test func aWriterFollowsAnotherWritersSealButNotALogPutInItsPlace() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node.wal")
    func put(_ key: String) -> WALRecord.Body { .operation(.put(key: Array(key.utf8), value: [1]), origin: nil) }
    let sealer = try WALWriter(path: path, nodeID: "node-a", lockTimeout: 1)
    try sealer.append(bodies: [put("a")])
    sealer.unlock()
    let follower = try WALWriter(path: path, nodeID: "node-a", lockTimeout: 1)
    follower.unlock()

    // The sealer appends, seals its log as a segment, starts the next one and appends to it.
    #expect(try sealer.relock(timeout: 1).isNone)
    try sealer.append(bodies: [put("b"), put("c")])
    let segment = directory.file("node.00000000000000000001.wal")
    let next = WALHeader(nodeID: "node-a", createdMilliseconds: 1, firstLSN: 4, continuesSnapshot: true)
    try sealer.startNewLog(next, archivingAs: segment)
    try sealer.append(bodies: [put("d")])
    sealer.unlock()

    // The follower reads the rest of the sealed log, then the new log, and appends after them.
    guard case .replaced = try follower.relock(timeout: 1) else {
      Issue.record("a sealed log is another file at the path")
      return
    }
    let sealedLogs = SealedLogs(archivedPath: { lsn in
      directory.file("node.\(String(repeating: "0", count: 20 - String(lsn).count))\(lsn).wal")
    })
    let records = try #require(try follower.followSeals(sealedLogs))
    #expect(records.map(\.record.lsn) == [2, 3, 4])
    #expect(follower.header == next && follower.nextLSN == 5)
    try follower.append(bodies: [put("e")])
    follower.unlock()
    guard case .appended(let seen) = try sealer.relock(timeout: 1) else {
      Issue.record("the sealer does not see the follower's append")
      return
    }
    #expect(seen.map(\.record.lsn) == [5])
    sealer.unlock()

    // A log put in place otherwise (as a restore does) is not followed, even one that starts
    // at the next LSN: the follower's log is not archived as a segment.
    try FileSystem.writeAtomically(
      WALHeader(nodeID: "node-a", createdMilliseconds: 2, firstLSN: 6, continuesSnapshot: true).encoded(), to: path)
    guard case .replaced = try follower.relock(timeout: 1) else {
      Issue.record("a restored log is another file at the path")
      return
    }
    #expect(try follower.followSeals(sealedLogs) == nil)
    try follower.close()
    try sealer.close()
  }
}

extension WALWriter.Change {
  var isNone: Bool { if case .none = self { true } else { false } }
}
