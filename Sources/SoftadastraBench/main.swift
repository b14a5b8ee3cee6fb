// Library-level write throughput, without process starts: durable puts with one fdatasync each,
// group commit, and unsynced puts, against the raw fdatasync rate of the same disk measured in
// the same run. Usage: swift run -c release softadastra-bench [--count N] [--dir DIR] [--smoke]
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
var directory = FileSystem.temporaryDirectory
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
  switch argument {
  case "--count": count = Int(arguments.next() ?? "") ?? count
  case "--dir": directory = arguments.next() ?? directory
  case "--smoke": count = 50
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

FileSystem.removeFlatDirectory(scratch)

enum RecordRatio {
  static func text(_ ratio: Double) -> String {
    let hundredths = Int((ratio * 100).rounded())
    return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)x"
  }
}
