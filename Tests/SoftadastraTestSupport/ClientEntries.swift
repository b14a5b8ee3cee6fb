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

extension Client {
  /// The text entries of the node at `walPath` as a fresh read-only client sees them (one that
  /// finishes an interrupted restore first, as every opening process does).
  public static func readOnlyTextEntries(walPath: String, nodeID: String = "node-a") throws -> [String: String] {
    let client = try openedReadOnly(walPath: walPath, nodeID: nodeID)
    defer { try? client.close() }
    return try client.textEntries()
  }

  /// An open read-only client of the node at `walPath`.
  public static func openedReadOnly(walPath: String, nodeID: String = "node-a") throws -> Client {
    var options = ClientOptions.persistent(nodeID: nodeID, walPath: walPath)
    options.readOnly = true
    let client = Client(options)
    try client.open()
    return client
  }
}
