// Library-level write throughput, without process starts: durable puts with one fdatasync each,
// group commit, and unsynced puts, against the raw fdatasync rate of the same disk measured in
// the same run; then the latency of durable commits while another process checkpoints the node,
// and of two processes taking turns (each writes, then waits to read the other's write), each at
// two sizes. Usage: swift run -c release softadastra-bench [--count N] [--dir DIR] [--smoke]
import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

func measure(_ operations: Int, _ body: () throws -> Void) rethrows -> Double {
  let start = ContinuousClock.now
  try body()
  return Double(operations) / start.duration(to: .now).seconds
}

var count = 2000
var checkpointSizes = [200_000, 1_000_000]
var turns = 2_000
var directory = FileSystem.temporaryDirectory
/// A client of the node at `walPath` that syncs each commit and never checkpoints by itself.
func openNode(_ walPath: String) throws -> Client {
  var options = ClientOptions.persistent(nodeID: "bench", walPath: walPath)
  options.checkpointBytes = 0
  let client = Client(options)
  try client.open()
  return client
}

/// Waits until `key` has a value, reading it again every 20 µs.
func awaitKey(_ client: Client, _ key: String) throws {
  while try client.get(key) == nil { usleep(20) }
}

// The other side of the turns (section 6), started by this same program.
if CommandLine.arguments.count == 4, CommandLine.arguments[1] == "--take-turns-with" {
  let node = try openNode(CommandLine.arguments[2])
  try node.put("ready", "x")
  for turn in 0..<(Int(CommandLine.arguments[3]) ?? 0) {
    try awaitKey(node, "ping/\(turn)")
    try node.put("pong/\(turn)", "x")
  }
  try node.close()
  exit(0)
}

var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
  switch argument {
  case "--count": count = Int(arguments.next() ?? "") ?? count
  case "--dir": directory = arguments.next() ?? directory
  case "--smoke":
    count = 50
    checkpointSizes = [2_000, 4_000]
    turns = 50
  default:
    print("usage: softadastra-bench [--count N] [--dir DIR] [--smoke]")
    exit(64)
  }
}

let scratch = try FileSystem.makeTemporaryDirectory(in: directory, prefix: "softadastra-bench-")
let value = Array(repeating: UInt8(ascii: "v"), count: 100)
func key(_ index: Int) -> [UInt8] {
  let digits = String(index)
  return Array(("key-" + String(repeating: "0", count: 12 - digits.count) + digits).utf8)
}

func client(_ name: String, autoFlush: Bool) throws -> Client {
  var options = ClientOptions.persistent(nodeID: "bench", walPath: "\(scratch)/\(name).wal")
  options.autoFlush = autoFlush
  options.checkpointBytes = 0
  let client = Client(options)
  try client.open()
  return client
}

// 1 and 2. The disk (append a record-sized write and fdatasync it, as the WAL does) and durable
// puts (one record and one fdatasync each), in alternating rounds so that both meet the same
// moments of a noisy disk.
let raw = try SystemFile.createExclusive(scratch + "/raw")
var offset: UInt64 = 0
let durable = try client("durable", autoFlush: true)
// The raw write is as long as one put's record in the WAL.
let emptyLog = try durable.walSummary()!.fileSize
try durable.put(key(count), value)
let record = [UInt8](repeating: 0x5A, count: Int(try durable.walSummary()!.fileSize - emptyLog))
let rounds = 10
var (rawTime, durableTime) = (Duration.zero, Duration.zero)
for round in 0..<rounds {
  let perRound = count / rounds
  var start = ContinuousClock.now
  for _ in 0..<perRound {
    try raw.write(record, at: offset)
    offset += UInt64(record.count)
    try raw.syncData()
  }
  rawTime += start.duration(to: .now)
  start = ContinuousClock.now
  for index in (round * perRound)..<((round + 1) * perRound) { try durable.put(key(index), value) }
  durableTime += start.duration(to: .now)
}
try durable.close()
let rawRate = Double(count / rounds * rounds) / rawTime.seconds
let durableRate = Double(count / rounds * rounds) / durableTime.seconds

// 3. Group commit: 100 puts per atomic batch, one fdatasync per batch.
let grouped = try client("grouped", autoFlush: true)
let groupSize = 100
let groupRate = try measure(count * 10) {
  for batch in 0..<(count * 10 / groupSize) {
    try grouped.commit((0..<groupSize).map { .put(key: key(batch * groupSize + $0), value: value) })
  }
}
try grouped.close()

// 4. Unsynced puts (autoFlush off): what the WAL costs without the disk's flush.
let unsynced = try client("unsynced", autoFlush: false)
let unsyncedRate = try measure(count * 10) { for index in 0..<(count * 10) { try unsynced.put(key(index), value) } }
try unsynced.close()

func rate(_ value: Double) -> String { String(Int(value.rounded())) }
print("| workload (16-byte keys, 100-byte values) | operations/s | vs raw fdatasync |")
print("|---|---|---|")
print("| raw append + fdatasync of a \(record.count)-byte record | \(rate(rawRate)) | 1.00x |")
print("| durable put (one fdatasync each) | \(rate(durableRate)) | \(RecordRatio.text(durableRate / rawRate)) |")
print(
  "| group commit, \(groupSize) puts per batch (puts/s) | \(rate(groupRate)) | \(RecordRatio.text(groupRate / rawRate)) |"
)
print("| unsynced put (autoFlush off) | \(rate(unsyncedRate)) | \(RecordRatio.text(unsyncedRate / rawRate)) |")

// 5. Durable puts through a `Node` by 1 and by 8 threads at once: group commit shares the syncs.
func nodePutRate(threads: Int, puts: Int) throws -> Double {
  let path = "\(scratch)/node-\(threads).wal"
  FileSystem.removeFile(path)
  let node = try Node(.persistent(nodeID: "bench", walPath: path))
  let start = ContinuousClock.now
  let workers = try (0..<threads).map { thread in
    try NativeThread { for index in 0..<(puts / threads) { try? node.put("t\(thread)/\(index)", "v") } }
  }
  workers.forEach { $0.join() }
  let rate = Double(puts / threads * threads) / start.duration(to: .now).seconds
  try node.close()
  return rate
}
// In alternating rounds, as for the raw rate: both meet the same moments of the disk.
var (single, eight) = (0.0, 0.0)
for _ in 0..<5 {
  single += try nodePutRate(threads: 1, puts: count / 5) / 5
  eight += try nodePutRate(threads: 8, puts: count * 4 / 5) / 5
}
print()
print("| durable puts through a Node | puts/s | vs one thread |")
print("|---|---|---|")
print("| 1 thread | \(rate(single)) | 1.00x |")
print("| 8 threads at once (group commit) | \(rate(eight)) | \(RecordRatio.text(eight / single)) |")

// 6. Commit latency while another process checkpoints the node (`softadastra snapshot`, the
// binary beside this one): durable puts in a loop, each one timed, before and during the checkpoint.
/// The median, 99th percentile and maximum of `samples`, as table cells.
func percentiles(_ samples: [Duration]) -> String {
  let sorted = samples.sorted()
  func milliseconds(_ duration: Duration) -> String { RecordRatio.text(duration.seconds * 1000).dropLast() + " ms" }
  let p99 = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
  return "\(milliseconds(sorted[sorted.count / 2])) | \(milliseconds(p99)) | \(milliseconds(sorted.last!))"
}

/// Starts `arguments` (the first is the program), its standard output discarded, and returns its
/// process id.
func spawn(_ arguments: [String]) -> pid_t {
  var pid: pid_t = 0
  let argv = arguments.map { strdup($0) } + [nil]
  defer { argv.forEach { free($0) } }
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
  guard posix_spawn(&pid, arguments[0], &actions, nil, argv, environ) == 0 else {
    print("cannot start \(arguments[0])")
    exit(69)
  }
  return pid
}

func timedPut(_ client: Client, _ index: Int) throws -> Duration {
  let start = ContinuousClock.now
  try client.put(key(index), value)
  return start.duration(to: .now)
}

let binary = String(CommandLine.arguments[0].reversed().drop { $0 != "/" }.reversed()) + "softadastra"
print()
print("| keys in the log when the checkpoint starts | commits | p50 | p99 | max | checkpoint |")
print("|---|---|---|---|---|---|")
for keys in checkpointSizes {
  let node = try client("checkpointed-\(keys)", autoFlush: true)
  for batch in stride(from: 0, to: keys, by: 10_000) {
    try node.commit((batch..<min(keys, batch + 10_000)).map { .put(key: key($0), value: value) })
  }
  var idle: [Duration] = []
  for index in 0..<200 { idle.append(try timedPut(node, index)) }
  let started = ContinuousClock.now
  let pid = spawn([binary, "snapshot", "--wal", "\(scratch)/checkpointed-\(keys).wal", "--node-id", "bench"])
  var during: [Duration] = []
  var status: Int32 = 0
  var index = 0
  while waitpid(pid, &status, WNOHANG) == 0 {
    during.append(try timedPut(node, index))
    index += 1
  }
  let checkpoint = started.duration(to: .now)
  guard status == 0, !during.isEmpty else {
    print("the snapshot process failed (status \(status)) or ended before a commit")
    exit(70)
  }
  try node.close()
  print("| \(keys), no checkpoint running | \(idle.count) | \(percentiles(idle)) | |")
  print(
    "| \(keys), during the checkpoint | \(during.count) | \(percentiles(during)) | \(RecordRatio.text(checkpoint.seconds).dropLast()) s |"
  )
}

// 7. Two processes take turns on one node: this one puts ping/N, the other waits until it reads
// it and puts pong/N, this one waits until it reads that. Each turn is two durable commits, each
// process catching up with the other's before its commit and before its read.
print()
print("| keys in the node | turns | turns/s | p50 turn | p99 turn | max turn |")
print("|---|---|---|---|---|---|")
for keys in [checkpointSizes[0] / 100, checkpointSizes[0]] {
  let walPath = "\(scratch)/turns-\(keys).wal"
  let node = try openNode(walPath)
  for batch in stride(from: 0, to: keys, by: 10_000) {
    try node.commit((batch..<min(keys, batch + 10_000)).map { .put(key: key($0), value: value) })
  }
  let other = spawn([CommandLine.arguments[0], "--take-turns-with", walPath, String(turns)])
  try awaitKey(node, "ready")  // the other process has loaded the node
  var samples: [Duration] = []
  let started = ContinuousClock.now
  for turn in 0..<turns {
    let start = ContinuousClock.now
    try node.put("ping/\(turn)", "x")
    try awaitKey(node, "pong/\(turn)")
    samples.append(start.duration(to: .now))
  }
  let elapsed = started.duration(to: .now)
  var status: Int32 = 0
  waitpid(other, &status, 0)
  try node.close()
  guard status == 0 else {
    print("the other process failed (status \(status))")
    exit(70)
  }
  print("| \(keys) | \(turns) | \(rate(Double(turns) / elapsed.seconds)) | \(percentiles(samples)) |")
}

FileSystem.removeFlatDirectory(scratch)

extension Duration {
  var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

enum RecordRatio {
  static func text(_ ratio: Double) -> String {
    let hundredths = Int((ratio * 100).rounded())
    return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)x"
  }
}
