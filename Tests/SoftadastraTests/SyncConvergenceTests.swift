import Foundation
import SoftadastraTestSupport
import Testing

@testable import Softadastra

/// Nodes that write clashing keys offline and exchange bundles in random orders (duplicated,
/// reordered, lost and cut-short bundles, restarts and checkpoints between steps) must all end
/// with the same state: for every key, the write with the highest version anywhere.
@Suite struct SyncConvergenceTests {
  /// A node under test: its options (to reopen it) and its open client.
  final class Node {
    let id: String
    let options: ClientOptions
    var client: Client

    init(id: String, directory: TemporaryDirectory) throws {
      self.id = id
      try FileManager.default.createDirectory(atPath: directory.file(id), withIntermediateDirectories: true)
      var options = ClientOptions.persistent(nodeID: id, walPath: directory.file("\(id)/\(id).wal"))
      options.autoFlush = false  // durability is tested elsewhere; close() syncs before restarts
      options.checkpointBytes = 6_000  // checkpoints (and tombstone compaction) happen often
      self.options = options
      client = Client(options)
      try client.open()
    }

    func restart() throws {
      try client.close()
      client = Client(options)
      try client.open()
    }
  }

  /// The winning write of each key over every write made anywhere.
  struct Model {
    var winners: [String: (version: WriteVersion, value: String?)] = [:]

    /// Records the write just made on `node`, whose key held the write `before` there.
    mutating func note(_ key: String, value: String?, on node: Node, before: WriteVersion?) throws {
      let version = try #require(try node.client.writeVersion(of: Array(key.utf8)))
      if let before { #expect(version > before, "a local write must win over everything its node has seen") }
      if let current = winners[key], current.version > version { return }
      winners[key] = (version, value)
    }

    var expected: [String: String] { winners.compactMapValues(\.value) }
  }

  /// A bundle on its way, as bytes.
  struct Envelope {
    var recipient: String
    var bytes: [UInt8]
  }

  static func seed() -> UInt64 {
    ProcessInfo.processInfo.environment["SOFTADASTRA_SYNC_SEED"].flatMap { UInt64($0) }
      ?? UInt64.random(in: 1...UInt64.max)
  }

  @Test(arguments: [3, 4, 5])
  func randomExchangesConverge(nodeCount: Int) throws {
    let seed = Self.seed() &+ UInt64(nodeCount)
    print(
      "SyncConvergenceTests: \(nodeCount) nodes, seed \(seed) (rerun with SOFTADASTRA_SYNC_SEED=\(seed &- UInt64(nodeCount)))"
    )
    let context = Comment(rawValue: "seed \(seed), \(nodeCount) nodes")
    func note(_ text: String) -> Comment { Comment(rawValue: "\(text) (seed \(seed), \(nodeCount) nodes)") }
    var random = SplitMix64(seed: seed)
    let directory = TemporaryDirectory("sync-converge")
    let nodes = try (0..<nodeCount).map { try Node(id: "node-\($0)", directory: directory) }
    var model = Model()
    var inFlight: [Envelope] = []
    var stats = (writes: 0, exports: 0, deliveries: 0, refused: 0, cut: 0, restarts: 0)

    for _ in 0..<4_000 {
      let node = nodes[Int(random.next() % UInt64(nodeCount))]
      switch random.next() % 100 {
      case 0..<62:
        let key = "k\(random.next() % 24)"
        let before = try node.client.writeVersion(of: Array(key.utf8))
        if random.next() % 3 == 0 {
          try node.client.remove(key)
          try model.note(key, value: nil, on: node, before: before)
        } else {
          let value = "\(node.id):\(random.next() % 1_000_000)"
          try node.client.put(key, value)
          try model.note(key, value: value, on: node, before: before)
        }
        stats.writes += 1
      case 62..<80:
        var peer = nodes[Int(random.next() % UInt64(nodeCount))]
        if peer === node { peer = nodes[(nodes.firstIndex { $0 === node }! + 1) % nodeCount] }
        let bundle = try node.client.makeSyncBundle(for: peer.id, fullState: random.next() % 20 == 0)
        // One bundle in ten is lost.
        if random.next() % 10 != 0 { inFlight.append(Envelope(recipient: peer.id, bytes: try bundle.encoded())) }
        stats.exports += 1
      case 80..<96:
        guard !inFlight.isEmpty else { continue }
        let index = Int(random.next() % UInt64(inFlight.count))
        let envelope = random.next() % 3 == 0 ? inFlight[index] : inFlight.remove(at: index)  // duplicated or not
        let recipient = nodes.first { $0.id == envelope.recipient }!
        if random.next() % 8 == 0 {
          // Cut short in transit: refused whole, and nothing changes.
          let before = try recipient.client.textEntries()
          let cut = Array(envelope.bytes.prefix(Int(random.next() % UInt64(envelope.bytes.count))))
          #expect(throws: SoftadastraError.self, context) { try SyncBundle.decode(cut, source: "cut") }
          #expect(try recipient.client.textEntries() == before, context)
          stats.cut += 1
          continue
        }
        do {
          try recipient.client.applySyncBundle(try SyncBundle.decode(envelope.bytes, source: "bundle"))
          stats.deliveries += 1
        } catch {
          // A bundle overtaken by newer acknowledgements is refused whole; the next exchange covers it.
          guard (error as SoftadastraError?)?.kind == .malformedInput else { throw error }
          stats.refused += 1
        }
      default:
        try node.restart()
        stats.restarts += 1
      }
    }

    // Quiesce: every pair exchanges until nothing is left to send.
    for _ in 0..<3 {
      for sender in nodes {
        for recipient in nodes where recipient !== sender {
          let bundle = try sender.client.makeSyncBundle(for: recipient.id)
          try recipient.client.applySyncBundle(try SyncBundle.decode(bundle.encoded(), source: "bundle"))
        }
      }
    }
    let expected = model.expected
    for node in nodes {
      #expect(try node.client.textEntries() == expected, note("\(node.id) diverged"))
      try node.restart()
      #expect(try node.client.textEntries() == expected, note("\(node.id) after a restart"))
      let state = try node.client.syncState()
      #expect(state.peers.count == nodeCount - 1, context)
      #expect(state.outboxSize == 0 && state.queuedCount == 0 && state.inFlightCount == 0, note("\(state)"))
    }
    print("SyncConvergenceTests: \(stats), \(expected.count) keys agree on \(nodeCount) nodes")
    #expect(stats.deliveries > 100 && stats.restarts > 20, note("the run exercised too little: \(stats)"))
  }
}
