/// A stored value: bytes, with a view as text when they are UTF-8.
public struct Value: Sendable, Hashable, CustomStringConvertible {
  public var bytes: [UInt8]

  public init(_ bytes: [UInt8]) { self.bytes = bytes }
  public init(_ string: String) { self.bytes = Array(string.utf8) }

  /// The value as text, or nil when its bytes are not UTF-8.
  public var string: String? { String(validating: bytes, as: UTF8.self) }

  /// The value as text, with invalid UTF-8 replaced.
  public var description: String { String(decoding: bytes, as: UTF8.self) }
}
