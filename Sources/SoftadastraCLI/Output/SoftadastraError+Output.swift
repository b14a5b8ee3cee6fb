import Softadastra

extension SoftadastraError {
  /// A problem found in a file, in JSON: `{"message","offset"}` (`backup verify`, `backup list`).
  var problemJSON: JSONValue {
    .object([("message", .string(message)), ("offset", offset.map { .number($0) } ?? .null)])
  }
}
