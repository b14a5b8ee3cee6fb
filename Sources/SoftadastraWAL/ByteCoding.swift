/// Little-endian appends, the byte order of every integer in Softadastra's files.
extension Array where Element == UInt8 {
  @inlinable
  mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }

  @inlinable
  mutating func storeLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
    Swift.withUnsafeBytes(of: value.littleEndian) { source in
      for index in 0..<source.count { self[offset + index] = source[index] }
    }
  }
}

extension UnsafeRawBufferPointer {
  @inlinable
  func loadLittleEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type = T.self) -> T {
    T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
  }
}

/// Reads fields in order from a byte range, failing softly when the range runs out.
struct FieldReader {
  let bytes: UnsafeRawBufferPointer
  private(set) var position: Int
  let end: Int

  init(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) {
    self.bytes = bytes
    self.position = start
    self.end = end
  }

  var remaining: Int { end - position }

  mutating func read<T: FixedWidthInteger>(_: T.Type) -> T? {
    guard remaining >= MemoryLayout<T>.size else { return nil }
    defer { position += MemoryLayout<T>.size }
    return bytes.loadLittleEndian(at: position)
  }

  mutating func readBytes(_ count: Int) -> [UInt8]? {
    guard count >= 0, remaining >= count else { return nil }
    defer { position += count }
    return Array(UnsafeRawBufferPointer(rebasing: bytes[position..<position + count]))
  }

  mutating func skip(_ count: Int) -> Bool {
    guard count >= 0, remaining >= count else { return false }
    position += count
    return true
  }
}
