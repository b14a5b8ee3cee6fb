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
    switch self {
    case .put(let key, let value): try Self.checkLimits(keyBytes: key.count, valueBytes: value.count)
    case .delete(let key): try Self.checkLimits(keyBytes: key.count, valueBytes: nil)
    }
  }

  /// Checks the sizes of a key and of a value (nil for a delete) against the format's limits, as
  /// `checkLimits()` does.
  package static func checkLimits(keyBytes: Int, valueBytes: Int?) throws(SoftadastraError) {
    guard keyBytes > 0 else { throw SoftadastraError(.invalidArgument, "keys must not be empty") }
    guard keyBytes <= WALFormat.maxKeyBytes else {
      throw SoftadastraError(
        .invalidArgument, "key of \(keyBytes) bytes is longer than the limit of \(WALFormat.maxKeyBytes) bytes")
    }
    if let valueBytes, valueBytes > WALFormat.maxValueBytes {
      throw SoftadastraError(
        .invalidArgument, "value of \(valueBytes) bytes is larger than the limit of \(WALFormat.maxValueBytes) bytes")
    }
  }
}
