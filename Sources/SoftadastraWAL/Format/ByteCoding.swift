#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// `@_spi(Storage) public`, not `package`: only public `@inlinable` code is inlined and
// specialized in other modules (Sources/Softadastra/Exports.swift).

/// Little-endian appends, the byte order of every integer in Softadastra's files.
extension Array where Element == UInt8 {
  @inlinable
  @_spi(Storage) public mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
    Swift.withUnsafeBytes(of: value.littleEndian) { appendBytes($0) }
  }

  /// Appends raw bytes with one copy: appended as a sequence, a raw buffer is copied byte by byte.
  @inlinable
  @_spi(Storage) public mutating func appendBytes(_ bytes: UnsafeRawBufferPointer) {
    bytes.withMemoryRebound(to: UInt8.self) { append(contentsOf: $0) }
  }

  @inlinable
  @_spi(Storage) public mutating func storeLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
    Swift.withUnsafeBytes(of: value.littleEndian) { source in
      for index in 0..<source.count { self[offset + index] = source[index] }
    }
  }
}

extension UnsafeRawBufferPointer {
  @inlinable
  @_spi(Storage) public func loadLittleEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type = T.self) -> T {
    T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
  }
}

/// Reads fields in order from a byte range, failing softly when the range runs out.
@frozen
@_spi(Storage) public struct FieldReader {
  public let bytes: UnsafeRawBufferPointer
  @usableFromInline var cursor: Int
  /// Where the next field starts.
  @inlinable public var position: Int { cursor }
  public let end: Int

  @inlinable
  public init(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) {
    self.bytes = bytes
    self.cursor = start
    self.end = end
  }

  @inlinable
  public var remaining: Int { end - cursor }

  @inlinable
  public mutating func read<T: FixedWidthInteger>(_: T.Type) -> T? {
    guard remaining >= MemoryLayout<T>.size else { return nil }
    defer { cursor += MemoryLayout<T>.size }
    return bytes.loadLittleEndian(at: cursor)
  }

  @inlinable
  public mutating func readBytes(_ count: Int) -> [UInt8]? {
    guard count >= 0, remaining >= count else { return nil }
    defer { cursor += count }
    return Array(UnsafeRawBufferPointer(rebasing: bytes[cursor..<cursor + count]))
  }

  @inlinable
  public mutating func skip(_ count: Int) -> Bool {
    guard count >= 0, remaining >= count else { return false }
    cursor += count
    return true
  }
}

/// Byte-wise order of keys (what `lexicographicallyPrecedes` gives), by `memcmp`.
@inlinable
@_spi(Storage) public func keyPrecedes(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool { keyComparison(lhs, rhs) < 0 }

/// Below zero when `lhs` comes first in byte-wise order, zero when the keys are equal, above zero
/// otherwise.
@inlinable
@_spi(Storage) public func keyComparison(_ lhs: [UInt8], _ rhs: [UInt8]) -> Int {
  let common = Swift.min(lhs.count, rhs.count)
  let order = lhs.withUnsafeBytes { left in
    rhs.withUnsafeBytes { right in common == 0 ? 0 : memcmp(left.baseAddress!, right.baseAddress!, common) }
  }
  return order != 0 ? Int(order) : lhs.count - rhs.count
}
