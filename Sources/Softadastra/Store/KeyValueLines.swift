@_spi(Storage) import SoftadastraWAL

#if canImport(Glibc)
  import Glibc
#endif

/// The line formats that `store import` reads and `store export` writes.
package enum KeyValueLines {
  /// An input format.
  package enum Format: String, Sendable, CaseIterable {
    /// `key<TAB>value` per line; the value runs to the end of the line and may hold tabs.
    case tsv
    /// One JSON object per line: `{"key":"…","value":"…"}`, with `"encoding":"base64"` when the
    /// value is base64 and `"key_encoding":"base64"` when the key is. Other members are ignored.
    case jsonl
  }

  /// Put operations read from an input a line at a time, in memory that does not grow with the
  /// input (a chunk and the longest line): what `store import` streams into one batch.
  ///
  /// Empty lines are skipped; a final line without a newline counts. A line ending in CR LF
  /// loses the CR. A malformed line throws `malformedInput` naming it by number.
  package struct Reader {
    package let format: Format
    /// Reads up to the buffer's size into it; 0 at the end of the input.
    private let read: (UnsafeMutableRawBufferPointer) throws(SoftadastraError) -> Int
    /// Read bytes, valid up to `filled`; a line longer than it grows it.
    private var buffer = [UInt8](repeating: 0, count: chunkBytes)
    private var filled = 0
    /// Where the next line starts in `buffer`, and where to go on looking for its newline.
    private var lineStart = 0
    private var scanned = 0
    private var atEnd = false
    private var lineNumber = 0
    /// The bytes of input read so far.
    package private(set) var bytesRead: UInt64 = 0

    /// The longest line read: the largest key and value, JSON-escaped (up to 6 bytes a byte).
    package static let maxLineBytes = 6 * (WALFormat.maxKeyBytes + WALFormat.maxValueBytes) + 1024
    static let chunkBytes = 1 << 20

    package init(format: Format, read: @escaping (UnsafeMutableRawBufferPointer) throws(SoftadastraError) -> Int) {
      self.format = format
      self.read = read
    }

    /// Lines of `file`, from its start.
    package init(file: SystemFile, format: Format) {
      var offset: UInt64 = 0
      self.init(format: format) { buffer throws(SoftadastraError) in
        let count = try file.read(into: buffer, at: offset)
        offset += UInt64(count)
        return count
      }
    }

    /// The next line's operation; nil at the end of the input.
    package mutating func next() throws(SoftadastraError) -> StoreOperation? {
      guard let line = try nextNonEmptyLine() else { return nil }
      let (key, value) = try KeyValueLines.pair(buffer[line], number: lineNumber, format: format)
      return .put(key: key, value: value)
    }

    /// Hands the next line's key and value to `put` where they lie (a JSON line's once decoded),
    /// checked as `next()` checks them; false at the end of the input.
    package mutating func withNextPut(
      _ put: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws(SoftadastraError) -> Void
    ) throws(SoftadastraError) -> Bool {
      guard format == .tsv else {
        guard let line = try nextNonEmptyLine() else { return false }
        let (key, value) = try KeyValueLines.pair(buffer[line], number: lineNumber, format: format)
        try key.withUnsafeBytes { key in
          value.withUnsafeBytes { value in Result { () throws(SoftadastraError) in try put(key, value) } }
        }.get()
        return true
      }
      guard let (line, tab) = try nextCheckedTSVLine() else { return false }
      try buffer.withUnsafeBytes { bytes in
        Result { () throws(SoftadastraError) in
          try put(
            UnsafeRawBufferPointer(rebasing: bytes[line.lowerBound..<tab]),
            UnsafeRawBufferPointer(rebasing: bytes[(tab + 1)..<line.upperBound]))
        }
      }.get()
      return true
    }

    /// Checks the next line as `next()` reads it, without making its operation (a TSV line's
    /// key and value are only measured); false at the end of the input.
    package mutating func checkNext() throws(SoftadastraError) -> Bool {
      guard format == .tsv else { return try next() != nil }
      return try nextCheckedTSVLine() != nil
    }

    /// Where the next TSV line that is not empty is in `buffer`, and its tab, its key's and
    /// value's sizes checked; nil at the end of the input.
    private mutating func nextCheckedTSVLine() throws(SoftadastraError) -> (line: Range<Int>, tab: Int)? {
      guard let line = try nextNonEmptyLine() else { return nil }
      let tab = try KeyValueLines.tsvTab(buffer[line], lineNumber)
      try KeyValueLines.check(keyBytes: tab - line.lowerBound, valueBytes: line.upperBound - tab - 1, lineNumber)
      return (line, tab)
    }

    /// Where the next line that is not empty is in `buffer`, without its newline or a CR before
    /// it; nil at the end of the input.
    private mutating func nextNonEmptyLine() throws(SoftadastraError) -> Range<Int>? {
      while let line = try nextLine() {
        var end = line.upperBound
        if end > line.lowerBound, buffer[end - 1] == 0x0D { end -= 1 }
        if end > line.lowerBound { return line.lowerBound..<end }
      }
      return nil
    }

    /// Where the next line is in `buffer` (without its newline); nil at the end of the input.
    private mutating func nextLine() throws(SoftadastraError) -> Range<Int>? {
      while true {
        let (from, to) = (scanned, filled)
        let found = buffer.withUnsafeBytes { bytes -> Int? in
          guard to > from, let hit = memchr(bytes.baseAddress! + from, 0x0A, to - from) else { return nil }
          return UnsafeRawPointer(hit) - bytes.baseAddress!
        }
        if let newline = found {
          lineNumber += 1
          defer { (lineStart, scanned) = (newline + 1, newline + 1) }
          return lineStart..<newline
        }
        scanned = filled
        if atEnd {
          guard lineStart < filled else { return nil }
          lineNumber += 1
          defer { (lineStart, scanned) = (filled, filled) }
          return lineStart..<filled
        }
        try readMore()
      }
    }

    /// Moves the line begun to the front of the buffer (growing it when the line fills it), then
    /// reads what follows it.
    private mutating func readMore() throws(SoftadastraError) {
      let kept = filled - lineStart
      guard kept <= Self.maxLineBytes else {
        throw SoftadastraError(
          .malformedInput,
          "line \(lineNumber + 1): longer than \(Self.maxLineBytes) bytes, the most a key and value take")
      }
      let start = lineStart
      if start > 0 {
        buffer.withUnsafeMutableBytes { bytes in _ = memmove(bytes.baseAddress!, bytes.baseAddress! + start, kept) }
      }
      (lineStart, scanned, filled) = (0, scanned - start, kept)
      if filled == buffer.count {
        let grown = min(buffer.count * 2, Self.maxLineBytes + Self.chunkBytes)
        buffer.append(contentsOf: [UInt8](repeating: 0, count: grown - buffer.count))
      }
      let (read, from) = (self.read, filled)
      let count = try buffer.withUnsafeMutableBytes { bytes in
        Result { () throws(SoftadastraError) in try read(UnsafeMutableRawBufferPointer(rebasing: bytes[from...])) }
      }.get()
      filled += count
      bytesRead += UInt64(count)
      atEnd = count == 0
    }
  }

  /// The key and value of one line (without its newline), number `number` of the input, checked
  /// against the format's limits.
  static func pair(_ line: ArraySlice<UInt8>, number: Int, format: Format) throws(SoftadastraError)
    -> (key: [UInt8], value: [UInt8])
  {
    let pair: (key: [UInt8], value: [UInt8])
    switch format {
    case .tsv: pair = try tsvPair(line, number)
    case .jsonl: pair = try jsonPair(line, number)
    }
    try check(keyBytes: pair.key.count, valueBytes: pair.value.count, number)
    return pair
  }

  /// Appends the export line of one entry (`exportObject` serialized, then a newline) to `out`:
  /// built byte by byte when the key and value are ASCII (what export spends its time on), through
  /// `exportObject` otherwise.
  package static func appendExportLine(
    key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, to out: inout [UInt8]
  ) {
    guard isASCII(key), isASCII(value) else {
      out.append(contentsOf: exportObject(key: Array(key), value: Array(value)).serialized.utf8)
      out.append(0x0A)
      return
    }
    appendLiteral(#"{"key":""#, to: &out)
    appendEscaped(key, to: &out)
    appendLiteral(#"","value":""#, to: &out)
    appendEscaped(value, to: &out)
    appendLiteral("\"}\n", to: &out)
  }

  /// Appends a fixed part of a line. A literal's bytes need no copy out of a string, nor the
  /// retain and release of a shared array, for every line.
  @inline(__always)
  private static func appendLiteral(_ text: StaticString, to out: inout [UInt8]) {
    text.withUTF8Buffer { out.append(contentsOf: $0) }
  }

  private static func isASCII(_ buffer: UnsafeRawBufferPointer) -> Bool {
    var index = 0
    while index + 8 <= buffer.count {
      if buffer.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
      index += 8
    }
    while index < buffer.count {
      if buffer[index] >= 0x80 { return false }
      index += 1
    }
    return true
  }

  /// Whether any of the eight ASCII bytes in `word` needs an escape: a control byte (below 0x20,
  /// or 0x7F), a quote or a backslash. Bytes are below 0x80, so no borrow crosses a byte.
  @inline(__always)
  private static func needsEscape(_ word: UInt64) -> Bool {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let high: UInt64 = 0x8080_8080_8080_8080
    func hasZero(_ x: UInt64) -> Bool { (x &- ones) & ~x & high != 0 }
    let control = (word &- ones &* 0x20) & high  // a byte below 0x20 borrows into its high bit
    return control != 0 || hasZero(word ^ (ones &* 0x22)) || hasZero(word ^ (ones &* 0x5C))
      || hasZero(word ^ (ones &* 0x7F))
  }

  /// ASCII bytes as the inside of a JSON string, escaped as `JSONValue` escapes them: runs that
  /// need no escape are copied whole, found eight bytes at a time.
  private static func appendEscaped(_ raw: UnsafeRawBufferPointer, to out: inout [UInt8]) {
    var runStart = 0
    var index = 0
    while index < raw.count {
      if index + 8 <= raw.count, !needsEscape(raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
        index += 8
        continue
      }
      let byte = raw[index]
      index += 1
      guard byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F else { continue }
      let position = index - 1
      out.appendBytes(UnsafeRawBufferPointer(rebasing: raw[runStart..<position]))
      runStart = position + 1
      switch byte {
      case 0x22, 0x5C: out.append(contentsOf: [0x5C, byte])
      case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
      case 0x0D: out.append(contentsOf: [0x5C, 0x72])
      case 0x09: out.append(contentsOf: [0x5C, 0x74])
      default:
        out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
      }
    }
    out.appendBytes(UnsafeRawBufferPointer(rebasing: raw[runStart...]))
  }

  private static let hexDigits = Array("0123456789abcdef".utf8)

  /// The members of `{"key":…}`, with `"key_encoding":"base64"` for a key that is not UTF-8.
  package static func keyMembers(_ key: [UInt8]) -> [(String, JSONValue)] {
    if let text = String(validating: key, as: UTF8.self) { return [("key", .string(text))] }
    return [("key", .string(Base64.encode(key))), ("key_encoding", .string("base64"))]
  }

  /// The export object for one entry: `{"key":…,"value":…}` plus encodings for non-UTF-8 bytes.
  package static func exportObject(key: [UInt8], value: [UInt8]) -> JSONValue {
    .object(entryMembers(key: key, value: value))
  }

  /// The members of the export object for one entry.
  package static func entryMembers(key: [UInt8], value: [UInt8]) -> [(String, JSONValue)] {
    var members = keyMembers(key)
    if let text = String(validating: value, as: UTF8.self) {
      members.append(("value", .string(text)))
    } else {
      members.append(("value", .string(Base64.encode(value))))
      members.append(("encoding", .string("base64")))
    }
    return members
  }

  private static func tsvPair(_ line: ArraySlice<UInt8>, _ number: Int) throws(SoftadastraError) -> ([UInt8], [UInt8]) {
    let tab = try tsvTab(line, number)
    return (Array(line[..<tab]), Array(line[(tab + 1)...]))
  }

  /// Where the tab between a TSV line's key and value is.
  fileprivate static func tsvTab(_ line: ArraySlice<UInt8>, _ number: Int) throws(SoftadastraError) -> Int {
    guard let tab = line.firstIndex(of: 0x09) else {
      throw SoftadastraError(.malformedInput, "line \(number): no tab between key and value")
    }
    return tab
  }

  private static func jsonPair(_ line: ArraySlice<UInt8>, _ number: Int) throws(SoftadastraError) -> ([UInt8], [UInt8])
  {
    let object: JSONValue
    do throws(JSONValue.ParseError) { object = try JSONValue.parse(line) } catch {
      throw SoftadastraError(.malformedInput, "line \(number): not valid JSON: \(error)")
    }
    guard case .object = object else {
      throw SoftadastraError(.malformedInput, "line \(number): expected a JSON object with \"key\" and \"value\"")
    }
    return (
      try field(object, "key", encoding: "key_encoding", number),
      try field(object, "value", encoding: "encoding", number)
    )
  }

  private static func field(_ object: JSONValue, _ name: String, encoding: String, _ number: Int)
    throws(SoftadastraError)
    -> [UInt8]
  {
    guard case .string(let text) = object[name] else {
      throw SoftadastraError(.malformedInput, "line \(number): \"\(name)\" is missing or not a string")
    }
    switch object[encoding] {
    case nil, .string("utf8"), .string("utf-8"): return Array(text.utf8)
    case .string("base64"):
      guard let bytes = Base64.decode(text) else {
        throw SoftadastraError(.malformedInput, "line \(number): \"\(name)\" is not valid base64")
      }
      return bytes
    default:
      throw SoftadastraError(.malformedInput, "line \(number): \"\(encoding)\" must be \"base64\" or \"utf8\"")
    }
  }

  fileprivate static func check(keyBytes: Int, valueBytes: Int, _ number: Int) throws(SoftadastraError) {
    if keyBytes == 0 { throw SoftadastraError(.malformedInput, "line \(number): the key is empty") }
    if keyBytes > WALFormat.maxKeyBytes {
      throw SoftadastraError(.malformedInput, "line \(number): the key is longer than \(WALFormat.maxKeyBytes) bytes")
    }
    if valueBytes > WALFormat.maxValueBytes {
      throw SoftadastraError(
        .malformedInput, "line \(number): the value is larger than \(WALFormat.maxValueBytes) bytes")
    }
  }
}
