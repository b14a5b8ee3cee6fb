/// A key as a dictionary key: hashed as one run of bytes (an `[UInt8]` hashes byte by byte,
/// which dominated imports of a million keys).
struct ByteKey: Hashable, Sendable {
  var bytes: [UInt8]

  init(_ bytes: [UInt8]) { self.bytes = bytes }

  func hash(into hasher: inout Hasher) {
    bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
  }

  static func == (lhs: Self, rhs: Self) -> Bool { lhs.bytes == rhs.bytes }
}
