import Foundation
import SoftadastraTestSupport
import Testing

@testable import Softadastra

/// Listing a node's entries: a snapshot merged with the changes after it, by prefix, stopping
/// where the caller asks, against a dictionary of what was written.
@Suite struct EntryIterationTests {
  @Test(arguments: [1 as UInt64, 2, 3, 4])
  func listingsMatchWhatWasWrittenAndStopWhereAsked(seed: UInt64) throws {
    let directory = TemporaryDirectory()
    let wal = directory.file("node-a.wal")
    let client = try BackupRestoreTests.client(wal)
    var random = SplitMix64(seed: seed)
    var model: [String: String] = [:]
    func writeSome() throws {
      for _ in 0..<40 {
        let key = "\(random.next() % 2 == 0 ? "k" : "j")/\(String(format: "%03d", random.next() % 300))"
        let operations: [StoreOperation] = (0..<50).map { index in
          let key = index == 0 ? key : "\(key.prefix(2))\(String(format: "%03d", random.next() % 300))"
          if random.next() % 4 == 0 {
            model[key] = nil
            return .delete(key: Array(key.utf8))
          }
          let value = "v\(random.next() % 1_000)"
          model[key] = value
          return .put(key: Array(key.utf8), value: Array(value.utf8))
        }
        try client.commit(operations)
      }
    }
    try writeSome()
    try client.checkpoint()
    try writeSome()  // changes over the snapshot: new keys, new values, deletes
    for prefix in ["", "k/", "j/1", "k/29", "x"] {
      let expected = model.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key < $1.key }.map {
        "\($0.key)=\($0.value)"
      }
      func list(stoppingAfter limit: Int) throws -> [String] {
        var listed: [String] = []
        try client.forEachEntry(prefix: Array(prefix.utf8)) { key, value in
          listed.append("\(String(decoding: key, as: UTF8.self))=\(value.string ?? "")")
          return listed.count < limit
        }
        return listed
      }
      #expect(try list(stoppingAfter: .max) == expected, "prefix \(prefix)")
      for limit in Set([1, 2, expected.count / 2, expected.count - 1, expected.count]) where limit > 0 {
        #expect(try list(stoppingAfter: limit) == Array(expected.prefix(limit)), "prefix \(prefix), \(limit) entries")
      }
    }
    try client.close()
  }
}
