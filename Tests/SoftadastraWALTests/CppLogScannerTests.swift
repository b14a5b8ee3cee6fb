import Testing

@_spi(Storage) @testable import SoftadastraWAL

/// The C++ runtime's log read as the runtime itself reads and applies it, on records its own
/// `WalWriter` can write: unknown statuses stop the reader, store payloads under any record
/// type are applied, other payloads are skipped, and a record inside a damaged record's value is
/// never taken for a real one.
@Suite struct CppLogScannerTests {
  static let time: UInt64 = 1_795_594_148_650

  static func record(_ sequence: UInt64, _ key: String, _ value: String) -> [UInt8] {
    var bytes: [UInt8] = []
    CppLogScanner.appendRecord(
      sequence: sequence, milliseconds: time, operation: .put(key: Array(key.utf8), value: Array(value.utf8)),
      operationMilliseconds: time, to: &bytes)
    return bytes
  }

  /// A record of `type` whose payload is `payload` (checksum made to match).
  static func record(_ sequence: UInt64, type: UInt8, payload: [UInt8]) -> [UInt8] {
    var bytes = CppLogScanner.magic
    bytes.appendLittleEndian(UInt32(1))
    bytes.appendLittleEndian(sequence)
    bytes += [type, 1]
    bytes.appendLittleEndian(Int64(time))
    bytes.appendLittleEndian(UInt32(payload.count))
    bytes += payload
    bytes.appendLittleEndian(payload.withUnsafeBytes { CppLogScanner.fnv1a($0) })
    return bytes
  }

  /// The records of `bytes`; with `resync`, read past damage, whose regions come third.
  static func scan(_ bytes: [UInt8], resync: Bool = false) throws
    -> (records: [WALRecord], scanner: CppLogScanner, damage: [DamagedRegion])
  {
    var damage: [DamagedRegion] = []
    var scanner = CppLogScanner(bytes: bytes, path: "runtime.log", onDamage: resync ? { damage.append($0) } : nil)
    var records: [WALRecord] = []
    while let scanned = try scanner.next() { records.append(scanned.record) }
    return (records, scanner, damage)
  }

  @Test(arguments: [4, 5, 255] as [UInt8])
  func aStatusTheRuntimeDoesNotKnowStopsReadingThere(_ status: UInt8) throws {
    var second = Self.record(2, "b", "2")
    second[17] = status  // not under the payload checksum
    let (records, scanner, _) = try Self.scan(Self.record(1, "a", "1") + second + Self.record(3, "c", "3"))
    #expect(records.map(\.lsn) == [1])
    guard case .corrupt(let corruption) = scanner.ending else {
      Issue.record("status \(status) was read as clean: \(String(describing: scanner.ending))")
      return
    }
    #expect(corruption.offset == UInt64(Self.record(1, "a", "1").count))
  }

  @Test(arguments: [4, 5] as [UInt8])
  func aCheckpointOrNoopRecordCarryingAStoreOperationIsApplied(_ type: UInt8) throws {
    var carrier = Self.record(2, "b", "2")
    carrier[16] = type
    let (records, scanner, _) = try Self.scan(Self.record(1, "a", "1") + carrier)
    #expect(scanner.ending == .clean)
    #expect(
      records.map(\.body) == [
        .operation(.put(key: Array("a".utf8), value: Array("1".utf8)), origin: nil),
        .operation(.put(key: Array("b".utf8), value: Array("2".utf8)), origin: nil),
      ])
  }

  @Test(arguments: [1, 2, 3, 5] as [UInt8])
  func aPayloadThatIsNotAStoreOperationIsSkippedNotCalledDamage(_ type: UInt8) throws {
    let fileEvent = Array("file-event: created /srv/a.txt".utf8)
    let log = Self.record(1, "a", "1") + Self.record(2, type: type, payload: fileEvent) + Self.record(3, "c", "3")
    let (records, scanner, _) = try Self.scan(log)
    #expect(scanner.ending == .clean)
    #expect(records.map(\.lsn) == [1, 2, 3])
    #expect(records[1].body == .skipped(type: type, payload: fileEvent))
  }

  @Test func aRecordInsideADamagedRecordsValueIsNotRecoveredAsReal() throws {
    // Record 2's value is itself an encoded record (sequence 99); then record 2 is damaged.
    let inner = Self.record(99, "forged", "x")
    var second: [UInt8] = []
    CppLogScanner.appendRecord(
      sequence: 2, milliseconds: Self.time, operation: .put(key: Array("b".utf8), value: inner),
      operationMilliseconds: Self.time,
      to: &second)
    second[30 + 2] ^= 0x01  // a bit of the payload: the checksum no longer matches
    let log = Self.record(1, "a", "1") + second + Self.record(3, "c", "3")
    let (records, _, damage) = try Self.scan(log, resync: true)
    #expect(records.map(\.lsn) == [1, 3], "the forged inner record 99 must not come back")
    #expect(damage.count == 1)
  }
}
