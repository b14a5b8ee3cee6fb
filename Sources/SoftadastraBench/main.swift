// Library-level write throughput, without process starts: durable puts with one fdatasync each,
// group commit, and unsynced puts, against the raw fdatasync rate of the same disk measured in
// the same run; then the latency of durable commits while another process checkpoints the node,
// at two sizes. Usage: swift run -c release softadastra-bench [--count N] [--dir DIR] [--smoke]
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
var directory = FileSystem.temporaryDirectory
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
  switch argument {
  case "--count": count = Int(arguments.next() ?? "") ?? count
  case "--dir": directory = arguments.next() ?? directory
  case "--smoke":
    count = 50
    checkpointSizes = [2_000, 4_000]
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

// 1. The disk: append a record-sized write and fdatasync it, as the WAL does.
let raw = try SystemFile.createExclusive(scratch + "/raw")
var offset: UInt64 = 0
let record = [UInt8](repeating: 0x5A, count: 146)
let rawRate = try measure(count) {
  for _ in 0..<count {
    try raw.write(record, at: offset)
    offset += UInt64(record.count)
    try raw.syncData()
  }
}

func client(_ name: String, autoFlush: Bool) throws -> Client {
  var options = ClientOptions.persistent(nodeID: "bench", walPath: "\(scratch)/\(name).wal")
  options.autoFlush = autoFlush
  options.checkpointBytes = 0
  let client = Client(options)
  try client.open()
  return client
}

// 2. Durable puts: one record and one fdatasync each.
let durable = try client("durable", autoFlush: true)
let durableRate = try measure(count) { for index in 0..<count { try durable.put(key(index), value) } }
try durable.close()

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
print("| raw append + fdatasync of a 146-byte record | \(rate(rawRate)) | 1.00x |")
print("| durable put (one fdatasync each) | \(rate(durableRate)) | \(RecordRatio.text(durableRate / rawRate)) |")
print(
  "| group commit, \(groupSize) puts per batch (puts/s) | \(rate(groupRate)) | \(RecordRatio.text(groupRate / rawRate)) |"
)
print("| unsynced put (autoFlush off) | \(rate(unsyncedRate)) | \(RecordRatio.text(unsyncedRate / rawRate)) |")

// 5. Commit latency while another process checkpoints the node (`softadastra snapshot`, the
// binary beside this one): durable puts in a loop, each one timed, before and during the checkpoint.
func percentiles(_ samples: [Duration]) -> String {
  let sorted = samples.sorted()
  func milliseconds(_ duration: Duration) -> String { RecordRatio.text(duration.seconds * 1000).dropLast() + " ms" }
  let p50 = sorted[sorted.count / 2]
  let p99 = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
  return "\(sorted.count) | \(milliseconds(p50)) | \(milliseconds(p99)) | \(milliseconds(sorted.last!))"
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
  var pid: pid_t = 0
  let arguments = [binary, "snapshot", "--wal", "\(scratch)/checkpointed-\(keys).wal", "--node-id", "bench"]
  let argv = arguments.map { strdup($0) } + [nil]
  let started = ContinuousClock.now
  guard posix_spawn(&pid, binary, nil, nil, argv, environ) == 0 else {
    print("cannot start \(binary)")
    exit(69)
  }
  argv.forEach { free($0) }
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
  print("| \(keys), no checkpoint running | \(percentiles(idle)) | |")
  print(
    "| \(keys), during the checkpoint | \(percentiles(during)) | \(RecordRatio.text(checkpoint.seconds).dropLast()) s |"
  )
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
