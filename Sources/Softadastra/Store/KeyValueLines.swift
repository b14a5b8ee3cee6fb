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

  /// Parses a whole input into put operations; any malformed line rejects all of it.
  ///
  /// Empty lines are skipped; a final line without a newline counts. A line ending in CR LF
  /// loses the CR.
  /// - Throws: `malformedInput` naming the first bad line.
  package static func operations(from input: [UInt8], format: Format) throws(SoftadastraError) -> [StoreOperation] {
    var operations: [StoreOperation] = []
    var lineNumber = 0
    var start = 0
    while start < input.count {
      lineNumber += 1
      var end = input[start...].firstIndex(of: 0x0A) ?? input.count
      let next = end + 1
      if end > start, input[end - 1] == 0x0D { end -= 1 }
      if end > start {
        let line = input[start..<end]
        let pair: (key: [UInt8], value: [UInt8])
        switch format {
        case .tsv: pair = try tsvPair(line, lineNumber)
        case .jsonl: pair = try jsonPair(line, lineNumber)
        }
        try check(pair, lineNumber)
        operations.append(.put(key: pair.key, value: pair.value))
      }
      start = next
    }
    return operations
  }

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
    guard let tab = line.firstIndex(of: 0x09) else {
      throw SoftadastraError(.malformedInput, "line \(number): no tab between key and value")
    }
    return (Array(line[..<tab]), Array(line[(tab + 1)...]))
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

  private static func check(_ pair: (key: [UInt8], value: [UInt8]), _ number: Int) throws(SoftadastraError) {
    if pair.key.isEmpty { throw SoftadastraError(.malformedInput, "line \(number): the key is empty") }
    if pair.key.count > WALFormat.maxKeyBytes {
      throw SoftadastraError(.malformedInput, "line \(number): the key is longer than \(WALFormat.maxKeyBytes) bytes")
    }
    if pair.value.count > WALFormat.maxValueBytes {
      throw SoftadastraError(
        .malformedInput, "line \(number): the value is larger than \(WALFormat.maxValueBytes) bytes")
    }
  }
}
