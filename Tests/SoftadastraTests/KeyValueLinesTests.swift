import Foundation
import Softadastra
import SoftadastraTestSupport
import SoftadastraWAL
import Testing

@Suite struct KeyValueLinesTests {
  /// Every operation of `input`, read `chunk` bytes at a time (a line may span many reads).
  static func operations(from input: [UInt8], format: KeyValueLines.Format, chunk: Int = 1 << 20) throws
    -> [StoreOperation]
  {
    var offset = 0
    var reader = KeyValueLines.Reader(format: format) { buffer in
      let count = min(buffer.count, chunk, input.count - offset)
      input.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + count])) }
      offset += count
      return count
    }
    var operations: [StoreOperation] = []
    while let operation = try reader.next() { operations.append(operation) }
    return operations
  }

  /// What each way of reading an input makes of it (read 7 bytes at a time): `checkNext()` the
  /// number of lines, `next()` and `withNextPut(_:)` each line's key and value; each followed by
  /// the error that stopped it, if any.
  static func verdicts(of input: [UInt8], format: KeyValueLines.Format)
    -> (checked: String, read: String, inPlace: String)
  {
    func reader() -> KeyValueLines.Reader {
      var offset = 0
      return KeyValueLines.Reader(format: format) { buffer in
        let count = min(buffer.count, 7, input.count - offset)
        input.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + count])) }
        offset += count
        return count
      }
    }
    func verdict(_ body: (inout [String]) throws -> Void) -> String {
      var lines: [String] = []
      do { try body(&lines) } catch { return "\(lines) then: \((error as! SoftadastraError).message)" }
      return "\(lines)"
    }
    var (checking, reading, handing) = (reader(), reader(), reader())
    return (
      verdict { lines in while try checking.checkNext() { lines.append("line") } },
      verdict { lines in while let operation = try reading.next() { lines.append("\(operation)") } },
      verdict { lines in
        while try handing.withNextPut({ key, value in
          lines.append("\(StoreOperation.put(key: Array(key), value: Array(value)))")
        }) {}
      }
    )
  }

  /// Checking a line without making its operation (a new node's first pass over an import)
  /// refuses what reading it refuses, with the same words, and counts the same lines; a line
  /// handed over in place is the one read: the edges of each rule, and random lines made of tabs,
  /// CRs, newlines and letters.
  @Test func checkingALineSaysWhatReadingItSays() {
    let longKey = String(repeating: "k", count: WALFormat.maxKeyBytes)
    let inputs =
      [
        "a\t1\r\n\nbb\tx\ty\n\r\n", "no tab\n", "\t1\n", "a\t\n", "\r\n\r\n", "a\t1\nb",
        "\(longKey)\tv\n", "\(longKey)k\tv\n",
      ].map { Array($0.utf8) } + [Array("k\t".utf8) + [UInt8](repeating: 0x76, count: WALFormat.maxValueBytes + 1)]
    var random = SplitMix64(seed: 17)
    let alphabet = Array("\t\r\nab".utf8)
    let randomInputs = (0..<500).map { _ in
      (0..<Int(random.next() % 24)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
    }
    func lineCount(_ verdict: String) -> String {
      verdict.replacing(/put\(key: \[[^\]]*\], value: \[[^\]]*\]\)/, with: "line")
    }
    for input in inputs + randomInputs {
      let (checked, read, inPlace) = Self.verdicts(of: input, format: .tsv)
      let shown = String(decoding: input.prefix(40), as: UTF8.self).debugDescription
      #expect(checked == lineCount(read), "\(shown)")
      #expect(inPlace == read, "\(shown)")
    }
    let json = Array("{\"key\":\"a\",\"value\":\"1\"}\n{\"key\":\"b\"}\n".utf8)
    let verdicts = Self.verdicts(of: json, format: .jsonl)
    #expect(verdicts.checked == lineCount(verdicts.read) && verdicts.inPlace == verdicts.read)
    #expect(verdicts.read.hasPrefix("[\"put(key: [97], value: [49])\"] then: line 2"))
  }

  /// Reads of any size give the same operations: lines, CR LF and a last line without a newline
  /// across every boundary.
  @Test func linesSplitAcrossReadsOfAnySizeReadTheSame() throws {
    let input = Array("a\t1\r\n\nbb\tx\ty\n\r\n{no}\tz\nc\t".utf8)
    let whole = try Self.operations(from: input, format: .tsv)
    #expect(whole.count == 4)
    for chunk in 1...input.count { #expect(try Self.operations(from: input, format: .tsv, chunk: chunk) == whole) }
    #expect(try KeyValueLinesTests.operations(from: [], format: .tsv).isEmpty)
  }

  /// A line longer than any key and value could make is refused before it is read whole.
  @Test func aLineLongerThanAnyKeyAndValueIsRefused() {
    var offset = 0
    var reader = KeyValueLines.Reader(format: .tsv) { buffer in
      let count = min(buffer.count, 1 << 20)
      memset(buffer.baseAddress!, 0x78, count)
      offset += count
      return count
    }
    #expect {
      try reader.next()
    } throws: { error in
      let error = error as! SoftadastraError
      return error.kind == .malformedInput && error.message.hasPrefix("line 1: longer than")
    }
    #expect(offset <= KeyValueLines.Reader.maxLineBytes + 2 << 20)
  }

  @Test func tsvLinesBecomePutsAndValuesKeepTheirTabs() throws {
    let input = Array("a\t1\r\n\nb\tx\ty\nc\t".utf8)
    let operations = try Self.operations(from: input, format: .tsv)
    #expect(
      operations == [
        .put(key: Array("a".utf8), value: Array("1".utf8)), .put(key: Array("b".utf8), value: Array("x\ty".utf8)),
        .put(key: Array("c".utf8), value: []),
      ])
  }

  @Test func aMalformedLineIsNamedByNumber() {
    #expect {
      try Self.operations(from: Array("a\t1\nno tab here\n".utf8), format: .tsv)
    } throws: { error in
      let error = error as! SoftadastraError
      return error.kind == .malformedInput && error.message.hasPrefix("line 2:")
    }
    #expect {
      try Self.operations(
        from: Array("{\"key\":\"a\",\"value\":\"1\"}\n{\"key\":\"b\"}\n".utf8), format: .jsonl)
    } throws: { error in
      (error as! SoftadastraError).message.hasPrefix("line 2:")
    }
    #expect {
      try Self.operations(from: Array("\t1\n".utf8), format: .tsv)
    } throws: { error in
      (error as! SoftadastraError).message == "line 1: the key is empty"
    }
  }

  /// The export line built byte by byte for ASCII keys and values is exactly the serialized
  /// export object, for keys and values of every byte (escapes, control bytes, UTF-8, bytes that
  /// are not UTF-8), and reads back.
  @Test func exportLinesAreTheSerializedExportObjects() throws {
    var random = SystemRandomNumberGenerator()
    let alphabets: [[UInt8]] = [
      Array(0..<0x80), Array("ab\"\\\n\r\t".utf8) + [0x00, 0x1F, 0x7F], Array("é✓".utf8), [0xFF, 0xC3, 0x28],
      // Long clean runs with a rare escape, where escapes are looked for eight bytes at a time.
      Array(repeating: Array("abcdefghijklmnopqrstuvwxyz0123456789 ~!".utf8), count: 12).flatMap { $0 },
    ]
    for round in 0..<2_000 {
      func bytes(minimum: Int) -> [UInt8] {
        let alphabet = alphabets[round % alphabets.count] + alphabets[1]
        return (0..<Int.random(in: minimum...40, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
      }
      let (key, value) = (bytes(minimum: 1), bytes(minimum: 0))
      var line: [UInt8] = []
      key.withUnsafeBytes { key in
        value.withUnsafeBytes { value in KeyValueLines.appendExportLine(key: key, value: value, to: &line) }
      }
      #expect(line == Array((KeyValueLines.exportObject(key: key, value: value).serialized + "\n").utf8))
      let read = try Self.operations(from: line, format: .jsonl)
      #expect(read == [.put(key: key, value: value)], "\(key) \(value)")
    }
  }

  @Test func exportObjectsImportBackIncludingBinary() throws {
    let pairs: [([UInt8], [UInt8])] = [
      (Array("k\"ey\n".utf8), Array("välue ✓".utf8)), ([0xFF, 0xFE], [0x00, 0x80, 0xFF]), (Array("e".utf8), []),
    ]
    let lines = pairs.map { KeyValueLines.exportObject(key: $0.0, value: $0.1).serialized }.joined(separator: "\n")
    let operations = try Self.operations(from: Array(lines.utf8), format: .jsonl)
    #expect(operations == pairs.map { .put(key: $0.0, value: $0.1) })
    #expect(
      KeyValueLines.exportObject(key: [0x61], value: [0xFF]).serialized
        == #"{"key":"a","value":"/w==","encoding":"base64"}"#)
  }

  @Test func jsonParsingHandlesEscapesAndRejectsJunk() throws {
    let value = try JSONValue.parse(Array(#" {"a":[1,-2,true,null,"\u00e9\ud83d\ude00\n"],"b":{}} "#.utf8))
    #expect(value["a"] == .array([.integer(1), .integer(-2), .bool(true), .null, .string("é😀\n")]))
    for junk in ["", "{", "{\"a\":}", "[1,]", "\"\\x\"", "{\"a\":1} x", "1.5", "\"\\ud800\""] {
      #expect(throws: JSONValue.ParseError.self, "\(junk)") { try JSONValue.parse(Array(junk.utf8)) }
    }
  }

  @Test func base64RoundTripsEveryLengthAndRejectsJunk() {
    for length in 0..<20 {
      let bytes = (0..<length).map { UInt8(($0 * 37) % 256) }
      #expect(Base64.decode(Base64.encode(bytes)) == bytes)
    }
    #expect(Base64.encode(Array("Softadastra".utf8)) == "U29mdGFkYXN0cmE=")
    for junk in ["a", "ab=c", "====", "ab!c"] { #expect(Base64.decode(junk) == nil, "\(junk)") }
  }

  @Test func timestampsAreISO8601UTC() {
    #expect(ISO8601.string(milliseconds: 1_795_594_148_644) == "2026-11-25T08:09:08.644Z")
    #expect(ISO8601.string(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
    #expect(ISO8601.compactString(milliseconds: 1_795_594_148_644) == "20261125T080908Z")
  }
}
