import Softadastra

/// Builds WAL files with the library's own writer, for tests.
public enum WALBuilder {
  /// Writes `operations` one record each (batches where `batches` says) and returns the path.
  @discardableResult
  public static func make(
    at path: String, nodeID: String = "test-node", operations: [StoreOperation], batchSizes: [Int] = []
  ) throws -> String {
    let writer = try WALWriter(path: path, nodeID: nodeID, lockTimeout: 1)
    var remaining = operations[...]
    for size in batchSizes {
      try writer.append(Array(remaining.prefix(size)))
      remaining = remaining.dropFirst(size)
    }
    for operation in remaining { try writer.append([operation]) }
    try writer.close()
    return path
  }

  /// The offsets at which each record of the log at `path` starts, and the file size at the end.
  public static func recordOffsets(_ path: String) throws -> [UInt64] {
    var scanner = try WALScanner(path: path)
    var offsets: [UInt64] = []
    while let scanned = try scanner.next() { offsets.append(scanned.offset) }
    offsets.append(scanner.position)
    return offsets
  }
}

extension StoreOperation {
  /// A put of UTF-8 text.
  public static func put(_ key: String, _ value: String) -> StoreOperation {
    .put(key: Array(key.utf8), value: Array(value.utf8))
  }

  /// A delete of a UTF-8 key.
  public static func delete(_ key: String) -> StoreOperation { .delete(key: Array(key.utf8)) }
}
