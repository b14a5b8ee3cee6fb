import Foundation
import Testing

@testable import SoftadastraWAL

/// The committed files in Vectors/ are the format's test vectors (docs/wal-format.md): the encoder
/// must reproduce them byte for byte. Regenerate only on purpose, with
/// `SOFTADASTRA_UPDATE_VECTORS=1 swift test --filter GoldenVectorTests`.
@Suite struct GoldenVectorTests {
  static let created: Int64 = 1_795_594_148_644
  static func clock(_ counter: UInt16) -> HybridTimestamp {
    HybridTimestamp(milliseconds: 1_795_594_148_650, counter: counter)
  }

  static var vectors: [(name: String, header: WALHeader, records: [WALRecord])] {
    let header = WALHeader(nodeID: "node-a", createdMilliseconds: created, firstLSN: 1)
    let records: [WALRecord] = [
      WALRecord(
        lsn: 1, timestamp: clock(0),
        body: .operation(.put(key: Array("settings/theme".utf8), value: Array("dark".utf8)), origin: nil)),
      WALRecord(
        lsn: 2, timestamp: clock(1),
        body: .operation(.put(key: Array("app/name".utf8), value: Array("Softadastra".utf8)), origin: nil)),
      WALRecord(lsn: 3, timestamp: clock(2), body: .operation(.delete(key: Array("settings/theme".utf8)), origin: nil)),
      WALRecord(
        lsn: 4, timestamp: clock(3), batch: .first,
        body: .operation(.put(key: Array("a".utf8), value: Array("1".utf8)), origin: nil)),
      WALRecord(
        lsn: 5, timestamp: clock(4), batch: .last,
        body: .operation(.put(key: Array("b".utf8), value: Array("2".utf8)), origin: nil)),
      WALRecord(
        lsn: 6, timestamp: clock(5),
        body: .operation(
          .put(key: Array("doc/1".utf8), value: Array("remote".utf8)),
          origin: Origin(
            nodeID: "node-b", lsn: 9, timestamp: HybridTimestamp(milliseconds: 1_795_594_148_600, counter: 1)))),
      WALRecord(lsn: 7, timestamp: clock(6), body: .tailRepairNote(offset: 400, bytes: 28)),
      WALRecord(lsn: 8, timestamp: clock(7), body: .lostRange(count: 2, offset: 500, bytes: 120)),
      WALRecord(lsn: 10, timestamp: clock(8), body: .operation(.delete(key: Array("doc/1".utf8)), origin: nil)),
    ]
    return [
      ("empty", header, []),
      ("one-put", header, [records[0]]),
      ("every-type", header, records),
    ]
  }

  static func encode(_ header: WALHeader, _ records: [WALRecord]) -> [UInt8] {
    var bytes = header.encoded()
    var seed = header.checksum
    for record in records { seed = RecordEncoder.append(record, seed: seed, to: &bytes) }
    return bytes
  }

  static func vectorURL(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/\(name).wal")
  }

  @Test(arguments: vectors.map(\.name))
  func encoderReproducesTheCommittedVector(_ name: String) throws {
    let vector = Self.vectors.first { $0.name == name }!
    let bytes = Self.encode(vector.header, vector.records)
    let url = Self.vectorURL(name)
    if ProcessInfo.processInfo.environment["SOFTADASTRA_UPDATE_VECTORS"] == "1" {
      try Data(bytes).write(to: url)
    }
    let committed = try [UInt8](Data(contentsOf: url))
    #expect(bytes == committed, "encoder output differs from Vectors/\(name).wal")
  }

  @Test(arguments: vectors.map(\.name))
  func scannerReadsBackExactlyTheVectorsRecords(_ name: String) throws {
    let vector = Self.vectors.first { $0.name == name }!
    var scanner = try WALScanner(path: Self.vectorURL(name).path)
    #expect(scanner.header == vector.header)
    var records: [WALRecord] = []
    while let scanned = try scanner.next() { records.append(scanned.record) }
    #expect(records == vector.records)
    #expect(scanner.ending == .clean)
  }
}
