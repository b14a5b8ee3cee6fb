import Softadastra

/// How `wal-dump` and `wal-verify` show records and damage, as text and as JSON (schema in
/// docs/json-output.md).
enum RecordFormatting {
  private static let hexDigits = Array("0123456789abcdef".utf8)

  /// Appends `"text"` to `out`: quotes, backslashes and control bytes escaped, non-UTF-8 bytes
  /// as `\xNN`; with `limit`, at most that many bytes, then `...`. No strings are built (the
  /// dump's hot path).
  static func appendQuoted(_ bytes: UnsafeRawBufferPointer, limit: Int? = nil, to out: ByteBuffer) {
    let count = max(0, min(bytes.count, limit ?? bytes.count))
    out.append(0x22)
    appendEscaped(UnsafeRawBufferPointer(rebasing: bytes[..<count]), to: out)
    if count < bytes.count { out.append("...") }
    out.append(0x22)
  }

  /// Whether the eight bytes of `word` are all printable ASCII other than a quote or a backslash
  /// (false may also mean that one of them needs a closer look).
  @inline(__always)
  private static func printsAsIs(_ word: UInt64) -> Bool {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let high: UInt64 = 0x8080_8080_8080_8080
    guard word & high == 0 else { return false }
    // Below 0x20 borrows into a byte's high bit, and 0x7F carries into it.
    let outside = ((word &- ones &* 0x20) | (word &+ ones)) & high
    let quote = word ^ (ones &* 0x22)
    let backslash = word ^ (ones &* 0x5C)
    let zeroByte = ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash) & high
    return outside | zeroByte == 0
  }

  /// The inside of `appendQuoted`'s quotes: runs that print as they are (printable ASCII, whole
  /// UTF-8 sequences) are copied whole, ASCII found eight bytes at a time.
  private static func appendEscaped(_ raw: UnsafeRawBufferPointer, to out: ByteBuffer) {
    var runStart = 0
    var index = 0
    while index < raw.count {
      if index + 8 <= raw.count, printsAsIs(raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
        index += 8
        continue
      }
      let byte = raw[index]
      if byte >= 0x20, byte < 0x7F, byte != 0x22, byte != 0x5C {
        index += 1
        continue
      }
      if (0xC2...0xF4).contains(byte) {
        // A whole UTF-8 sequence prints as itself; anything else byte by byte.
        let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
        if index + length <= raw.count,
          String(validating: UnsafeRawBufferPointer(rebasing: raw[index..<index + length]), as: UTF8.self) != nil
        {
          index += length
          continue
        }
      }
      out.append(UnsafeRawBufferPointer(rebasing: raw[runStart..<index]))
      out.append(0x5C)
      switch byte {
      case 0x22, 0x5C: out.append(byte)
      case 0x0A: out.append(UInt8(ascii: "n"))
      case 0x0D: out.append(UInt8(ascii: "r"))
      case 0x09: out.append(UInt8(ascii: "t"))
      default:
        out.append(UInt8(ascii: "x"))
        out.append(hexDigits[Int(byte >> 4)])
        out.append(hexDigits[Int(byte & 0x0F)])
      }
      index += 1
      runStart = index
    }
    out.append(UnsafeRawBufferPointer(rebasing: raw[runStart...]))
  }

  static func opName(_ record: WALRecord) -> String {
    switch record.body {
    case .operation(.put, _): "put"
    case .operation(.delete, _): "delete"
    case .tailRepairNote: "tail-repair"
    case .lostRange: "lost-range"
    case .syncTable: "sync-table"
    case .unread(let type) where type == RecordType.syncTable: "sync-table"
    case .skipped(let type, _), .unread(let type): "type-\(type)"
    }
  }

  /// Formats times, reusing the text of the last second: records come in bursts.
  struct TimeFormatter {
    private var second: UInt64 = .max
    private var prefix: [UInt8] = []

    /// Appends `2026-11-25T08:09:08.650Z`.
    mutating func append(milliseconds: UInt64, to out: ByteBuffer) {
      if milliseconds / 1000 != second {
        second = milliseconds / 1000
        prefix = Array(ISO8601.string(milliseconds: second * 1000).utf8.dropLast(4))
      }
      let fraction = milliseconds % 1000
      out.append(prefix)
      out.append(UInt8(ascii: "0") + UInt8(fraction / 100))
      out.append(UInt8(ascii: "0") + UInt8(fraction / 10 % 10))
      out.append(UInt8(ascii: "0") + UInt8(fraction % 10))
      out.append(UInt8(ascii: "Z"))
    }
  }

  /// Appends `value` in decimal.
  /// `value` with one decimal digit ("4.6"), without Foundation.
  static func oneDecimal(_ value: Double) -> String {
    guard value.isFinite, value >= 0 else { return "0.0" }
    let tenths = UInt64((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
  }

  static func appendDecimal(_ value: UInt64, to out: ByteBuffer) {
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
      out.append(UnsafeRawBufferPointer(rebasing: buffer[(20 - count)...]))
    }
  }

  /// Appends one logfmt line: `lsn=1 offset=39 time=… op=put key="…" value="…"` and a newline.
  /// `operation` is the record's operation, however it was read (`LogReader.withOperation`).
  static func appendLine(
    _ scanned: ScannedRecord, operation: OperationInPlace?, valueLimit: Int?, times: inout TimeFormatter,
    to out: ByteBuffer
  ) {
    out.append("lsn=")
    appendDecimal(scanned.record.lsn, to: out)
    out.append(" offset=")
    appendDecimal(scanned.offset, to: out)
    out.append(" time=")
    times.append(milliseconds: scanned.record.timestamp.milliseconds, to: out)
    if let operation {
      out.append(operation.isDelete ? " op=delete key=" : " op=put key=")
      appendQuoted(operation.key, to: out)
      if !operation.isDelete {
        out.append(" value=")
        appendQuoted(operation.value, limit: valueLimit, to: out)
        if let valueLimit, operation.value.count > valueLimit {
          out.append(" value_bytes=")
          appendDecimal(UInt64(operation.value.count), to: out)
        }
      }
      if let origin = operation.origin { out.append(string: " origin=\(origin.nodeID)/\(origin.lsn)") }
    } else {
      let record = scanned.record
      out.append(string: " op=\(opName(record))")
      switch record.body {
      case .tailRepairNote(let offset, let bytes): out.append(string: " cut_offset=\(offset) cut_bytes=\(bytes)")
      case .lostRange(let count, let offset, let bytes):
        out.append(
          string: " lost_lsns=\(record.lsn)-\(record.lsn + count - 1) damage_offset=\(offset) damage_bytes=\(bytes)")
      case .skipped(_, let payload), .syncTable(let payload): out.append(string: " payload_bytes=\(payload.count)")
      // A native record read in place: its payload is what its frame does not take.
      case .unread: out.append(string: " payload_bytes=\(scanned.size - WALFormat.recordOverhead)")
      case .operation: break
      }
    }
    switch scanned.record.batch {
    case .single: break
    case .first: out.append(" batch=first")
    case .middle: out.append(" batch=middle")
    case .last: out.append(" batch=last")
    }
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
