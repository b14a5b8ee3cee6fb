// libFuzzer target that drives whole operations, as the commands run them, over CRC-valid logs
// built from the input: the input chooses the header's first LSN and each record's LSN, clock,
// type, batch position, key, value and origin, with a strong pull towards 0, 1, max − 1 and max
// (random bytes would almost never pass a CRC). Each log is then verified, recovered, read,
// replayed, salvaged (dry run), written to, checkpointed, backed up, verified as an archive,
// restored and exported as a sync bundle. Built by scripts/fuzz.sh into one module with
// Sources/Softadastra and Sources/SoftadastraWAL. An error is an answer; a crash, a hang or a
// sanitizer report is a bug: keep the input as a regression test.

#if canImport(Glibc)
  import Glibc
#endif

/// Reads choices from the fuzzer's bytes; past the end, every choice is 0.
struct Choices {
  var bytes: UnsafeRawBufferPointer
  var position = 0

  mutating func byte() -> UInt8 {
    guard position < bytes.count else { return 0 }
    defer { position += 1 }
    return bytes[position]
  }

  /// A 64-bit value, at one of the edges most of the time.
  mutating func edgy(_ near: UInt64 = 1) -> UInt64 {
    switch byte() % 10 {
    case 0: return 0
    case 1: return 1
    case 2: return UInt64.max
    case 3: return UInt64.max - 1
    case 4: return UInt64(Int64.max)
    case 5: return UInt64(Int64.max) - 1
    case 6: return UInt64(Int64.max) + 1
    case 7: return near &+ UInt64(byte() % 4)
    default:
      var value: UInt64 = 0
      for _ in 0..<8 { value = value << 8 | UInt64(byte()) }
      return value
    }
  }

  mutating func text(maximum: Int) -> [UInt8] {
    let length = Int(byte()) % (maximum + 1)
    return (0..<length).map { _ in byte() }
  }
}

/// A scratch directory for this process, emptied before each input.
let scratch: String = {
  var template = Array("/tmp/softadastra-fuzz-XXXXXX".utf8CString)
  return String(cString: mkdtemp(&template)!)
}()

func removeContents(of directory: String) {
  for name in FileSystem.names(in: directory) ?? [] {
    let path = "\(directory)/\(name)"
    if FileSystem.isDirectory(path) {
      removeContents(of: path)
      _ = FileSystem.removeEmptyDirectory(path)
    } else {
      FileSystem.removeFile(path)
    }
  }
}

/// A log of node-a from the choices: a valid header and records with valid CRCs.
func makeLog(_ choices: inout Choices) -> [UInt8] {
  let firstLSN = choices.edgy()
  let header = WALHeader(
    nodeID: "node-a", createdMilliseconds: 0, firstLSN: firstLSN, continuesSnapshot: choices.byte() % 8 == 0)
  var bytes = header.encoded()
  var seed = header.checksum
  var lsn = firstLSN
  var clock = choices.edgy(1 << 40)
  let count = Int(choices.byte() % 12)
  for _ in 0..<count {
    // Mostly in sequence, sometimes anywhere.
    if choices.byte() % 6 == 0 { lsn = choices.edgy(lsn) }
    if choices.byte() % 4 == 0 { clock = choices.edgy(clock) } else { clock = clock &+ 1 }
    let batch: WALRecord.BatchPosition = [.single, .single, .single, .first, .middle, .last][Int(choices.byte() % 6)]
    let key = [0x6B] + choices.text(maximum: 6)
    let body: WALRecord.Body
    switch choices.byte() % 8 {
    case 0: body = .operation(.delete(key: key), origin: nil)
    case 1: body = .lostRange(count: choices.edgy(), offset: choices.edgy(), bytes: choices.edgy())
    case 2: body = .tailRepairNote(offset: choices.edgy(), bytes: choices.edgy())
    case 3:
      body = .operation(
        .put(key: key, value: choices.text(maximum: 8)),
        origin: Origin(
          nodeID: choices.byte() % 2 == 0 ? "peer" : "node-a", lsn: choices.edgy(),
          timestamp: HybridTimestamp(rawValue: choices.edgy(clock))))
    case 4: body = .syncTable(payload: choices.text(maximum: 40))
    default: body = .operation(.put(key: key, value: choices.text(maximum: 8)), origin: nil)
    }
    let record = WALRecord(lsn: lsn, timestamp: HybridTimestamp(rawValue: clock), batch: batch, body: body)
    seed = RecordEncoder.append(record, seed: seed, to: &bytes)
    lsn = record.nextLSN
  }
  // Sometimes a torn tail or a flipped byte after the records.
  switch choices.byte() % 6 {
  case 0: bytes += choices.text(maximum: 40)
  case 1 where bytes.count > header.size: bytes[header.size + Int(choices.byte()) % (bytes.count - header.size)] ^= 0x10
  default: break
  }
  return bytes
}

/// Runs `body`, for which an error is a fine answer.
func attempt(_ body: () throws -> Void) {
  do { try body() } catch {}
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNodeCommands(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  var choices = Choices(bytes: UnsafeRawBufferPointer(start: data, count: size))
  removeContents(of: scratch)
  let walPath = "\(scratch)/node-a.wal"
  let file = try! SystemFile.createExclusive(walPath)
  try! file.write(makeLog(&choices), at: 0)
  file.close()
  let level = Int(choices.byte() % 10)

  // The reading commands: verify, status and store reads, dump by replay, salvage (dry run).
  attempt { _ = try WALVerifier.verify(path: walPath) }
  attempt { _ = try NodeRecovery.recover(walPath: walPath, nodeID: "node-a") }
  attempt {
    var options = ClientOptions.persistent(nodeID: "node-a", walPath: walPath)
    options.readOnly = true
    let reader = Client(options)
    try reader.open()
    _ = try reader.entries()
    _ = try reader.syncState()
    try reader.close()
  }
  for policy in RecoveryPolicy.allCases {
    attempt { _ = try Replayer.replay(path: walPath, policy: policy, target: ReplayTarget(lsn: choices.edgy())) }
  }
  attempt { _ = try WALRepair.repair(path: walPath, salvage: true, dryRun: true, lockTimeout: 0) }

  // The writing commands: a put, a sync export, a checkpoint; then a backup, its check, a restore.
  attempt {
    var options = ClientOptions.persistent(nodeID: "node-a", walPath: walPath)
    options.lockTimeout = 0
    options.checkpointBytes = 0
    let writer = Client(options)
    try writer.open()
    try writer.put([0x6E], [0x76])
    let bundle = try writer.makeSyncBundle(for: "peer", fullState: choices.byte() % 2 == 0)
    precondition((try? SyncBundle.decode(bundle.encoded(), source: "again")) == bundle, "bundle does not round-trip")
    try writer.checkpoint(level: level)
    try writer.close()
  }
  let archivePath = "\(scratch)/node.sdbackup"
  attempt {
    _ = try BackupWriter.write(walPath: walPath, to: try SystemFile.createExclusive(archivePath), toolVersion: "fuzz")
  }
  if FileSystem.exists(archivePath) {
    attempt { _ = try BackupArchive.verify(path: archivePath, scratchParent: scratch) }
    attempt {
      let archive = try BackupArchive(path: archivePath)
      _ = try Restore.run(
        archive: archive, walPath: "\(scratch)/restored/node-a.wal", nodeID: "node-a",
        target: ReplayTarget(lsn: choices.edgy()))
    }
  }
  return 0
}
