/// Little-endian appends, the byte order of every integer in Softadastra's files.
extension Array where Element == UInt8 {
  @inlinable
  public mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }

  @inlinable
  public mutating func storeLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
    Swift.withUnsafeBytes(of: value.littleEndian) { source in
      for index in 0..<source.count { self[offset + index] = source[index] }
    }
  }
}

extension UnsafeRawBufferPointer {
  @inlinable
  public func loadLittleEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type = T.self) -> T {
    T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
  }
}

/// Reads fields in order from a byte range, failing softly when the range runs out.
public struct FieldReader {
  public let bytes: UnsafeRawBufferPointer
  public private(set) var position: Int
  public let end: Int

  public init(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) {
    self.bytes = bytes
    self.position = start
    self.end = end
  }

  public var remaining: Int { end - position }

  public mutating func read<T: FixedWidthInteger>(_: T.Type) -> T? {
    guard remaining >= MemoryLayout<T>.size else { return nil }
    defer { position += MemoryLayout<T>.size }
    return bytes.loadLittleEndian(at: position)
  }

  public mutating func readBytes(_ count: Int) -> [UInt8]? {
    guard count >= 0, remaining >= count else { return nil }
    defer { position += count }
    return Array(UnsafeRawBufferPointer(rebasing: bytes[position..<position + count]))
  }

  public mutating func skip(_ count: Int) -> Bool {
    guard count >= 0, remaining >= count else { return false }
    position += count
    return true
  }
}
