import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

/// Writes to standard output (data only, buffered) and standard error (diagnostics), binary-safe.
/// `main` flushes standard output before the process exits.
enum Output {
  nonisolated(unsafe) private static let buffer = ByteBuffer()

  static func write(_ bytes: [UInt8]) {
    buffer.append(bytes)
    if buffer.count >= 1 << 16 { flush() }
  }

  static func line(_ text: String) {
    buffer.append(string: text)
    buffer.append(0x0A)
    if buffer.count >= 1 << 16 { flush() }
  }

  static func json(_ value: JSONValue) { line(value.serialized) }

  /// The version of every JSON document the toolkit prints: docs/json-output.md says what each
  /// version changed, docs/schemas/ holds each command's schema.
  static let schemaVersion = 2

  /// One JSON document (an object on one line) with `"schema"` as its first member.
  static func document(_ members: [(String, JSONValue)]) { json(documentObject(members)) }

  /// The object `document` prints, for output that goes elsewhere than standard output.
  static func documentObject(_ members: [(String, JSONValue)]) -> JSONValue {
    .object([("schema", .number(schemaVersion))] + members)
  }

  /// Lets `body` append bytes to standard output's buffer directly (for hot loops).
  static func append(_ body: (ByteBuffer) -> Void) {
    body(buffer)
    if buffer.count >= 1 << 16 { flush() }
  }

  /// Writes what is buffered for standard output.
  static func flush() {
    writeAll(1, buffer.bytes)
    buffer.removeAll()
  }

  /// One diagnostic line: `softadastra: error: …`.
  static func error(_ message: String) { diagnostic("error: \(message)") }

  /// One line on standard error, prefixed with the program name.
  static func diagnostic(_ message: String) {
    flush()
    writeAll(2, Array("softadastra: \(message)\n".utf8))
  }

  /// Text on standard error as it is (for progress lines), after what is buffered for standard output.
  static func standardError(_ text: String) {
    flush()
    writeAll(2, Array(text.utf8))
  }

  /// Writes all of `bytes` to `descriptor`; the errno of a failure, or nil.
  @discardableResult
  static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Int32? {
    bytes.withUnsafeBytes { writeAll(descriptor, $0) }
  }

  /// Writes all of `raw` to `descriptor`; the errno of a failure, or nil.
  @discardableResult
  static func writeAll(_ descriptor: Int32, _ raw: UnsafeRawBufferPointer) -> Int32? {
    var done = 0
    while done < raw.count {
      let n = Glibc.write(descriptor, raw.baseAddress! + done, raw.count - done)
      if n < 0, errno == EINTR { continue }
      if n <= 0 { return n < 0 ? errno : EIO }
      done += n
    }
    return nil
  }
}

/// `1 record`, `2 records`.
func counted(_ count: some BinaryInteger, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
