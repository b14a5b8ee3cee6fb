import Softadastra

extension SyncImportResult {
  /// What an import did, in one line.
  var line: String {
    if isStale {
      return
        "the bundle from \(sender) was made before one already imported from it (a duplicate or an old one): nothing applied"
    }
    return
      "imported \(counted(received, "operation")) from \(sender) (\(applied) applied, \(ignored) already here or older), its log \(isFullState ? "in full" : "after LSN \(fromLSN)") up to LSN \(endLSN)"
  }

  /// What an import did, in JSON (`sync with`).
  var json: JSONValue { .object(members) }

  /// The JSON members of what an import did (`sync import`, `sync with`).
  var members: [(String, JSONValue)] {
    [
      ("sender", .string(sender)), ("received", .number(received)), ("applied", .number(applied)),
      ("ignored", .number(ignored)), ("full_state", .bool(isFullState)), ("stale", .bool(isStale)),
      ("from_lsn", .number(fromLSN)),
      ("end_lsn", .number(endLSN)),
    ]
  }
}
