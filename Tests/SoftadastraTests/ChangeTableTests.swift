import SoftadastraTestSupport
@_spi(Storage) import SoftadastraWAL
import Testing

@testable import Softadastra

/// The packed table of a node's changes against a `Dictionary` doing the same: every lookup,
/// count, order and entry agrees after random puts, overwrites and deletes of keys and values of
/// every size (values larger than a chunk among them) and with origins.
@Suite struct ChangeTableTests {
  @Test(arguments: [1, 2, 3])
  func agreesWithADictionaryThroughRandomChanges(seed: UInt64) {
    var random = SplitMix64(seed: seed)
    var table = ChangeTable()
    var model: [[UInt8]: LocalStore.Entry] = [:]
    var order: [[UInt8]] = []
    let keys = (0..<400).map { index in
      [UInt8](repeating: UInt8(index % 251), count: 1 + Int(random.next() % 40)) + [
        UInt8(index >> 8), UInt8(index & 255),
      ]
    }
    for step in 0..<3_000 {
      let key = keys[Int(random.next() % UInt64(keys.count))]
      let size = random.next() % 50 == 0 ? (1 << 20) + Int(random.next() % 5_000) : Int(random.next() % 300)
      let origin =
        random.next() % 5 == 0
        ? Origin(nodeID: "peer-\(random.next() % 3)", lsn: UInt64(step), timestamp: HybridTimestamp(rawValue: 9)) : nil
      let isTombstone = random.next() % 6 == 0
      let entry = LocalStore.Entry(
        value: isTombstone
          ? [] : [UInt8](repeating: UInt8(truncatingIfNeeded: step), count: size) + [UInt8(size & 255)],
        lsn: UInt64(step + 1),
        timestamp: HybridTimestamp(rawValue: UInt64(step) << 16), origin: origin, isTombstone: isTombstone)
      if step == 500 { table.reserveCapacity(table.count + 1_000) }
      if step == 1_000 || step == 2_000 {
        // Emptied as a spilling replay empties it, then filled again in the memory it kept.
        table.removeAllKeepingStorage()
        (model, order) = ([:], [])
        #expect(table.count == 0 && table.storedBytes == 0 && table[key] == nil)
      }
      table.set(key, entry)
      if model[key] == nil { order.append(key) }
      model[key] = entry
    }
    #expect(table.count == model.count)
    #expect(table.valueCount == model.values.count { !$0.isTombstone })
    for key in keys { #expect(table[key] == model[key]) }
    #expect(table[[0xFF, 0xFF, 0xFF]] == nil)
    var seen: [[UInt8]] = []
    table.forEach { key, entry in
      seen.append(key)
      #expect(model[key] == entry)
    }
    #expect(seen == order)
    for prefix in [[], [UInt8(7)], [UInt8(7), 7]] {
      #expect(table.sortedKeys(prefix: prefix) == model.keys.filter { $0.starts(with: prefix) }.sorted(by: keyPrecedes))
    }
    // What stays after a snapshot at LSN 2,500: the keys last set after it, with their entries.
    let kept = table.changed(after: 2_500)
    let later = model.filter { $0.value.lsn > 2_500 }
    #expect(later.count < model.count)
    #expect(kept.count == later.count)
    for key in keys { #expect(kept[key] == later[key]) }
  }

  /// A table emptied and filled again with as much (as a replay that spills does) fills the
  /// memory it kept, and takes no more.
  @Test func anEmptiedTableFillsTheMemoryItKept() {
    var table = ChangeTable()
    func fill(_ round: Int) {
      for index in 0..<20_000 {
        table.set(
          Array("key-\(round)-\(index)".utf8),
          LocalStore.Entry(
            value: [UInt8](repeating: UInt8(index & 255), count: 100), lsn: UInt64(index + 1),
            timestamp: HybridTimestamp(rawValue: 1)))
      }
      table.set(
        Array("large-\(round)".utf8),
        LocalStore.Entry(value: [UInt8](repeating: 1, count: 700_000), lsn: 1, timestamp: HybridTimestamp(rawValue: 1)))
    }
    fill(0)
    let held = table.heldBytes
    for round in 1...3 {
      table.removeAllKeepingStorage()
      #expect(table.heldBytes < held)  // the large record's own chunk is let go
      fill(round)
      #expect(table.heldBytes == held, "round \(round)")
      #expect(table.count == 20_001 && table[Array("key-\(round)-19999".utf8)]?.value.count == 100)
      #expect(table[Array("key-\(round - 1)-0".utf8)] == nil)
    }
  }

  /// One key written again and again (longer and shorter values in turn, by this node and by a
  /// peer in turn): what the table holds stays near one value, not the sum of every write.
  @Test func rewritingAKeyKeepsMemoryBounded() {
    var table = ChangeTable()
    let key = Array("hot".utf8)
    var last = LocalStore.Entry(value: [], lsn: 0, timestamp: HybridTimestamp(rawValue: 0))
    for step in 0..<100_000 {
      let origin =
        step % 3 == 0 ? Origin(nodeID: "peer", lsn: UInt64(step), timestamp: HybridTimestamp(rawValue: 1)) : nil
      last = LocalStore.Entry(
        value: [UInt8](repeating: UInt8(step & 255), count: step % 2 == 0 ? 1_000 : 500), lsn: UInt64(step + 1),
        timestamp: HybridTimestamp(rawValue: UInt64(step)), origin: origin)
      table.set(key, last)
      // A large value now and then, which gets a chunk of its own.
      if step % 10_000 == 0 {
        table.set(
          Array("big".utf8),
          LocalStore.Entry(
            value: [UInt8](repeating: 1, count: 700_000), lsn: 1, timestamp: HybridTimestamp(rawValue: 0)))
      }
    }
    #expect(table[key] == last)
    #expect(table.count == 2)
    // 100 MB were written; at most 32 MiB left behind are kept before the chunks are rewritten.
    #expect(table.storedBytes < 40 << 20, "\(table.storedBytes) bytes held for two keys")
  }
}
