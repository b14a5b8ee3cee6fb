import Softadastra

extension Client {
  /// Every key and value as text (keys decoded as UTF-8; values that are not UTF-8 left out),
  /// for comparing whole states in tests.
  public func textEntries() throws -> [String: String] {
    var result: [String: String] = [:]
    for (key, value) in try entries() { result[String(decoding: key, as: UTF8.self)] = value.string }
    return result
  }
}
