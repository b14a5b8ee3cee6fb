import Foundation
import Softadastra
import SoftadastraTestSupport
import Testing

@testable import SoftadastraCLI
@testable import SoftadastraWAL

/// `wal-dump`'s logfmt quoting, which copies printable runs eight bytes at a time, against the
/// rules said plainly (one byte at a time), and whole lines.
@Suite struct RecordFormattingTests {
  /// The quoting rules, one byte at a time: quotes, backslashes and control bytes escaped, whole
  /// UTF-8 sequences as they are, any other byte as `\xNN`; at most `limit` bytes, then `...`.
  static func quotedOneByteAtATime(_ bytes: [UInt8], limit: Int? = nil) -> String {
    let count = min(bytes.count, limit ?? bytes.count)
    var out: [UInt8] = [0x22]
    var index = 0
    while index < count {
      let byte = bytes[index]
      switch byte {
      case 0x22, 0x5C: out += [0x5C, byte]
      case 0x0A: out += Array(#"\n"#.utf8)
      case 0x0D: out += Array(#"\r"#.utf8)
      case 0x09: out += Array(#"\t"#.utf8)
      case 0x20..<0x7F: out.append(byte)
      default:
        let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
        if (0xC2...0xF4).contains(byte), index + length <= count,
          String(validating: bytes[index..<index + length], as: UTF8.self) != nil
        {
          out += bytes[index..<index + length]
          index += length
          continue
        }
        out += Array(("\\x" + String(byte, radix: 16).leftPadded(to: 2)).utf8)
      }
      index += 1
    }
    if count < bytes.count { out += Array("...".utf8) }
    out.append(0x22)
    return String(decoding: out, as: UTF8.self)
  }

  static func quoted(_ bytes: [UInt8], limit: Int? = nil) -> String {
    let out = ByteBuffer()
    bytes.withUnsafeBytes { RecordFormatting.appendQuoted($0, limit: limit, to: out) }
    return String(decoding: out.bytes, as: UTF8.self)
  }

  @Test func examples() {
    #expect(
      Self.quoted(Array("plain text that runs past eight bytes".utf8)) == #""plain text that runs past eight bytes""#)
    #expect(Self.quoted(Array("a\"b\\c\nd\re\tf".utf8)) == #""a\"b\\c\nd\re\tf""#)
    #expect(Self.quoted([0x01, 0x7F, 0xFF, 0xC3, 0x28]) == #""\x01\x7f\xff\xc3(""#)
    #expect(Self.quoted(Array("clé ✓ 😀".utf8)) == "\"clé ✓ 😀\"")
    #expect(Self.quoted(Array("value-12345".utf8), limit: 5) == #""value...""#)
    #expect(Self.quoted(Array("é".utf8), limit: 1) == #""\xc3...""#)
    #expect(Self.quoted([]) == #""""#)
  }

  /// Random bytes, mostly printable with every kind of byte that needs a look among them, at
  /// random limits: the same text as one byte at a time.
  @Test func quotingEightBytesAtATimeSaysWhatOneByteAtATimeSays() {
    var random = SplitMix64(seed: 17)
    let special: [UInt8] = [
      0x00, 0x09, 0x0A, 0x0D, 0x1F, 0x20, 0x22, 0x5C, 0x7E, 0x7F, 0x80, 0xC2, 0xC3, 0xE2, 0xF0, 0xFF,
    ]
    let utf8 = Array("é✓😀".utf8)
    for _ in 0..<20_000 {
      let length = Int(random.next() % 40)
      var bytes: [UInt8] = []
      while bytes.count < length {
        switch random.next() % 10 {
        case 0: bytes.append(special[Int(random.next() % UInt64(special.count))])
        case 1: bytes += utf8[0..<Int(random.next() % UInt64(utf8.count))]
        default: bytes.append(UInt8(0x20 + random.next() % 0x5F))
        }
      }
      let limit = random.next() % 3 == 0 ? Int(random.next() % 45) : nil
      #expect(
        Self.quoted(bytes, limit: limit) == Self.quotedOneByteAtATime(bytes, limit: limit), "\(bytes) \(limit as Any)")
    }
  }

  /// Pieces of every kind and size, past the buffer's capacity many times over: the same bytes
  /// as an array given the same pieces.
  @Test func aByteBufferKeepsEveryByteAsItGrows() {
    var random = SplitMix64(seed: 5)
    let buffer = ByteBuffer(capacity: 16)
    var expected: [UInt8] = []
    for round in 0..<2_000 {
      let piece = (0..<Int(random.next() % (round % 100 == 0 ? 5_000 : 40))).map { _ in UInt8(random.next() % 256) }
      switch random.next() % 5 {
      case 0: piece.withUnsafeBytes { buffer.append($0) }
      case 1: buffer.append(piece)
      case 2:
        buffer.append(UInt8(round % 256))
        expected.append(UInt8(round % 256))
        continue
      case 3:
        buffer.append(" batch=first")
        expected += Array(" batch=first".utf8)
        continue
      default:
        buffer.append(string: "é\(round)")
        expected += Array("é\(round)".utf8)
        continue
      }
      expected += piece
    }
    #expect(Array(buffer.bytes) == expected)
    buffer.removeAll()
    #expect(buffer.bytes.isEmpty)
  }

  @Test func aLineSaysEverythingOfItsRecord() {
    let record = WALRecord(
      lsn: 42, timestamp: HybridTimestamp(milliseconds: 1_795_594_148_650, counter: 3), batch: .middle,
      body: .operation(.put(key: Array("k\"1".utf8), value: Array("a long value".utf8)), origin: nil))
    let scanned = ScannedRecord(offset: 1234, size: 60, checksum: 0, record: record)
    let out = ByteBuffer()
    var times = RecordFormatting.TimeFormatter()
    scanned.withMaterializedOperation {
      RecordFormatting.appendLine(scanned, operation: $0, valueLimit: 6, times: &times, to: out)
    }
    #expect(
      String(decoding: out.bytes, as: UTF8.self)
        == #"lsn=42 offset=1234 time=2026-11-25T08:09:08.650Z op=put key="k\"1" value="a long..." value_bytes=12 batch=middle"#
        + "\n")
  }

  /// The committed log of every record type, dumped in place and from copies: the lines it
  /// always gave (fixed here, not made by the code under test).
  @Test func theGoldenLogDumpsAsItAlwaysDid() {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("SoftadastraWALTests/Vectors/every-type.wal").path
    let expected = [
      #"lsn=1 offset=39 time=2026-11-25T08:09:08.650Z op=put key="settings/theme" value="dark""#,
      #"lsn=2 offset=93 time=2026-11-25T08:09:08.650Z op=put key="app/name" value="Softadastra""#,
      #"lsn=3 offset=148 time=2026-11-25T08:09:08.650Z op=delete key="settings/theme""#,
      #"lsn=4 offset=194 time=2026-11-25T08:09:08.650Z op=put key="a" value="1" batch=first"#,
      #"lsn=5 offset=232 time=2026-11-25T08:09:08.650Z op=put key="b" value="2" batch=last"#,
      #"lsn=6 offset=270 time=2026-11-25T08:09:08.650Z op=put key="doc/1" value="remote" origin=node-b/9"#,
      #"lsn=7 offset=340 time=2026-11-25T08:09:08.650Z op=tail-repair cut_offset=400 cut_bytes=28"#,
      #"lsn=8 offset=386 time=2026-11-25T08:09:08.650Z op=lost-range lost_lsns=8-9 damage_offset=500 damage_bytes=120"#,
      #"lsn=10 offset=440 time=2026-11-25T08:09:08.650Z op=delete key="doc/1""#,
    ]
    // In place, with filters on LSNs and times or none; from copies with a filter on the operation.
    for extra in [[], ["--from-lsn", "1"], ["--since", "@0"]] {
      let dump = CommandRunner.run(
        ["wal-dump", "--full-values", path] + extra, in: FileManager.default.temporaryDirectory.path)
      #expect(dump.status == 0 && dump.out.split(separator: "\n").map(String.init) == expected, "\(extra): \(dump.out)")
    }
    let copied = CommandRunner.run(
      ["wal-dump", "--full-values", "--op", "put", path], in: FileManager.default.temporaryDirectory.path)
    #expect(copied.out.split(separator: "\n").map(String.init) == expected.filter { $0.contains("op=put") })
  }

  /// Every line of a log holding every kind of record (puts and deletes, alone and in batches,
  /// keys and values that need escapes, operations from a peer, sync tables, a tail-repair note),
  /// read in place, says what it says from copied records.
  @Test func linesReadInPlaceSayWhatCopiedRecordsSay() throws {
    let directory = TemporaryDirectory()
    let walPath = directory.file("node-a.wal")
    let peer = Client(.persistent(nodeID: "node-b", walPath: directory.file("node-b.wal")))
    try peer.open()
    try peer.put("from-b", "peer \"value\"")
    var client = Client(.persistent(nodeID: "node-a", walPath: walPath))
    try client.open()
    try client.put("plain", "value")
    try client.commit([
      .put(key: [0x71, 0x22, 0x0A], value: [0xFF, 0x00, 0xC3, 0xA9] + Array(repeating: 0x78, count: 100)),
      .delete(key: Array("plain".utf8)),
    ])
    try client.applySyncBundle(try peer.makeSyncBundle(for: "node-a"))
    try client.makeSyncBundle(for: "node-b")
    try client.close()
    FileBytes.append(walPath, [1, 2, 3])  // a torn tail: the next writer cuts it and notes it
    client = Client(.persistent(nodeID: "node-a", walPath: walPath))
    try client.open()
    try client.remove("from-b")
    try client.close()
    try peer.close()

    func lines(materialize: Bool, valueLimit: Int?) throws -> [String] {
      var reader = try LogFormat.openReader(path: walPath, materialize: materialize)
      var times = RecordFormatting.TimeFormatter()
      var lines: [String] = []
      while let scanned = try reader.next() {
        let out = ByteBuffer()
        let operation: Void? = try reader.withOperation(of: scanned) {
          RecordFormatting.appendLine(scanned, operation: $0, valueLimit: valueLimit, times: &times, to: out)
        }
        if operation == nil {
          RecordFormatting.appendLine(scanned, operation: nil, valueLimit: valueLimit, times: &times, to: out)
        }
        lines.append(String(decoding: out.bytes, as: UTF8.self))
      }
      return lines
    }
    for valueLimit in [nil, 4] {
      let copied = try lines(materialize: true, valueLimit: valueLimit)
      #expect(try lines(materialize: false, valueLimit: valueLimit) == copied)
      for kind in [
        "op=put", "op=delete", "origin=node-b/", "op=sync-table payload_bytes=", "op=tail-repair", "batch=first",
      ] {
        #expect(copied.contains { $0.contains(kind) }, "no line with \(kind): \(copied)")
      }
    }
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
