import CZlib
import SoftadastraWAL

/// zlib (RFC 1950) compression through the system library, for snapshot blocks and backup parts.
public enum Zlib {
  /// The compression level used when none is given (zlib's own default).
  public static let defaultLevel = 6

  /// Compresses `bytes` in one call at `level` (0 stores, 9 compresses most).
  public static func compress(_ bytes: UnsafeRawBufferPointer, level: Int = defaultLevel) -> [UInt8] {
    var capacity = compressBound(uLong(bytes.count))
    var output = [UInt8](repeating: 0, count: Int(capacity))
    let status = output.withUnsafeMutableBufferPointer { out in
      compress2(
        out.baseAddress, &capacity, bytes.baseAddress?.assumingMemoryBound(to: Bytef.self), uLong(bytes.count),
        Int32(level))
    }
    // compress2 fails only for a bad level or too small a buffer; both are ruled out here.
    precondition(status == Z_OK, "zlib compress2 failed with status \(status)")
    output.removeLast(output.count - Int(capacity))
    return output
  }

  /// Decompresses a zlib stream that must expand to exactly `size` bytes.
  ///
  /// - Returns: nil when the stream is damaged or its size is not `size`.
  public static func decompress(_ bytes: UnsafeRawBufferPointer, size: Int) -> [UInt8]? {
    guard size >= 0 else { return nil }
    var output = [UInt8](repeating: 0, count: size)
    var stream = z_stream()
    guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
    defer { inflateEnd(&stream) }
    let status = output.withUnsafeMutableBufferPointer { out -> Int32 in
      stream.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress?.assumingMemoryBound(to: Bytef.self))
      stream.avail_in = uInt(bytes.count)
      // One spare byte of room tells "exactly size" from "more than size".
      var spare: UInt8 = 0
      stream.next_out = out.baseAddress
      stream.avail_out = uInt(size)
      var status = inflate(&stream, Z_FINISH)
      if status == Z_BUF_ERROR, stream.avail_out == 0 {
        withUnsafeMutablePointer(to: &spare) { pointer in
          stream.next_out = pointer
          stream.avail_out = 1
          status = inflate(&stream, Z_FINISH)
        }
        if stream.avail_out == 0 { return Z_DATA_ERROR }
      }
      return status
    }
    guard status == Z_STREAM_END, stream.total_out == uLong(size), stream.avail_in == 0 else { return nil }
    return output
  }

  /// Compresses a stream of chunks into one zlib stream, passing the output to a sink.
  public final class Compressor {
    private var stream = z_stream()
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private let sink: ([UInt8]) throws(SoftadastraError) -> Void

    public init(level: Int = Zlib.defaultLevel, sink: @escaping ([UInt8]) throws(SoftadastraError) -> Void) {
      self.sink = sink
      let status = deflateInit_(&stream, Int32(level), ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
      precondition(status == Z_OK, "zlib deflateInit failed with status \(status)")
    }

    deinit { deflateEnd(&stream) }

    /// Compresses `bytes`, passing whatever output is ready to the sink.
    public func update(_ bytes: UnsafeRawBufferPointer) throws(SoftadastraError) {
      try run(bytes, flush: Z_NO_FLUSH)
    }

    public func update(_ bytes: [UInt8]) throws(SoftadastraError) {
      try bytes.withUnsafeBytes { buffer in Result { () throws(SoftadastraError) in try update(buffer) } }.get()
    }

    /// Ends the stream and passes the last output to the sink.
    public func finish() throws(SoftadastraError) {
      try run(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH)
    }

    private func run(_ bytes: UnsafeRawBufferPointer, flush: Int32) throws(SoftadastraError) {
      stream.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress?.assumingMemoryBound(to: Bytef.self))
      stream.avail_in = uInt(bytes.count)
      while true {
        let (status, produced) = buffer.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
          stream.next_out = out.baseAddress
          stream.avail_out = uInt(out.count)
          let status = deflate(&stream, flush)
          return (status, out.count - Int(stream.avail_out))
        }
        precondition(status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR, "zlib deflate failed: \(status)")
        if produced > 0 { try sink(Array(buffer[0..<produced])) }
        if flush == Z_FINISH ? status == Z_STREAM_END : (stream.avail_in == 0 && produced < buffer.count) { return }
      }
    }
  }

  /// Decompresses one zlib stream given in chunks, passing the output to a sink.
  public final class Decompressor {
    private var stream = z_stream()
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private let sink: (UnsafeRawBufferPointer) throws(SoftadastraError) -> Void
    /// Whether the stream's end (with its checksum) has been seen.
    public private(set) var isFinished = false

    public init(sink: @escaping (UnsafeRawBufferPointer) throws(SoftadastraError) -> Void) {
      self.sink = sink
      let status = inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
      precondition(status == Z_OK, "zlib inflateInit failed with status \(status)")
    }

    deinit { inflateEnd(&stream) }

    /// Decompresses `bytes`.
    ///
    /// - Returns: false when the stream is damaged or bytes follow its end.
    public func update(_ bytes: UnsafeRawBufferPointer) throws(SoftadastraError) -> Bool {
      guard !isFinished else { return bytes.isEmpty }
      stream.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress?.assumingMemoryBound(to: Bytef.self))
      stream.avail_in = uInt(bytes.count)
      while stream.avail_in > 0 || !isFinished {
        let (status, produced) = buffer.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
          stream.next_out = out.baseAddress
          stream.avail_out = uInt(out.count)
          let status = inflate(&stream, Z_NO_FLUSH)
          return (status, out.count - Int(stream.avail_out))
        }
        if produced > 0 { try buffer.withUnsafeBytes { out in Result { () throws(SoftadastraError) in try sink(UnsafeRawBufferPointer(rebasing: out[0..<produced])) } }.get() }
        switch status {
        case Z_STREAM_END:
          isFinished = true
          return stream.avail_in == 0
        case Z_OK: if stream.avail_in == 0 && produced < buffer.count { return true }
        case Z_BUF_ERROR: return true
        default: return false
        }
      }
      return true
    }
  }
}
