import Testing

@_spi(Storage) @testable import SoftadastraWAL

@Suite struct RecordCodingTests {
  static let timestamp = HybridTimestamp(milliseconds: 1_795_594_148_644, counter: 3)
  static let origin = Origin(nodeID: "node-b", lsn: 42, timestamp: HybridTimestamp(milliseconds: 1_795_594_000_000))

  static let everyKind: [WALRecord] = [
    WALRecord(
      lsn: 1, timestamp: timestamp, body: .operation(.put(key: Array("k".utf8), value: Array("v".utf8)), origin: nil)),
    WALRecord(lsn: 2, timestamp: timestamp, body: .operation(.put(key: [0xFF, 0x00], value: []), origin: nil)),
    WALRecord(lsn: 3, timestamp: timestamp, body: .operation(.delete(key: Array("k".utf8)), origin: nil)),
    WALRecord(
      lsn: 4, timestamp: timestamp, body: .operation(.put(key: Array("r".utf8), value: [1, 2, 3]), origin: origin)),
    WALRecord(lsn: 5, timestamp: timestamp, body: .operation(.delete(key: Array("r".utf8)), origin: origin)),
    WALRecord(lsn: 6, timestamp: timestamp, batch: .first, body: .operation(.put(key: [1], value: [2]), origin: nil)),
    WALRecord(lsn: 6, timestamp: timestamp, batch: .middle, body: .operation(.put(key: [1], value: [2]), origin: nil)),
    WALRecord(lsn: 6, timestamp: timestamp, batch: .last, body: .operation(.delete(key: [1]), origin: nil)),
    WALRecord(lsn: 6, timestamp: timestamp, body: .lostRange(count: 3, offset: 77, bytes: 99)),
    WALRecord(lsn: 7, timestamp: timestamp, body: .tailRepairNote(offset: 1234, bytes: 28)),
    WALRecord(lsn: 8, timestamp: timestamp, body: .skipped(type: 200, payload: [9, 8, 7])),
    WALRecord(
      lsn: 9, timestamp: timestamp,
      body: .operation(
        .put(
          key: [UInt8](repeating: 0x61, count: WALFormat.maxKeyBytes),
          value: [UInt8](repeating: 0x62, count: 70_000)), origin: nil)),
  ]

  @Test(arguments: everyKind.indices)
  func everyRecordKindRoundTrips(_ index: Int) throws {
    let record = Self.everyKind[index]
    let seed: UInt32 = 0xDEAD_BEEF
    let bytes = RecordEncoder.encode(record, seed: seed)
    let outcome = bytes.withUnsafeBytes { RecordDecoder.decode($0, seed: seed) }
    guard case .record(let decoded, let frame) = outcome else {
      Issue.record("decoded as \(outcome)")
      return
    }
    #expect(decoded == record)
    #expect(frame.size == bytes.count)
    #expect(frame.nextLSN == record.nextLSN)
    #expect(frame.checksum == bytes.withUnsafeBytes { $0.loadLittleEndian(at: bytes.count - 4, as: UInt32.self) })
    let checked = bytes.withUnsafeBytes { RecordDecoder.decode($0, seed: seed, materialize: false) }
    #expect(checked.frame == frame)
  }

  @Test func theSameBytesUnderAnotherSeedFailTheChecksum() {
    let bytes = RecordEncoder.encode(Self.everyKind[0], seed: 1)
    let outcome = bytes.withUnsafeBytes { RecordDecoder.decode($0, seed: 2) }
    guard case .invalid(.checksumMismatch) = outcome else {
      Issue.record("expected a checksum mismatch, got \(outcome)")
      return
    }
  }

  @Test func zeroFilledSpaceIsNeverARecord() {
    let zeros = [UInt8](repeating: 0, count: 64)
    let outcome = zeros.withUnsafeBytes { RecordDecoder.decode($0, seed: 0) }
    guard case .invalid(.badSize(0)) = outcome else {
      Issue.record("expected badSize(0), got \(outcome)")
      return
    }
  }

  @Test func aSizeFieldClaimingGigabytesIsCorruptionNotAnAllocation() {
    var bytes = RecordEncoder.encode(Self.everyKind[0], seed: 0)
    bytes.storeLittleEndian(UInt32(0xFFFF_FFF0), at: 0)
    let outcome = bytes.withUnsafeBytes { RecordDecoder.decode($0, seed: 0) }
    guard case .invalid(.badSize) = outcome else {
      Issue.record("expected badSize, got \(outcome)")
      return
    }
  }

  /// A regression from the node-commands fuzzer: an origin LSN above the range every LSN keeps
  /// to was read as valid, and a sync export then made a bundle that every peer refuses.
  @Test(arguments: [UInt64(Int64.max) + 1, UInt64.max])
  func anOriginLSNOutOfRangeIsCorruption(_ originLSN: UInt64) {
    let record = WALRecord(
      lsn: 1, timestamp: HybridTimestamp(milliseconds: 1_000),
      body: .operation(
        .put(key: [0x6B], value: []),
        origin: Origin(nodeID: "peer", lsn: originLSN, timestamp: HybridTimestamp(rawValue: 1))))
    let bytes = RecordEncoder.encode(record, seed: 7)
    let outcome = bytes.withUnsafeBytes { RecordDecoder.decode($0, seed: 7) }
    guard case .invalid(.lsnOutOfRange(originLSN)) = outcome else {
      Issue.record("origin LSN \(originLSN) decoded as \(outcome)")
      return
    }
  }

  @Test func aShortBufferAsksForTheWholeRecord() {
    let bytes = RecordEncoder.encode(Self.everyKind[0], seed: 0)
    let outcome = bytes.withUnsafeBytes { RecordDecoder.decode(UnsafeRawBufferPointer(rebasing: $0[0..<10]), seed: 0) }
    guard case .needMoreData(let size) = outcome else {
      Issue.record("expected needMoreData, got \(outcome)")
      return
    }
    #expect(size == bytes.count)
  }

  @Test func anUnknownMustUnderstandTypeIsRefusedWithAClearReason() {
    // Re-encode a skippable record under type 7, which old readers must not skip.
    var bytes = RecordEncoder.encode(
      WALRecord(lsn: 1, timestamp: Self.timestamp, body: .skipped(type: 7, payload: [1])), seed: 0)
    let crc = bytes.withUnsafeBytes { CRC32C.extend(0, UnsafeRawBufferPointer(rebasing: $0[0..<bytes.count - 4])) }
    bytes.storeLittleEndian(crc, at: bytes.count - 4)
    let outcome = bytes.withUnsafeBytes { RecordDecoder.decode($0, seed: 0) }
    guard case .invalid(let problem) = outcome, problem == .unknownType(7) else {
      Issue.record("expected unknownType(7), got \(outcome)")
      return
    }
    #expect(problem.framingIsValid)
    #expect(problem.description.contains("newer"))
  }

  @Test func headerRoundTripsAndRejectsEachKindOfDamage() throws {
    let header = WALHeader(nodeID: "node-a", createdMilliseconds: 1_795_594_148_644, firstLSN: 7)
    let bytes = header.encoded()
    #expect(bytes.count == header.size)
    #expect(try bytes.withUnsafeBytes { try WALHeader.decode($0).get() } == header)
    #expect(!header.continuesSnapshot)

    // A log after a snapshot says so in the first byte of the header extension.
    let continuing = WALHeader(
      nodeID: "node-a", createdMilliseconds: 1_795_594_148_644, firstLSN: 7, continuesSnapshot: true)
    let continuingBytes = continuing.encoded()
    #expect(continuingBytes.count == bytes.count + 1 && continuingBytes[29 + 6] == 0x01)
    let decoded = try continuingBytes.withUnsafeBytes { try WALHeader.decode($0).get() }
    #expect(decoded == continuing && decoded.continuesSnapshot && decoded.checksum == continuing.checksum)
    #expect(decoded.encoded() == continuingBytes)

    var badMagic = bytes
    badMagic[0] = 0x54
    #expect(badMagic.withUnsafeBytes { WALHeader.decode($0) } == .failure(.badMagic))

    var newer = bytes
    newer.storeLittleEndian(UInt16(2), at: 8)
    #expect(newer.withUnsafeBytes { WALHeader.decode($0) } == .failure(.unsupportedVersion(2)))

    var flipped = bytes
    flipped[30] ^= 0x01
    guard case .failure(.checksumMismatch) = flipped.withUnsafeBytes({ WALHeader.decode($0) }) else {
      Issue.record("a flipped node id byte was not caught")
      return
    }
    #expect(Array(bytes.prefix(10)).withUnsafeBytes { WALHeader.decode($0) } == .failure(.tooShort(10)))
  }
}
