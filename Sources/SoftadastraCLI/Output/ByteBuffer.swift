#if canImport(Glibc)
  import Glibc
#endif

/// Bytes gathered for standard output, each piece appended with one `memcpy`.
///
/// An array's `append(contentsOf:)` checks that its storage is unique and copies through generic
/// code on every call: with the retains and releases around it, a fifth of a `wal-dump`.
final class ByteBuffer {
  private(set) var start: UnsafeMutableRawPointer
  private(set) var count = 0
  private var capacity: Int

  init(capacity: Int = 1 << 17) {
    self.capacity = max(capacity, 16)
    start = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
  }

  deinit { start.deallocate() }

  /// What is gathered.
  var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: start, count: count) }

  @inline(__always)
  func append(_ byte: UInt8) {
    if count == capacity { grow(to: count + 1) }
    start.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
    count += 1
  }

  /// Appends `piece`, which must not lie in this buffer's own bytes (growing frees them).
  @inline(__always)
  func append(_ piece: UnsafeRawBufferPointer) {
    guard let source = piece.baseAddress, piece.count > 0 else { return }
    if count + piece.count > capacity { grow(to: count + piece.count) }
    (start + count).copyMemory(from: source, byteCount: piece.count)
    count += piece.count
  }

  /// Appends `text` (a literal: no string is built).
  @inline(__always)
  func append(_ text: StaticString) { text.withUTF8Buffer { append(UnsafeRawBufferPointer($0)) } }

  func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }

  func append(string text: String) {
    var text = text
    text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
  }

  func removeAll() { count = 0 }

  private func grow(to needed: Int) {
    var newCapacity = capacity
    while newCapacity < needed { newCapacity *= 2 }
    let newStart = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
    newStart.copyMemory(from: start, byteCount: count)
    start.deallocate()
    start = newStart
    capacity = newCapacity
  }
}
