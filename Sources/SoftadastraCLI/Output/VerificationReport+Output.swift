import Softadastra

extension VerificationReport {
  /// The report in JSON (`wal-verify --json`, before and after a repair).
  var json: JSONValue { .object(members) }

  /// The report's JSON members.
  var members: [(String, JSONValue)] {
    [
      ("path", .string(path)),
      ("status", .string(status.rawValue)), ("format", .string(format.rawValue)),
      ("size_bytes", .number(fileSize)),
      ("header", header.map(RecordFormatting.json) ?? .null),
      ("header_problem", headerProblem.map { .string($0) } ?? .null),
      ("records", .number(records)), ("first_lsn", firstLSN.map { .number($0) } ?? .null),
      ("last_lsn", lastLSN.map { .number($0) } ?? .null),
      (
        "torn_tail",
        tornTail.map {
          .object([
            ("offset", .number($0.offset)), ("bytes", .number($0.bytes)), ("last_good_lsn", .number($0.lastGoodLSN)),
            ("reason", .string($0.problem.description)),
          ])
        } ?? .null
      ),
      (
        "corruption",
        corruption.map {
          .object([
            ("offset", .number($0.offset)), ("lsn", .number($0.expectedLSN)),
            ("reason", .string($0.problem.description)),
            ("valid_records_after", .number(recordsAfterDamage)),
            ("next_valid_offset", $0.nextValidOffset.map { .number($0) } ?? .null),
          ])
        } ?? .null
      ),
      ("damage", .array(damage.map(RecordFormatting.json))),
      ("warnings", .array(warnings.map { .string($0) })),
      ("appending_bytes", .number(appendingBytes)), ("bytes_checked", .number(bytesChecked)),
      ("milliseconds", .number(Int(seconds * 1000))),
    ]
  }
}
