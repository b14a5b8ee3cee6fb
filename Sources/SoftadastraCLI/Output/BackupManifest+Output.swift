import Softadastra

extension BackupManifest {
  /// The manifest in JSON (in `backup create`, `verify`, `list` and `restore`).
  var json: JSONValue {
    func time(_ milliseconds: UInt64) -> JSONValue {
      milliseconds == 0 ? .null : .string(ISO8601.string(milliseconds: milliseconds))
    }
    return .object([
      ("node_id", .string(nodeID)), ("tool_version", .string(toolVersion)),
      ("created", time(UInt64(max(0, createdMilliseconds)))),
      ("snapshot_lsn", .number(snapshotLSN)), ("last_lsn", .number(lastLSN)),
      ("first_time", time(firstRecordMilliseconds)), ("last_time", time(lastRecordMilliseconds)),
      ("keys", .number(keyCount)), ("level", .number(UInt64(level))),
      (
        "parts",
        .array(
          parts.map { part in
            .object([
              ("kind", .string("\(part.kind)")), ("offset", .number(part.offset)), ("size_bytes", .number(part.length)),
              ("raw_bytes", .number(part.rawLength)), ("crc32c", .string(hexChecksum(part.checksum))),
            ])
          })
      ),
    ])
  }

  /// "node node-a, LSN 1000 to 1500, 42 keys, created 2026-11-25T10:47:16.695Z".
  var summary: String {
    "node \(nodeID), LSN \(snapshotLSN) to \(lastLSN), \(counted(keyCount, "key")), created \(ISO8601.string(milliseconds: UInt64(max(0, createdMilliseconds))))"
  }
}

/// A CRC-32C as 8 hexadecimal digits.
private func hexChecksum(_ value: UInt32) -> String {
  let digits = String(value, radix: 16)
  return String(repeating: "0", count: 8 - digits.count) + digits
}
