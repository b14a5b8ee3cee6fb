import Foundation
import SoftadastraTestSupport
import Testing

@testable import SoftadastraWAL

/// Truncation, bit-flip and splice sweeps over a small log: the scanner never returns a wrong
/// record, and tells a torn tail from damage in the middle.
@Suite struct ScannerFaultTests {
  /// Five single puts/deletes and a batch of three, as (records, offsets of each record, units).
  static func makeLog(in directory: TemporaryDirectory) throws -> (
    path: String, records: [WALRecord], offsets: [UInt64]
  ) {
    let path = directory.file("log.wal")
    try WALBuilder.make(
      at: path,
      operations: [
        .put("batch/a", "1"), .put("batch/b", "2"), .put("batch/c", "3"),
        .put("settings/theme", "dark"), .put("app/name", "Softadastra"), .delete("settings/theme"),
        .put("k", String(repeating: "v", count: 300)), .put("last", "x"),
      ],
      batchSizes: [3])
    var scanner = try WALScanner(path: path)
    var records: [WALRecord] = []
    var offsets: [UInt64] = []
    while let scanned = try scanner.next() {
      records.append(scanned.record)
      offsets.append(scanned.offset)
    }
    offsets.append(scanner.position)
    #expect(records.count == 8)
    #expect(scanner.ending == .clean)
    return (path, records, offsets)
  }

  static func scanAll(_ path: String) throws -> (records: [WALRecord], ending: WALEnding?) {
    var scanner = try WALScanner(path: path)
    var records: [WALRecord] = []
    while let scanned = try scanner.next() { records.append(scanned.record) }
    return (records, scanner.ending)
  }

  @Test func everyTruncationOffsetRecoversExactlyTheCompleteRecordsBeforeIt() throws {
    let directory = TemporaryDirectory()
    let (path, records, offsets) = try Self.makeLog(in: directory)
    let original = FileBytes.read(path)
    // Batch records 0...2 form one unit; every other record is its own unit.
    let unitEnds = [offsets[3]] + offsets[4...]
    let headerSize = Int(offsets[0])
    for cut in headerSize...original.count {
      let copy = directory.file("cut.wal")
      FileBytes.write(Array(original.prefix(cut)), to: copy)
      let (found, ending) = try Self.scanAll(copy)
      let completeUnits = unitEnds.filter { $0 <= UInt64(cut) }
      let expectedCount = completeUnits.isEmpty ? 0 : (records.count - (unitEnds.count - completeUnits.count))
      #expect(found == Array(records.prefix(expectedCount)), "cut at \(cut)")
      let boundary = completeUnits.last ?? UInt64(headerSize)
      if boundary == UInt64(cut) {
        #expect(ending == .clean, "cut at \(cut)")
      } else {
        guard case .tornTail(let torn) = ending else {
          Issue.record("cut at \(cut): expected a torn tail, got \(String(describing: ending))")
          continue
        }
        #expect(torn.offset == boundary && torn.bytes == UInt64(cut) - boundary, "cut at \(cut)")
      }
    }
  }

  @Test func aWriterCutsEveryTornTailAndContinuesTheLog() throws {
    let directory = TemporaryDirectory()
    let (path, records, offsets) = try Self.makeLog(in: directory)
    let original = FileBytes.read(path)
    for cut in stride(from: Int(offsets[0]) + 1, to: original.count, by: 7) {
      let copy = directory.file("cut.wal")
      FileBytes.write(Array(original.prefix(cut)), to: copy)
      FileSystem.removeFile(copy + ".lock")
      let before = try Self.scanAll(copy)
      let writer = try WALWriter(path: copy, nodeID: "test-node", lockTimeout: 1)
      let appended = try writer.append([.put("after", "crash")])
      try writer.close()
      let after = try Self.scanAll(copy)
      #expect(after.ending == .clean, "cut at \(cut)")
      #expect(Array(after.records.prefix(before.records.count)) == before.records, "cut at \(cut)")
      #expect(after.records.last == appended[0])
      if case .tornTail(let torn) = before.ending {
        #expect(writer.repairedTail == torn)
        let note = after.records[after.records.count - 2]
        #expect(note.body == .tailRepairNote(offset: torn.offset, bytes: torn.bytes))
      } else {
        #expect(writer.repairedTail == nil)
      }
      #expect(after.records.map(\.lsn) == Array(1...UInt64(after.records.count)))
      _ = records
    }
  }

  @Test func aFlippedBitAnywhereIsDetectedAndNeverYieldsAWrongRecord() throws {
    let directory = TemporaryDirectory()
    let (path, records, offsets) = try Self.makeLog(in: directory)
    let original = FileBytes.read(path)
    let headerSize = Int(offsets[0])
    for byte in 0..<original.count {
      for bit in 0..<8 {
        var damaged = original
        damaged[byte] ^= UInt8(1 << bit)
        let copy = directory.file("flip.wal")
        FileBytes.write(damaged, to: copy)
        if byte < headerSize {
          #expect(throws: SoftadastraError.self, "flip in header byte \(byte)") { try Self.scanAll(copy) }
          continue
        }
        let (found, ending) = try Self.scanAll(copy)
        #expect(found == Array(records.prefix(found.count)), "byte \(byte) bit \(bit) returned a wrong record")
        let damagedRecord = offsets.lastIndex { $0 <= UInt64(byte) }!
        switch ending {
        case .corrupt(let corruption):
          #expect(corruption.offset == offsets[damagedRecord], "byte \(byte) bit \(bit)")
        case .tornTail(let torn):
          // A flipped bit leaves a complete record, even in the last one: an acknowledged write
          // that must be reported, never taken for an unfinished append and cut.
          Issue.record("byte \(byte) bit \(bit): \(torn.problem) taken for a torn tail")
        default:
          Issue.record("byte \(byte) bit \(bit): damage went unnoticed (\(String(describing: ending)))")
        }
      }
    }
  }

  @Test func midLogDamageRefusesTheWriterAndLeavesTheFileByteIdentical() throws {
    let directory = TemporaryDirectory()
    let (path, _, offsets) = try Self.makeLog(in: directory)
    FileBytes.flipBit(path, offset: Int(offsets[4]) + 25, bit: 3)
    let damaged = FileBytes.read(path)
    var thrown: SoftadastraError?
    do { _ = try WALWriter(path: path, nodeID: "test-node", lockTimeout: 1, tailCheck: .replay { _ in }) } catch {
      thrown = error
    }
    #expect(thrown?.kind == .corrupt)
    #expect(thrown?.offset == offsets[4])
    #expect(thrown?.lsn == 5)
    #expect(thrown?.message.contains("offset \(offsets[4])") == true)
    #expect(FileBytes.read(path) == damaged)
  }

  @Test func aZeroFilledTailIsATornTailNotData() throws {
    let directory = TemporaryDirectory()
    let (path, records, offsets) = try Self.makeLog(in: directory)
    FileBytes.append(path, [UInt8](repeating: 0, count: 4096))
    let (found, ending) = try Self.scanAll(path)
    #expect(found == records)
    #expect(ending == .tornTail(TornTail(offset: offsets.last!, bytes: 4096, lastGoodLSN: 8, problem: .badSize(0))))
  }

  @Test func aDuplicatedRecordIsCorruptionNotData() throws {
    let directory = TemporaryDirectory()
    let (path, records, offsets) = try Self.makeLog(in: directory)
    var bytes = FileBytes.read(path)
    let fifth = Array(bytes[Int(offsets[4])..<Int(offsets[5])])
    bytes.insert(contentsOf: fifth, at: Int(offsets[5]))
    FileBytes.write(bytes, to: path)
    let (found, ending) = try Self.scanAll(path)
    #expect(found == Array(records.prefix(5)))
    guard case .corrupt(let corruption) = ending else {
      Issue.record("a duplicated record went unnoticed: \(String(describing: ending))")
      return
    }
    #expect(corruption.offset == offsets[5])
  }

  @Test func swappedRecordsAreCorruption() throws {
    let directory = TemporaryDirectory()
    let (path, records, offsets) = try Self.makeLog(in: directory)
    var bytes = FileBytes.read(path)
    let a = Array(bytes[Int(offsets[4])..<Int(offsets[5])])
    let b = Array(bytes[Int(offsets[5])..<Int(offsets[6])])
    bytes.replaceSubrange(Int(offsets[4])..<Int(offsets[6]), with: b + a)
    FileBytes.write(bytes, to: path)
    let (found, ending) = try Self.scanAll(path)
    #expect(found == Array(records.prefix(4)))
    guard case .corrupt = ending else {
      Issue.record("swapped records went unnoticed: \(String(describing: ending))")
      return
    }
  }

  /// A regression test from fuzzing: damage after a C++ log record whose sequence is the largest
  /// integer trapped on overflow when the scanner named the LSN it expected next.
  @Test func damageAfterTheLargestCppSequenceIsReportedWithoutATrap() throws {
    var bytes: [UInt8] = []
    CppLogScanner.appendRecord(
      sequence: UInt64.max, milliseconds: 1_795_594_148_650,
      operation: .put(key: Array("k".utf8), value: Array("v".utf8)),
      operationMilliseconds: 1_795_594_148_650, to: &bytes)
    let valid = bytes.count
    bytes += [UInt8](repeating: 0xAB, count: 40)
    for resync in [false, true] {
      var damage: [DamagedRegion] = []
      var scanner = CppLogScanner(bytes: bytes, path: "max.wal", onDamage: resync ? { damage.append($0) } : nil)
      var sequences: [UInt64] = []
      while let scanned = try scanner.next() { sequences.append(scanned.record.lsn) }
      #expect(sequences == [UInt64.max])
      #expect(scanner.ending != nil && scanner.ending != WALEnding.clean || !damage.isEmpty)
      if !resync, case .corrupt(let corruption) = scanner.ending { #expect(corruption.offset == UInt64(valid)) }
      if !resync, case .tornTail(let torn) = scanner.ending { #expect(torn.offset == UInt64(valid)) }
    }
  }

  @Test func theLimitsInTheSpecificationAreTheCodes() {
    #expect(WALFormat.maxRecordSize == 16_781_620)
    #expect(WALFormat.maxKeyBytes == 4096)
    #expect(WALFormat.maxValueBytes == 16_777_216)
  }
}
