import Softadastra

extension BackupCatalog.Entry {
  /// An archive of `backup list --json`.
  var json: JSONValue {
    .object([
      ("path", .string(path)), ("size_bytes", .number(size)),
      ("manifest", manifest.map(\.json) ?? .null),
      ("problems", .array(problem.map { [$0.problemJSON] } ?? [])),
    ])
  }
}
