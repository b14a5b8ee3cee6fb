#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Little-endian appends, the byte order of every integer in Softadastra's files.
extension Array where Element == UInt8 {
  @inlinable
  package mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }

  @inlinable
  package mutating func storeLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
    Swift.withUnsafeBytes(of: value.littleEndian) { source in
      for index in 0..<source.count { self[offset + index] = source[index] }
    }
  }
}

extension UnsafeRawBufferPointer {
  @inlinable
  package func loadLittleEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type = T.self) -> T {
    T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
  }
}

/// Reads fields in order from a byte range, failing softly when the range runs out.
@frozen
package struct FieldReader {
  package let bytes: UnsafeRawBufferPointer
  @usableFromInline var cursor: Int
  /// Where the next field starts.
  @inlinable package var position: Int { cursor }
  package let end: Int

  @inlinable
  package init(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) {
    self.bytes = bytes
    self.cursor = start
    self.end = end
  }

  @inlinable
  package var remaining: Int { end - cursor }

  @inlinable
  package mutating func read<T: FixedWidthInteger>(_: T.Type) -> T? {
    guard remaining >= MemoryLayout<T>.size else { return nil }
    defer { cursor += MemoryLayout<T>.size }
    return bytes.loadLittleEndian(at: cursor)
  }

  @inlinable
  package mutating func readBytes(_ count: Int) -> [UInt8]? {
    guard count >= 0, remaining >= count else { return nil }
    defer { cursor += count }
    return Array(UnsafeRawBufferPointer(rebasing: bytes[cursor..<cursor + count]))
  }

  @inlinable
  package mutating func skip(_ count: Int) -> Bool {
    guard count >= 0, remaining >= count else { return false }
    cursor += count
    return true
  }
}

/// Byte-wise order of keys (what `lexicographicallyPrecedes` gives), by `memcmp`.
@inlinable
package func keyPrecedes(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
  let common = Swift.min(lhs.count, rhs.count)
  let order = lhs.withUnsafeBytes { left in
    rhs.withUnsafeBytes { right in common == 0 ? 0 : memcmp(left.baseAddress!, right.baseAddress!, common) }
  }
  return order != 0 ? order < 0 : lhs.count < rhs.count
}
