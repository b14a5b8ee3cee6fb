import Softadastra

extension ArchiveState {
  /// `status --json`'s `archive` member and `archive --once --json`'s `state`.
  var json: JSONValue {
    .object([
      ("destination", .string(destination)), ("base_lsn", .number(baseLSN)),
      ("base_time", .string(ISO8601.string(milliseconds: UInt64(max(0, baseMilliseconds))))),
      ("shipped_lsn", .number(shippedLSN)),
      (
        "pending",
        pending.map { .object([("first_lsn", .number($0.firstLSN)), ("last_lsn", .number($0.lastLSN))]) } ?? .null
      ),
      ("segments", .number(segments)), ("bases", .number(bases)), ("shipped_bytes", .number(shippedBytes)),
      (
        "last_shipped",
        lastShippedMilliseconds > 0
          ? .string(ISO8601.string(milliseconds: UInt64(lastShippedMilliseconds))) : .null
      ),
      ("failures", .number(failures)), ("last_error", lastError.isEmpty ? .null : .string(lastError)),
    ])
  }
}
