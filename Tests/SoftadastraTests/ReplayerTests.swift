import Foundation
import SoftadastraTestSupport
import Testing

@testable import Softadastra

@Suite struct ReplayerTests {
  static func model(_ operations: ArraySlice<StoreOperation>) -> [[UInt8]: [UInt8]] {
    var state: [[UInt8]: [UInt8]] = [:]
    for operation in operations {
      switch operation {
      case .put(let key, let value): state[key] = value
      case .delete(let key): state[key] = nil
      }
    }
    return state
  }

  static func state(_ result: ReplayResult) throws -> [[UInt8]: [UInt8]] {
    Dictionary(uniqueKeysWithValues: try result.state.sorted().map { ($0.key, $0.entry.value) })
  }

  @Test func pointInTimeEqualsTheStateComputedIndependentlyAtEveryLSN() throws {
    var random = SplitMix64(seed: 42)
    let operations: [StoreOperation] = (0..<60).map { _ in
      let key = "k\(random.next() % 7)"
      return random.next() % 4 == 0 ? .delete(key) : .put(key, "v\(random.next() % 1000)")
    }
    let directory = TemporaryDirectory()
    let path = try WALBuilder.make(at: directory.file("n.wal"), operations: operations)
    for lsn in 0...UInt64(operations.count) {
      let inclusive = try Replayer.replay(path: path, policy: .strict, target: ReplayTarget(lsn: lsn))
      #expect(try Self.state(inclusive) == Self.model(operations.prefix(Int(lsn))), "to LSN \(lsn)")
      let exclusive = try Replayer.replay(
        path: path, policy: .strict, target: ReplayTarget(lsn: lsn + 1, exclusive: true))
      #expect(try Self.state(exclusive) == Self.state(inclusive))
    }
  }

  @Test func aTargetInsideABatchTakesTheBatchWholeOrNotAtAll() throws {
    let directory = TemporaryDirectory()
    let path = try WALBuilder.make(
      at: directory.file("n.wal"), operations: [.put("a", "1"), .put("b", "2"), .put("c", "3"), .put("d", "4")],
      batchSizes: [1, 3])
    let result = try Replayer.replay(path: path, policy: .strict, target: ReplayTarget(lsn: 3))
    #expect(try result.keyCount() == 1)
    #expect(result.lastLSN == 1)
  }

  @Test func policiesTreatATornTailAndMidLogDamageAsDocumented() throws {
    let directory = TemporaryDirectory()
    let path = try WALBuilder.make(at: directory.file("n.wal"), operations: (0..<6).map { .put("k\($0)", "v") })
    let offsets = try WALBuilder.recordOffsets(path)
    let clean = FileBytes.read(path)
    FileBytes.truncate(path, to: clean.count - 3)
    #expect(throws: SoftadastraError.self) { try Replayer.replay(path: path, policy: .strict) }
    #expect(try Replayer.replay(path: path, policy: .tolerateTail).keyCount() == 5)
    FileBytes.write(clean, to: path)
    FileBytes.flipBit(path, offset: Int(offsets[2]) + 26, bit: 2)
    #expect(throws: SoftadastraError.self) { try Replayer.replay(path: path, policy: .tolerateTail) }
    let pointInTime = try Replayer.replay(path: path, policy: .pointInTime)
    #expect(try pointInTime.keyCount() == 2 && pointInTime.stoppedBeforeValidRecords)
    let salvage = try Replayer.replay(path: path, policy: .salvage)
    #expect(try salvage.keyCount() == 5 && salvage.damage.count == 1)
  }

  @Test func aCompactedWALReplaysToTheSameStateWithoutReusingLSNs() throws {
    let directory = TemporaryDirectory()
    let path = try WALBuilder.make(
      at: directory.file("n.wal"),
      operations: [.put("a", "1"), .put("b", "2"), .put("a", "3"), .delete("b"), .put("c", "4")])
    let result = try Replayer.replay(path: path, policy: .strict)
    try result.writeCompactedWAL(to: directory.file("compact.wal"))
    let compacted = try Replayer.replay(path: directory.file("compact.wal"), policy: .strict)
    #expect(try Self.state(compacted) == Self.state(result))
    #expect(compacted.header.firstLSN == 6)
    #expect(try compacted.state.entry(for: Array("a".utf8))?.origin?.lsn == 3)
    #expect(throws: SoftadastraError.self) { try result.writeCompactedWAL(to: directory.file("compact.wal")) }
  }

  /// A replay reads the log twice (where the target's last whole batch ends, then the records
  /// up to it): a log replaced or cut between the two reads is refused, never half applied.
  @Test func aLogChangedBetweenTheTwoReadsIsRefused() throws {
    let directory = TemporaryDirectory()
    let first = try WALBuilder.make(at: directory.file("a.wal"), operations: [.put("a", "1"), .put("b", "2")])
    let other = try WALBuilder.make(at: directory.file("b.wal"), operations: [.put("a", "9"), .put("b", "9")])
    let cut = try WALBuilder.make(at: directory.file("c.wal"), operations: [.put("a", "1")])
    var reader = try WALScanner(path: first)
    let end = try ReplayEnd.find(ReplayTarget()) { () throws(SoftadastraError) in try reader.next() }
    #expect(end.records == 2 && end.lastLSN == 2)
    for changed in [other, cut] {
      var result = ReplayResult(header: reader.header)
      var again = try WALScanner(path: changed)
      #expect {
        try result.apply(through: end, path: first) { () throws(SoftadastraError) in try again.next() }
      } throws: { error in
        (error as! SoftadastraError).kind == .corrupt && "\(error)".contains("changed while it was replayed")
      }
    }
  }

  @Test func timesParseInTheDocumentedForms() {
    #expect(ISO8601.milliseconds(parsing: "2026-11-25T08:09:08.644Z") == 1_795_594_148_644)
    #expect(ISO8601.milliseconds(parsing: "2026-11-25T08:09:08.6") == 1_795_594_148_600)
    #expect(ISO8601.milliseconds(parsing: "2026-11-25") == 1_795_564_800_000)
    #expect(ISO8601.milliseconds(parsing: "@1795594148") == 1_795_594_148_000)
    for bad in ["", "yesterday", "2026-13-01", "2026-02-30", "2026-11-25T25:00", "2026-11-25T08:09:08.1234"] {
      #expect(ISO8601.milliseconds(parsing: bad) == nil, "\(bad)")
    }
  }
}
