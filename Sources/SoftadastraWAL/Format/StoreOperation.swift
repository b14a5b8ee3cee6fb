/// A change to the store.
public enum StoreOperation: Sendable, Hashable {
  case put(key: [UInt8], value: [UInt8])
  case delete(key: [UInt8])

  public var key: [UInt8] {
    switch self {
    case .put(let key, _), .delete(let key): key
    }
  }

  /// Checks the key and value against the format's limits.
  ///
  /// - Throws: `invalidArgument` for an empty key, or a key or value over its limit.
  public func checkLimits() throws(SoftadastraError) {
    let key = self.key
    guard !key.isEmpty else { throw SoftadastraError(.invalidArgument, "keys must not be empty") }
    guard key.count <= WALFormat.maxKeyBytes else {
      throw SoftadastraError(
        .invalidArgument, "key of \(key.count) bytes is longer than the limit of \(WALFormat.maxKeyBytes) bytes")
    }
    if case .put(_, let value) = self, value.count > WALFormat.maxValueBytes {
      throw SoftadastraError(
        .invalidArgument, "value of \(value.count) bytes is larger than the limit of \(WALFormat.maxValueBytes) bytes")
    }
  }
}
