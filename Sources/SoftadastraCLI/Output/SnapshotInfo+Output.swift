import Softadastra

extension SnapshotInfo {
  /// A snapshot in JSON (in `snapshot`, `status` and `wal-replay`).
  var json: JSONValue {
    .object([
      ("path", .string(path)), ("lsn", .number(lsn)), ("base_lsn", baseLSN.map { .number($0) } ?? .null),
      ("keys", .number(keys)),
      ("size_bytes", .number(bytes)), ("raw_bytes", .number(rawBytes)),
      ("created", .string(ISO8601.string(milliseconds: UInt64(max(0, createdMilliseconds))))),
    ])
  }

  /// " (delta over LSN 1000)" for a delta snapshot, "" for a full one.
  var deltaText: String { baseLSN.map { " (delta over LSN \($0))" } ?? "" }

  /// "10502548 bytes (140000000 bytes of entries, 13.3x smaller)".
  var sizeText: String {
    let ratio = bytes == 0 ? 0 : Double(rawBytes) / Double(bytes)
    let compression =
      ratio >= 1 ? "\(RecordFormatting.oneDecimal(ratio))x smaller" : "too small to gain from compression"
    return "\(bytes) bytes (\(rawBytes) bytes of entries, \(compression))"
  }
}
