// The library against GRDB (SQLite through its most used Swift library), side by side in one run:
// random and hot-set gets after a snapshot, the memory a node's keys take, and durable writes by
// one and by eight threads. 16-byte keys, 100-byte values. GRDB's table is a WITHOUT ROWID
// key-value table (one B-tree) in WAL mode with synchronous=FULL (a commit is durable, as a
// durable put is).
//
// Usage: library-bench [--keys N] [--dir DIR] [--smoke]
import Foundation
import GRDB
import Softadastra

var keyCount = 1_000_000
var directory = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
var smoke = false
var arguments = CommandLine.arguments.dropFirst().makeIterator()
var memoryRole: String?
while let argument = arguments.next() {
  switch argument {
  case "--keys": keyCount = Int(arguments.next() ?? "") ?? keyCount
  case "--dir": directory = arguments.next() ?? directory
  case "--smoke":
    smoke = true
    keyCount = 20_000
  case "--memory-of": memoryRole = arguments.next()
  default:
    print("usage: library-bench [--keys N] [--dir DIR] [--smoke]")
    exit(64)
  }
}

func key(_ index: Int) -> [UInt8] {
  let digits = String(index)
  return Array(("key-" + String(repeating: "0", count: 12 - digits.count) + digits).utf8)
}
let value = [UInt8](repeating: UInt8(ascii: "v"), count: 100)

/// The resident set of this process, in bytes.
func residentBytes() -> Int {
  let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
  let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
  return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
  let start = ContinuousClock.now
  try body()
  let elapsed = start.duration(to: .now).components
  return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
}

func openNode(_ walPath: String, loadsStore: Bool = true) throws -> Client {
  var options = ClientOptions.persistent(nodeID: "bench", walPath: walPath)
  options.checkpointBytes = 0
  options.loadsStoreOnOpen = loadsStore
  let client = Client(options)
  try client.open()
  return client
}

func openGRDB(_ path: String) throws -> DatabaseQueue {
  var configuration = Configuration()
  configuration.prepareDatabase { db in
    try db.execute(sql: "PRAGMA journal_mode = WAL")
    try db.execute(sql: "PRAGMA synchronous = FULL")
  }
  return try DatabaseQueue(path: path, configuration: configuration)
}

/// Writes the keys `range` in batches of 10,000 (one commit each).
func fill(_ client: Client, _ range: Range<Int>) throws {
  for start in stride(from: range.lowerBound, to: range.upperBound, by: 10_000) {
    try client.commit((start..<min(start + 10_000, range.upperBound)).map { .put(key: key($0), value: value) })
  }
}

func fill(_ queue: DatabaseQueue, _ range: Range<Int>) throws {
  try queue.write { db in
    try db.execute(sql: "CREATE TABLE IF NOT EXISTS kv (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID")
    let insert = try db.makeStatement(sql: "INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)")
    for index in range { try insert.execute(arguments: [Data(key(index)), Data(value)]) }
  }
}

// A child that only holds a node's keys, for its resident memory (its own process, so that nothing
// else this bench allocated counts).
if let role = memoryRole {
  let before = residentBytes()
  let path = "\(directory)/\(role)"
  if role.hasSuffix(".wal") {
    let client = try openNode(path)
    let after = residentBytes()
    guard try client.get(key(keyCount / 2)) != nil else { exit(1) }
    print(after - before)
    try client.close()
  } else {
    let queue = try openGRDB(path)
    var found = 0
    try queue.read { db in
      let select = try db.makeStatement(sql: "SELECT value FROM kv WHERE key = ?")
      for index in stride(from: 0, to: keyCount, by: 97) {
        if try Data.fetchOne(select, arguments: [Data(key(index))]) != nil { found += 1 }
      }
    }
    print(residentBytes() - before)
    exit(found > 0 ? 0 : 1)
  }
  exit(0)
}

let scratch = "\(directory)/library-bench-\(getpid())"
try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: scratch) }

func ratio(_ value: Double) -> String { String(format: "%.2fx", value) }
func rate(_ operations: Int, _ seconds: Double) -> Double { Double(operations) / seconds }
func formatted(_ value: Double) -> String { String(Int(value.rounded())) }

// 1. Gets after a snapshot: the node's keys are all in its snapshot (none in its log), and SQLite's
// are all in its database file; each is opened again, then read at random, one read per get. A
// second node has a tenth of its keys changed since, saved as a delta snapshot over the full one
// (a get reads the delta, then the full snapshot when the delta lacks the key).
let snapshotWAL = "\(scratch)/snapshotted.wal"
let deltaWAL = "\(scratch)/delta.wal"
let sqlitePath = "\(scratch)/grdb.sqlite"
do {
  let client = try openNode(snapshotWAL)
  try fill(client, 0..<keyCount)
  _ = try client.checkpoint()
  try client.close()
  let delta = try openNode(deltaWAL)
  try fill(delta, 0..<keyCount)
  _ = try delta.checkpoint()
  for start in stride(from: 0, to: keyCount, by: 100_000) {
    try delta.commit(
      stride(from: start, to: min(start + 100_000, keyCount), by: 10).map { .put(key: key($0), value: value) })
  }
  guard try delta.checkpoint()?.snapshot.baseLSN != nil else { fatalError("no delta") }
  try delta.close()
  let queue = try openGRDB(sqlitePath)
  try fill(queue, 0..<keyCount)
  try queue.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
}

var random = SystemRandomNumberGenerator()
let coldGets = smoke ? 2_000 : 20_000
let randomKeys = (0..<coldGets * 5).map { _ in key(Int.random(in: 0..<keyCount, using: &random)) }
let hotKeys = (0..<1_000).map { _ in key(Int.random(in: 0..<keyCount, using: &random)) }
let hotRounds = smoke ? 20 : 1_000

print("| gets, \(keyCount) keys after a snapshot | softadastra gets/s | GRDB gets/s | softadastra / GRDB |")
print("|---|---|---|---|")
for round in 0..<2 {
  for (variant, walPath) in [("", snapshotWAL), (", a tenth in a delta", deltaWAL)] {
    let client = try openNode(walPath, loadsStore: false)
    let queue = try openGRDB(sqlitePath)
    let select = "SELECT value FROM kv WHERE key = ?"
    func grdbGet(_ key: [UInt8]) throws -> Data? {
      try queue.read { db in try Data.fetchOne(db.cachedStatement(sql: select), arguments: [Data(key)]) }
    }
    var rows: [(String, Double, Double)] = []
    // Cold: the first gets after opening (the OS has the files in its page cache).
    let coldKeys = randomKeys[0..<coldGets]
    let nodeCold = try seconds { for key in coldKeys { guard try client.get(key) != nil else { fatalError() } } }
    let grdbCold = try seconds { for key in coldKeys { guard try grdbGet(key) != nil else { fatalError() } } }
    rows.append(("random, the first \(coldGets) after opening\(variant)", nodeCold, grdbCold))
    let warmKeys = randomKeys[coldGets...]
    let nodeWarm = try seconds { for key in warmKeys { guard try client.get(key) != nil else { fatalError() } } }
    let grdbWarm = try seconds { for key in warmKeys { guard try grdbGet(key) != nil else { fatalError() } } }
    rows.append(("random, the next \(warmKeys.count)\(variant)", nodeWarm, grdbWarm))
    let nodeHot = try seconds {
      for _ in 0..<hotRounds { for key in hotKeys { guard try client.get(key) != nil else { fatalError() } } }
    }
    let grdbHot = try seconds {
      for _ in 0..<hotRounds { for key in hotKeys { guard try grdbGet(key) != nil else { fatalError() } } }
    }
    rows.append(("hot set of 1,000 keys, \(hotRounds * 1_000) gets\(variant)", nodeHot, grdbHot))
    for (name, node, grdb) in rows {
      let count =
        name.hasPrefix("hot") ? hotRounds * 1_000 : name.contains("first") ? coldGets : warmKeys.count
      print(
        "| \(name) (round \(round + 1)) | \(formatted(rate(count, node))) | \(formatted(rate(count, grdb))) | \(ratio(grdb / node)) |"
      )
    }
    try client.close()
  }
}

// 2. Memory: a node whose keys are all in its log (no snapshot yet) holds them in memory; SQLite
// holds its page cache. Each in a process of its own.
let tailWAL = "\(scratch)/tail.wal"
do {
  let client = try openNode(tailWAL)
  try fill(client, 0..<keyCount)
  try client.close()
}
func childMemory(_ name: String) throws -> Int {
  let child = Process()
  child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
  child.arguments = ["--keys", String(keys), "--dir", scratch, "--memory-of", name]
  let pipe = Pipe()
  child.standardOutput = pipe
  try child.run()
  let output = pipe.fileHandleForReading.readDataToEndOfFile()
  child.waitUntilExit()
  guard child.terminationStatus == 0 else { fatalError("the memory child for \(name) failed") }
  return Int(String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
}
let keys = keyCount
let rawBytes = keys * (16 + 100)
let tailMemory = try childMemory("tail.wal")
let grdbMemory = try childMemory("grdb.sqlite")
print()
print("| memory, \(keyCount) keys (\(rawBytes / 1_000_000) MB of keys and values) | bytes | per key | vs raw |")
print("|---|---|---|---|")
print(
  "| softadastra, every key in the log's tail (in memory) | \(tailMemory) | \(tailMemory / keyCount) | \(ratio(Double(tailMemory) / Double(rawBytes))) |"
)
print(
  "| GRDB, after reading every 97th key | \(grdbMemory) | \(grdbMemory / keyCount) | \(ratio(Double(grdbMemory) / Double(rawBytes))) |"
)

// 3. Durable writes, one per commit, by 1 and by 8 threads at once: a `Node` shares one sync among
// the writes that arrive together (group commit); SQLite serialises its writers.
let writes = smoke ? 200 : 2_000
func threads(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) -> Double {
  seconds {
    let group = DispatchGroup()
    for thread in 0..<count {
      group.enter()
      Thread {
        do { try body(thread) } catch { fatalError("\(error)") }
        group.leave()
      }.start()
    }
    group.wait()
  }
}
let node = try Node(.persistent(nodeID: "bench", walPath: "\(scratch)/writers.wal"))
let grdbWriters = try openGRDB("\(scratch)/writers.sqlite")
try grdbWriters.write { db in
  try db.execute(sql: "CREATE TABLE kv (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID")
}
print()
print("| durable writes, one per commit | softadastra puts/s | GRDB puts/s | softadastra / GRDB |")
print("|---|---|---|---|")
for threadCount in [1, 8] {
  let perThread = writes / threadCount
  let nodeTime = threads(threadCount) { thread in
    for index in 0..<perThread { try node.put(key(thread * 1_000_000 + index), value) }
  }
  let grdbTime = threads(threadCount) { thread in
    for index in 0..<perThread {
      try grdbWriters.write { db in
        try db.execute(
          sql: "INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)",
          arguments: [Data(key(thread * 1_000_000 + index)), Data(value)])
      }
    }
  }
  let total = perThread * threadCount
  print(
    "| \(threadCount) thread\(threadCount == 1 ? "" : "s") | \(formatted(rate(total, nodeTime))) | \(formatted(rate(total, grdbTime))) | \(ratio(grdbTime / nodeTime)) |"
  )
}
try node.close()
