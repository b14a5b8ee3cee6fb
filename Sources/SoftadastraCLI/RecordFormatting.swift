import Softadastra

/// How `wal-dump` and `wal-verify` show records and damage, as text and as JSON (schema in
/// docs/json-output.md).
enum RecordFormatting {
  /// The version of the JSON objects the WAL commands print.
  static let schemaVersion = 1

  /// `"text"` with quotes, backslashes and control bytes escaped, non-UTF-8 bytes as `\xNN`;
  /// with `limit`, at most that many bytes, then `...`.
  static func quoted(_ bytes: [UInt8], limit: Int? = nil) -> String {
    let shown = limit.map { Array(bytes.prefix($0)) } ?? bytes
    var out = "\""
    var index = 0
    while index < shown.count {
      let byte = shown[index]
      switch byte {
      case 0x22: out += "\\\""
      case 0x5C: out += "\\\\"
      case 0x0A: out += "\\n"
      case 0x0D: out += "\\r"
      case 0x09: out += "\\t"
      case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(byte))
      case 0xC2...0xF4:
        // A whole UTF-8 sequence prints as itself; anything else byte by byte.
        let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
        if index + length <= shown.count, let text = String(validating: shown[index..<index + length], as: UTF8.self) {
          out += text
          index += length
          continue
        }
        out += hexEscape(byte)
      default: out += hexEscape(byte)
      }
      index += 1
    }
    return out + (shown.count < bytes.count ? "...\"" : "\"")
  }

  private static func hexEscape(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16)
    return "\\x" + (digits.count == 1 ? "0" : "") + digits
  }

  static func opName(_ record: WALRecord) -> String {
    switch record.body {
    case .operation(.put, _): "put"
    case .operation(.delete, _): "delete"
    case .tailRepairNote: "tail-repair"
    case .lostRange: "lost-range"
    case .skipped(let type, _): "type-\(type)"
    }
  }

  /// One logfmt line: `lsn=1 offset=39 time=… op=put key="…" value="…"`.
  static func line(_ scanned: ScannedRecord, valueLimit: Int?) -> String {
    let record = scanned.record
    var fields = [
      "lsn=\(record.lsn)", "offset=\(scanned.offset)", "time=\(ISO8601.string(milliseconds: record.timestamp.milliseconds))",
      "op=\(opName(record))",
    ]
    switch record.body {
    case .operation(let operation, let origin):
      fields.append("key=\(quoted(operation.key))")
      if case .put(_, let value) = operation {
        fields.append("value=\(quoted(value, limit: valueLimit))")
        if let valueLimit, value.count > valueLimit { fields.append("value_bytes=\(value.count)") }
      }
      if let origin { fields.append("origin=\(origin.nodeID)/\(origin.lsn)") }
    case .tailRepairNote(let offset, let bytes): fields += ["cut_offset=\(offset)", "cut_bytes=\(bytes)"]
    case .lostRange(let count, let offset, let bytes):
      fields += ["lost_lsns=\(record.lsn)-\(record.lsn + count - 1)", "damage_offset=\(offset)", "damage_bytes=\(bytes)"]
    case .skipped(_, let payload): fields.append("payload_bytes=\(payload.count)")
    }
    if record.batch != .single { fields.append("batch=\(record.batch)") }
    return fields.joined(separator: " ")
  }

  /// One JSON object for a record (schema `wal-dump` version 1).
  static func json(_ scanned: ScannedRecord) -> JSONValue {
    let record = scanned.record
    var members: [(String, JSONValue)] = [
      ("schema", .number(schemaVersion)), ("lsn", .number(record.lsn)), ("offset", .number(scanned.offset)),
      ("size", .number(scanned.size)), ("timestamp", .string(ISO8601.string(milliseconds: record.timestamp.milliseconds))),
      ("hlc", .number(record.timestamp.rawValue)), ("op", .string(opName(record))), ("batch", .string("\(record.batch)")),
    ]
    switch record.body {
    case .operation(let operation, let origin):
      let value: [UInt8]? = if case .put(_, let value) = operation { value } else { nil }
      if case .object(let pair) = KeyValueLines.exportObject(key: operation.key, value: value ?? []) {
        members += pair.filter { value != nil || ($0.0 != "value" && $0.0 != "encoding") }
      }
      if let value { members.append(("value_bytes", .number(value.count))) }
      members.append(
        (
          "origin",
          origin.map {
            .object([
              ("node_id", .string($0.nodeID)), ("lsn", .number($0.lsn)),
              ("timestamp", .string(ISO8601.string(milliseconds: $0.timestamp.milliseconds))),
              ("hlc", .number($0.timestamp.rawValue)),
            ])
          } ?? .null
        ))
    case .tailRepairNote(let offset, let bytes):
      members += [("cut_offset", .number(offset)), ("cut_bytes", .number(bytes))]
    case .lostRange(let count, let offset, let bytes):
      members += [("lost_count", .number(count)), ("damage_offset", .number(offset)), ("damage_bytes", .number(bytes))]
    case .skipped(_, let payload): members.append(("payload_bytes", .number(payload.count)))
    }
    return .object(members)
  }

  static func json(_ region: DamagedRegion) -> JSONValue {
    .object([
      ("offset", .number(region.offset)), ("bytes", .number(region.bytes)), ("expected_lsn", .number(region.expectedLSN)),
      ("reason", .string(region.problem.description)), ("tail", .bool(region.isTail)),
    ])
  }

  static func json(_ header: WALHeader) -> JSONValue {
    .object([
      ("format", .string("native")), ("version", .number(WALFormat.version)), ("node_id", .string(header.nodeID)),
      ("created", .string(ISO8601.string(milliseconds: UInt64(max(0, header.createdMilliseconds))))),
      ("first_lsn", .number(header.firstLSN)), ("header_bytes", .number(header.size)),
    ])
  }

  /// `N bytes at offset X (LSN Y): reason`.
  static func describe(_ region: DamagedRegion) -> String {
    "\(region.bytes) bytes at offset \(region.offset) (LSN \(region.expectedLSN)): \(region.problem)"
  }
}
