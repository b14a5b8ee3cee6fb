import Softadastra

/// How `wal-dump` and `wal-verify` show records and damage, as text and as JSON (schema in
/// docs/json-output.md).
enum RecordFormatting {
  private static let hexDigits = Array("0123456789abcdef".utf8)

  /// Appends `"text"` to `out`: quotes, backslashes and control bytes escaped, non-UTF-8 bytes
  /// as `\xNN`; with `limit`, at most that many bytes, then `...`. No strings are built (the
  /// dump's hot path).
  static func appendQuoted(_ bytes: [UInt8], limit: Int? = nil, to out: inout [UInt8]) {
    let count = min(bytes.count, limit ?? bytes.count)
    out.append(0x22)
    var index = 0
    while index < count {
      // Runs of printable ASCII, the common case, are copied in one go.
      var end = index
      while end < count, bytes[end] >= 0x20, bytes[end] < 0x7F, bytes[end] != 0x22, bytes[end] != 0x5C { end += 1 }
      if end > index {
        out.append(contentsOf: bytes[index..<end])
        index = end
        continue
      }
      let byte = bytes[index]
      switch byte {
      case 0x22, 0x5C: out += [0x5C, byte]
      case 0x0A: out += [0x5C, UInt8(ascii: "n")]
      case 0x0D: out += [0x5C, UInt8(ascii: "r")]
      case 0x09: out += [0x5C, UInt8(ascii: "t")]
      case 0x20..<0x7F: out.append(byte)
      case 0xC2...0xF4:
        // A whole UTF-8 sequence prints as itself; anything else byte by byte.
        let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
        if index + length <= count, String(validating: bytes[index..<index + length], as: UTF8.self) != nil {
          out += bytes[index..<index + length]
          index += length
          continue
        }
        out += [0x5C, UInt8(ascii: "x"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
      default: out += [0x5C, UInt8(ascii: "x"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
      }
      index += 1
    }
    if count < bytes.count { out += Array("...".utf8) }
    out.append(0x22)
  }

  static func opName(_ record: WALRecord) -> String {
    switch record.body {
    case .operation(.put, _): "put"
    case .operation(.delete, _): "delete"
    case .tailRepairNote: "tail-repair"
    case .lostRange: "lost-range"
    case .syncTable: "sync-table"
    case .skipped(let type, _), .unread(let type): "type-\(type)"
    }
  }

  /// Formats times, reusing the text of the last second: records come in bursts.
  struct TimeFormatter {
    private var second: UInt64 = .max
    private var prefix: [UInt8] = []

    /// Appends `2026-11-25T08:09:08.650Z`.
    mutating func append(milliseconds: UInt64, to out: inout [UInt8]) {
      if milliseconds / 1000 != second {
        second = milliseconds / 1000
        prefix = Array(ISO8601.string(milliseconds: second * 1000).utf8.dropLast(4))
      }
      let fraction = milliseconds % 1000
      out += prefix
      out += [
        UInt8(ascii: "0") + UInt8(fraction / 100), UInt8(ascii: "0") + UInt8(fraction / 10 % 10),
        UInt8(ascii: "0") + UInt8(fraction % 10), UInt8(ascii: "Z"),
      ]
    }
  }

  /// Appends `value` in decimal.
  /// `value` with one decimal digit ("4.6"), without Foundation.
  static func oneDecimal(_ value: Double) -> String {
    guard value.isFinite, value >= 0 else { return "0.0" }
    let tenths = UInt64((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
  }

  static func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
    var digits:
      (
        UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
        UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
      ) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var count = 0
    var rest = value
    withUnsafeMutableBytes(of: &digits) { buffer in
      repeat {
        buffer[19 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
        rest /= 10
        count += 1
      } while rest > 0
      out.append(contentsOf: buffer[(20 - count)...])
    }
  }

  /// Appends one logfmt line: `lsn=1 offset=39 time=… op=put key="…" value="…"` and a newline.
  static func appendLine(_ scanned: ScannedRecord, valueLimit: Int?, times: inout TimeFormatter, to out: inout [UInt8])
  {
    let record = scanned.record
    out += "lsn=".utf8
    appendDecimal(record.lsn, to: &out)
    out += " offset=".utf8
    appendDecimal(scanned.offset, to: &out)
    out += " time=".utf8
    times.append(milliseconds: record.timestamp.milliseconds, to: &out)
    out += " op=".utf8
    out += opName(record).utf8
    var extra = ""
    switch record.body {
    case .operation(let operation, let origin):
      out += " key=".utf8
      appendQuoted(operation.key, to: &out)
      if case .put(_, let value) = operation {
        out += " value=".utf8
        appendQuoted(value, limit: valueLimit, to: &out)
        if let valueLimit, value.count > valueLimit { extra += " value_bytes=\(value.count)" }
      }
      if let origin { extra += " origin=\(origin.nodeID)/\(origin.lsn)" }
    case .tailRepairNote(let offset, let bytes): extra += " cut_offset=\(offset) cut_bytes=\(bytes)"
    case .lostRange(let count, let offset, let bytes):
      extra += " lost_lsns=\(record.lsn)-\(record.lsn + count - 1) damage_offset=\(offset) damage_bytes=\(bytes)"
    case .skipped(_, let payload), .syncTable(let payload): extra += " payload_bytes=\(payload.count)"
    case .unread: break
    }
    if record.batch != .single { extra += " batch=" + record.batch.name }
    out += extra.utf8
    out.append(0x0A)
  }

  /// The JSON members of a record (a line of `wal-dump --json` after `schema`).
  static func members(of scanned: ScannedRecord) -> [(String, JSONValue)] {
    let record = scanned.record
    var members: [(String, JSONValue)] = [
      ("lsn", .number(record.lsn)), ("offset", .number(scanned.offset)),
      ("size", .number(scanned.size)),
      ("timestamp", .string(ISO8601.string(milliseconds: record.timestamp.milliseconds))),
      ("hlc", .number(record.timestamp.rawValue)), ("op", .string(opName(record))),
      ("batch", .string(record.batch.name)),
    ]
    switch record.body {
    case .operation(let operation, let origin):
      if case .put(let key, let value) = operation {
        members += KeyValueLines.entryMembers(key: key, value: value)
        members.append(("value_bytes", .number(value.count)))
      } else {
        members += KeyValueLines.keyMembers(operation.key)
      }
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
    case .skipped(_, let payload), .syncTable(let payload): members.append(("payload_bytes", .number(payload.count)))
    case .unread: break
    }
    return members
  }

  static func json(_ region: DamagedRegion) -> JSONValue {
    .object([
      ("offset", .number(region.offset)), ("bytes", .number(region.bytes)),
      ("expected_lsn", .number(region.expectedLSN)),
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
