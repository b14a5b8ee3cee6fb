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

extension ArchiveSurvey.Chain {
  var windowText: String {
    "LSN \(firstLSN) to \(lastLSN), \(ISO8601.string(milliseconds: firstMilliseconds)) to \(ISO8601.string(milliseconds: lastMilliseconds))"
  }

  var json: JSONValue {
    .object([
      ("node_id", .string(nodeID)), ("base", .string(baseName)), ("segments", .array(segmentNames.map { .string($0) })),
      ("first_lsn", .number(firstLSN)), ("last_lsn", .number(lastLSN)),
      ("first_time", .string(ISO8601.string(milliseconds: firstMilliseconds))),
      ("last_time", .string(ISO8601.string(milliseconds: lastMilliseconds))),
    ])
  }
}
