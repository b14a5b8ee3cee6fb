import Foundation
import SoftadastraTestSupport
import Testing

@testable import SoftadastraWAL

/// Repairs follow etcd's shape: corrupt → verify fails → repair → verify clean → append → reopen.
@Suite struct VerifyRepairTests {
  static let operations: [StoreOperation] = (0..<8).map { .put("key-\($0)", "value-\($0)") } + [.delete("key-3")]

  static func makeLog(_ directory: TemporaryDirectory, batch: Bool = false) throws -> (path: String, offsets: [UInt64])
  {
    let path = directory.file("node.wal")
    try WALBuilder.make(at: path, operations: operations, batchSizes: batch ? [0, 0, 0] : [])
    return (path, try WALBuilder.recordOffsets(path))
  }

  static func records(_ path: String) throws -> [WALRecord] {
    var scanner = try WALScanner(path: path)
    var records: [WALRecord] = []
    while let scanned = try scanner.next() { records.append(scanned.record) }
    #expect(scanner.ending == .clean)
    return records
  }

  @Test func everyTruncationIsClassifiedAsATornTailAtTheLastCompleteRecord() throws {
    let directory = TemporaryDirectory()
    let (path, offsets) = try Self.makeLog(directory)
    let original = FileBytes.read(path)
    for cut in Int(offsets[0])..<original.count {
      FileBytes.write(Array(original.prefix(cut)), to: directory.file("cut.wal"))
      let report = try WALVerifier.verify(path: directory.file("cut.wal"))
      let boundary = offsets.last { $0 <= UInt64(cut) }!
      if boundary == UInt64(cut) {
        #expect(report.status == .clean, "cut \(cut)")
      } else {
        #expect(report.status == .tornTail, "cut \(cut)")
        #expect(report.tornTail?.offset == boundary && report.tornTail?.bytes == UInt64(cut) - boundary, "cut \(cut)")
      }
    }
  }

  @Test func aBadHeaderIsReportedAsSuch() throws {
    let directory = TemporaryDirectory()
    let (path, _) = try Self.makeLog(directory)
    FileBytes.flipBit(path, offset: 3, bit: 1)
    let report = try WALVerifier.verify(path: path)
    #expect(report.status == .badHeader)
    #expect(report.headerProblem?.contains("magic") == true)
  }

  @Test func salvageKeepsEveryIntactRecordAroundEachDamagedRecord() throws {
    let directory = TemporaryDirectory()
    let (path, offsets) = try Self.makeLog(directory)
    let originalRecords = try Self.records(path)
    let original = FileBytes.read(path)
    for damaged in 0..<(offsets.count - 2) {  // every record but the last (whose damage is a torn tail)
      let copy = directory.file("copy-\(damaged).wal")
      var bytes = original
      bytes[Int(offsets[damaged]) + 25] ^= 0x10
      FileBytes.write(bytes, to: copy)
      let report = try WALVerifier.verify(path: copy)
      #expect(report.status == .corrupt, "record \(damaged)")
      #expect(report.corruption?.offset == offsets[damaged])
      #expect(report.recordsAfterDamage == originalRecords.count - damaged - 1, "record \(damaged)")

      let dry = try WALRepair.repair(path: copy, salvage: true, dryRun: true, lockTimeout: 1)
      #expect(dry.action == .salvage)
      #expect(FileBytes.read(copy) == bytes, "a dry run changed the file")

      #expect(throws: SoftadastraError.self) {
        try WALRepair.repair(path: copy, salvage: false, dryRun: false, lockTimeout: 1)
      }
      #expect(FileBytes.read(copy) == bytes, "a refused repair changed the file")

      let result = try WALRepair.repair(path: copy, salvage: true, dryRun: false, lockTimeout: 1)
      #expect(FileBytes.read(result.backupPath!) == bytes, "the backup is not the original")
      #expect(try WALVerifier.verify(path: copy).status == .clean)
      let repaired = try Self.records(copy)
      var expected = originalRecords
      expected[damaged] = WALRecord(
        lsn: originalRecords[damaged].lsn, timestamp: repaired[damaged].timestamp,
        body: .lostRange(count: 1, offset: offsets[damaged], bytes: offsets[damaged + 1] - offsets[damaged]))
      #expect(repaired == expected, "record \(damaged)")

      let writer = try WALWriter(path: copy, nodeID: "test-node", lockTimeout: 1)
      #expect(writer.nextLSN == originalRecords.last!.lsn + 1)
      try writer.append([.put("after", "repair")])
      try writer.close()
      #expect(try Self.records(copy).count == originalRecords.count + 1)
    }
  }

  @Test func aTornTailRepairCutsRecordsTheCutAndBacksUpTheOriginal() throws {
    let directory = TemporaryDirectory()
    let (path, offsets) = try Self.makeLog(directory)
    FileBytes.truncate(path, to: Int(offsets[offsets.count - 1]) - 5)
    let torn = FileBytes.read(path)
    let backup = directory.file("saved.wal")
    let result = try WALRepair.repair(path: path, salvage: false, backupPath: backup, dryRun: false, lockTimeout: 1)
    #expect(result.action == .truncateTail)
    #expect(FileBytes.read(backup) == torn)
    let records = try Self.records(path)
    #expect(records.count == Self.operations.count)
    #expect(
      records.last?.body
        == .tailRepairNote(offset: offsets[offsets.count - 2], bytes: UInt64(torn.count) - offsets[offsets.count - 2]))
    let again = try WALRepair.repair(path: path, salvage: false, dryRun: false, lockTimeout: 1)
    #expect(again.action == .none)
  }

  @Test func aSalvageDropsABatchThatLostAPartWhole() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node.wal")
    try WALBuilder.make(
      at: path, operations: [.put("a", "1"), .put("b", "2"), .put("c", "3"), .put("d", "4"), .put("e", "5")],
      batchSizes: [1, 3])
    let offsets = try WALBuilder.recordOffsets(path)
    FileBytes.flipBit(path, offset: Int(offsets[2]) + 24, bit: 0)  // the middle record of the batch
    let plan = try Salvage.plan(path: path)
    #expect(plan.kept.map(\.record.lsn) == [1, 5])
    #expect(plan.droppedBatchRecords == 2)
    _ = try WALRepair.repair(path: path, salvage: true, dryRun: false, lockTimeout: 1)
    let records = try Self.records(path)
    #expect(records.map(\.lsn) == [1, 2, 5])
    #expect(records[1].body == .lostRange(count: 3, offset: offsets[1], bytes: offsets[2] - offsets[1]))
  }

  @Test func aSalvageThatDropsTheLastRecordsStillNeverReusesTheirLSNs() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node.wal")
    try WALBuilder.make(at: path, operations: [.put("a", "1"), .put("b", "2"), .put("c", "3")], batchSizes: [1, 2])
    let offsets = try WALBuilder.recordOffsets(path)
    FileBytes.flipBit(path, offset: Int(offsets[1]) + 25, bit: 0)  // the batch's first record
    _ = try WALRepair.repair(path: path, salvage: true, dryRun: false, lockTimeout: 1)
    #expect(try WALVerifier.verify(path: path).status == .clean)
    let writer = try WALWriter(path: path, nodeID: "test-node", lockTimeout: 1)
    #expect(writer.nextLSN == 4, "LSNs 2 and 3 were used before the damage")
    try writer.close()
  }

  @Test func aFlippedBitInTheLastRecordIsCorruptionThatNoWriterCuts() throws {
    let directory = TemporaryDirectory()
    let (path, offsets) = try Self.makeLog(directory)
    FileBytes.flipBit(path, offset: Int(offsets[offsets.count - 2]) + 26, bit: 4)
    let damaged = FileBytes.read(path)
    #expect(try WALVerifier.verify(path: path).status == .corrupt)
    #expect {
      try WALWriter(path: path, nodeID: "test-node", lockTimeout: 1)
    } throws: { ($0 as! SoftadastraError).kind == .corrupt }
    #expect(FileBytes.read(path) == damaged)
    #expect(throws: SoftadastraError.self) {
      try WALRepair.repair(path: path, salvage: false, dryRun: false, lockTimeout: 1)
    }
    let result = try WALRepair.repair(path: path, salvage: true, dryRun: false, lockTimeout: 1)
    #expect(result.dropped.count == 1)
    let writer = try WALWriter(path: path, nodeID: "test-node", lockTimeout: 1)
    #expect(writer.nextLSN == UInt64(Self.operations.count) + 1, "the damaged record's LSN is not reused")
    try writer.close()
  }

  @Test func aRepairThroughASymbolicLinkRepairsTheRealFileUnderTheWritersLock() throws {
    let directory = TemporaryDirectory()
    let (real, offsets) = try Self.makeLog(directory)
    let original = FileBytes.read(real)
    FileBytes.write(Array(original.prefix(Int(offsets[offsets.count - 2]) + 5)), to: real)  // a torn tail
    let link = directory.file("link.wal")
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
    // A writer of the real file holds its lock: the repair through the link must wait for it.
    let writerLock = try WriterLock.acquire(walPath: real, timeout: 1)
    #expect {
      try WALRepair.repair(path: link, salvage: false, dryRun: false, lockTimeout: 0.2)
    } throws: { ($0 as! SoftadastraError).kind == .lockTimeout }
    writerLock.release()
    let result = try WALRepair.repair(path: link, salvage: false, dryRun: false, lockTimeout: 1)
    #expect(result.action == .truncateTail)
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == real, "the link stays a link")
    #expect(try WALVerifier.verify(path: real).status == .clean)
    #expect(!FileManager.default.fileExists(atPath: link + ".lock"))
    #expect(result.backupPath?.hasPrefix(real + ".broken-") == true)
  }

  @Test func aRepairOfAFileThatIsNotALogCreatesNothingBesideIt() throws {
    let directory = TemporaryDirectory()
    let passwd = directory.file("passwd")
    FileBytes.write(Array("root:x:0:0:root:/root:/bin/bash\n".utf8), to: passwd)
    let link = directory.file("node.wal")
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: passwd)
    #expect {
      try WALRepair.repair(path: link, salvage: true, dryRun: false, lockTimeout: 1)
    } throws: { ($0 as! SoftadastraError).kind == .corrupt }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["node.wal", "passwd"])
    #expect {
      try WALWriter(path: link, nodeID: "test-node", lockTimeout: 1)
    } throws: { ($0 as! SoftadastraError).kind == .corrupt }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["node.wal", "passwd"])
  }

  @Test func twoRepairsInOneSecondKeepBothOriginals() throws {
    let directory = TemporaryDirectory()
    let (path, offsets) = try Self.makeLog(directory)
    let original = FileBytes.read(path)
    var backups: [String] = []
    for extra in [5, 7] {
      FileBytes.write(Array(original.prefix(Int(offsets[offsets.count - 2]) + extra)), to: path)
      let result = try WALRepair.repair(path: path, salvage: false, dryRun: false, lockTimeout: 1)
      backups.append(try #require(result.backupPath))
      // The repaired log ends with the cut's note; start again from the torn original.
      FileBytes.write(original, to: path)
    }
    #expect(Set(backups).count == 2)
    #expect(FileBytes.read(backups[0]).count == Int(offsets[offsets.count - 2]) + 5)
    #expect(FileBytes.read(backups[1]).count == Int(offsets[offsets.count - 2]) + 7)
  }

  @Test func aSalvageOfDamageRunningToTheEndNeverReusesTheLSNsItHid() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node.wal")
    try WALBuilder.make(at: path, operations: (0..<8).map { .put("k\($0)", "v\($0)") })
    let offsets = try WALBuilder.recordOffsets(path)
    // Records 4 to 8 (five of them) damaged, and the damage runs to the end of the file.
    for index in 3..<8 { FileBytes.flipBit(path, offset: Int(offsets[index]) + 26, bit: 3) }
    _ = try WALRepair.repair(path: path, salvage: true, dryRun: false, lockTimeout: 1)
    let writer = try WALWriter(path: path, nodeID: "test-node", lockTimeout: 1)
    #expect(writer.nextLSN >= 9, "LSNs 4 to 8 were used before the damage")
    try writer.close()
  }

  @Test func aClockThatGoesBackIsAWarningWithItsOffset() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node.wal")
    let header = WALHeader(nodeID: "test-node", createdMilliseconds: 0)
    var bytes = header.encoded()
    var seed = header.checksum
    var offsets: [Int] = []
    for (lsn, milliseconds) in [(1, 2_000), (2, 3_000), (3, 1_000), (4, 1_500)] as [(UInt64, UInt64)] {
      offsets.append(bytes.count)
      let record = WALRecord(
        lsn: lsn, timestamp: HybridTimestamp(milliseconds: milliseconds + 1_700_000_000_000),
        body: .operation(.put(key: [0x6B], value: [0x76]), origin: nil))
      seed = RecordEncoder.append(record, seed: seed, to: &bytes)
    }
    FileBytes.write(bytes, to: path)
    let report = try WALVerifier.verify(path: path)
    #expect(report.status == .clean, "the records are intact")
    #expect(report.warnings.count == 1)
    #expect(
      report.warnings.first?.contains("the clock goes back at offset \(offsets[2]) (LSN 3)") == true,
      "\(report.warnings)")
  }
}
