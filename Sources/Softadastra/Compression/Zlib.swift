import CZlib
import SoftadastraWAL

/// zlib (RFC 1950) and raw deflate (RFC 1951) compression through the system library, for
/// snapshot blocks and pages, backup parts and bundles.
///
/// Every failure zlib can report (out of memory included) is thrown, never trapped: a host app
/// that runs short of memory gets an error it can handle, not an abort.
package enum Zlib {
  /// The compression level used when none is given (zlib's own default).
  package static let defaultLevel = 6
  /// The levels zlib accepts: 0 stores, 9 compresses most.
  package static let levels = 0...9

  /// Refuses a level zlib does not accept.
  package static func checkLevel(_ level: Int) throws(SoftadastraError) {
    guard levels.contains(level) else {
      throw SoftadastraError(.invalidArgument, "zlib compression level \(level) is not between 0 and 9")
    }
  }

  /// Compresses `bytes` in one call at `level` (0 stores, 9 compresses most).
  package static func compress(_ bytes: UnsafeRawBufferPointer, level: Int = defaultLevel) throws(SoftadastraError)
    -> [UInt8]
  {
    try checkLevel(level)
    var capacity = compressBound(uLong(bytes.count))
    var output = [UInt8](repeating: 0, count: Int(capacity))
    let status = output.withUnsafeMutableBufferPointer { out in
      compress2(
        out.baseAddress, &capacity, bytes.baseAddress?.assumingMemoryBound(to: Bytef.self), uLong(bytes.count),
        Int32(level))
    }
    guard status == Z_OK else { throw failure(status, "compressing") }
    output.removeLast(output.count - Int(capacity))
    return output
  }

  /// Decompresses a zlib stream that must expand to exactly `size` bytes.
  ///
  /// With `checksummed`, the caller has checked a CRC of `bytes` already: zlib's own Adler-32 of
  /// the output (7% of an export's time) is not computed again. The stream's header is still
  /// checked, and its deflate data must end exactly before the Adler-32's 4 bytes.
  ///
  /// - Returns: nil when the stream is damaged or its size is not `size`.
  /// - Throws: when zlib itself fails (out of memory), which says nothing about the data.
  package static func decompress(_ bytes: UnsafeRawBufferPointer, size: Int, checksummed: Bool = false)
    throws(SoftadastraError) -> [UInt8]?
  {
    guard size >= 0 else { return nil }
    var input = bytes
    if checksummed {
      // The header (RFC 1950): deflate, no preset dictionary, its check bits right.
      guard bytes.count >= 6, bytes[0] & 0x0F == 8, bytes[0] >> 4 <= 7, bytes[1] & 0x20 == 0,
        (UInt16(bytes[0]) << 8 | UInt16(bytes[1])) % 31 == 0
      else { return nil }
      input = UnsafeRawBufferPointer(rebasing: bytes[2..<bytes.count - 4])
    }
    return try inflateExactly(input, size: size, into: try Stream(checksummed ? .rawInflate : .inflate))
  }

  /// Decompresses raw deflate data (RFC 1951: no header or trailer; the caller has checked a CRC
  /// of `bytes`) compressed against `dictionary` (none when empty), which must expand to exactly
  /// `size` bytes.
  ///
  /// - Returns: nil when the data is damaged or its size is not `size`.
  /// - Throws: when zlib itself fails (out of memory).
  package static func decompressRaw(_ bytes: UnsafeRawBufferPointer, size: Int, dictionary: [UInt8])
    throws(SoftadastraError) -> [UInt8]?
  {
    guard size >= 0 else { return nil }
    let stream = try Stream(.rawInflate)
    if !dictionary.isEmpty {
      let status = dictionary.withUnsafeBufferPointer {
        inflateSetDictionary(stream.pointer, $0.baseAddress, uInt($0.count))
      }
      guard status == Z_OK else { throw failure(status, "setting a dictionary") }
    }
    return try inflateExactly(bytes, size: size, into: stream)
  }

  /// Inflates `input` with `stream`: nil unless it ends after exactly `size` bytes of output.
  private static func inflateExactly(_ input: UnsafeRawBufferPointer, size: Int, into stream: Stream)
    throws(SoftadastraError) -> [UInt8]?
  {
    var output = [UInt8](repeating: 0, count: size)
    let status = output.withUnsafeMutableBufferPointer { out -> Int32 in
      stream.setInput(input)
      // One spare byte of room tells "exactly size" from "more than size".
      var spare: UInt8 = 0
      stream.pointer.pointee.next_out = out.baseAddress
      stream.pointer.pointee.avail_out = uInt(size)
      var status = inflate(stream.pointer, Z_FINISH)
      if status == Z_BUF_ERROR, stream.pointer.pointee.avail_out == 0 {
        withUnsafeMutablePointer(to: &spare) { pointer in
          stream.pointer.pointee.next_out = pointer
          stream.pointer.pointee.avail_out = 1
          status = inflate(stream.pointer, Z_FINISH)
        }
        if stream.pointer.pointee.avail_out == 0 { return Z_DATA_ERROR }
      }
      return status
    }
    if status == Z_MEM_ERROR { throw failure(status, "decompressing") }
    guard status == Z_STREAM_END, stream.pointer.pointee.total_out == uLong(size), stream.pointer.pointee.avail_in == 0
    else { return nil }
    return output
  }

  /// Compresses blocks one at a time, each into raw deflate data (RFC 1951, no header or
  /// trailer) that decompresses alone given `dictionary` (`decompressRaw`), reusing one stream.
  package final class RawDeflater {
    private let stream: Stream
    private let dictionary: [UInt8]

    package init(level: Int, dictionary: [UInt8]) throws(SoftadastraError) {
      guard dictionary.count <= 1 << MAX_WBITS else {
        throw SoftadastraError(.invalidArgument, "a deflate dictionary holds at most \(1 << MAX_WBITS) bytes")
      }
      stream = try Stream(.rawDeflate(level: level))
      self.dictionary = dictionary
    }

    /// `bytes` compressed.
    package func compress(_ bytes: UnsafeRawBufferPointer) throws(SoftadastraError) -> [UInt8] {
      var status = deflateReset(stream.pointer)
      if status == Z_OK, !dictionary.isEmpty {
        status = dictionary.withUnsafeBufferPointer {
          deflateSetDictionary(stream.pointer, $0.baseAddress, uInt($0.count))
        }
      }
      guard status == Z_OK else { throw failure(status, "compressing") }
      var output = [UInt8](repeating: 0, count: Int(deflateBound(stream.pointer, uLong(bytes.count))))
      stream.setInput(bytes)
      let (finished, produced) = output.withUnsafeMutableBufferPointer { out in
        stream.run(into: out) { deflate($0, Z_FINISH) }
      }
      guard finished == Z_STREAM_END else { throw failure(finished, "compressing") }
      output.removeLast(output.count - produced)
      return output
    }

    package func compress(_ bytes: [UInt8]) throws(SoftadastraError) -> [UInt8] {
      try bytes.withUnsafeBytes { buffer in Result { () throws(SoftadastraError) in try compress(buffer) } }.get()
    }
  }

  /// The error for a zlib status that is not about the data: out of memory, or a misuse.
  static func failure(_ status: Int32, _ doing: String) -> SoftadastraError {
    switch status {
    case Z_MEM_ERROR: SoftadastraError(.io, "zlib ran out of memory while \(doing); free memory and try again")
    case Z_VERSION_ERROR:
      SoftadastraError(.configuration, "the system zlib is not the version this program was built with")
    default: SoftadastraError(.io, "zlib failed while \(doing) (status \(status))")
    }
  }

  /// One zlib stream whose `z_stream` lives at an address that never changes.
  ///
  /// zlib keeps pointers to the `z_stream` between calls, and Swift guarantees the address of a
  /// property or local passed with `&` only for one call, so the structure is allocated here, once.
  final class Stream {
    enum Direction {
      case deflate(level: Int)
      /// Deflate data with no zlib header or trailer.
      case rawDeflate(level: Int)
      case inflate
      /// Deflate data with no zlib header or trailer.
      case rawInflate
    }

    let pointer: UnsafeMutablePointer<z_stream>
    private let direction: Direction

    init(_ direction: Direction) throws(SoftadastraError) {
      if case .deflate(let level) = direction { try checkLevel(level) }
      if case .rawDeflate(let level) = direction { try checkLevel(level) }
      self.direction = direction
      pointer = .allocate(capacity: 1)
      pointer.initialize(to: z_stream())
      let size = Int32(MemoryLayout<z_stream>.size)
      let status =
        switch direction {
        case .deflate(let level): deflateInit_(pointer, Int32(level), ZLIB_VERSION, size)
        case .rawDeflate(let level):
          deflateInit2_(pointer, Int32(level), Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, size)
        case .inflate: inflateInit_(pointer, ZLIB_VERSION, size)
        case .rawInflate: inflateInit2_(pointer, -MAX_WBITS, ZLIB_VERSION, size)
        }
      guard status == Z_OK else {
        pointer.deinitialize(count: 1)
        pointer.deallocate()
        throw failure(status, "starting a stream")
      }
    }

    deinit {
      switch direction {
      case .deflate, .rawDeflate: deflateEnd(pointer)
      case .inflate, .rawInflate: inflateEnd(pointer)
      }
      pointer.deinitialize(count: 1)
      pointer.deallocate()
    }

    /// Points the stream at `bytes`, which must stay valid until zlib has consumed them.
    func setInput(_ bytes: UnsafeRawBufferPointer) {
      pointer.pointee.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress?.assumingMemoryBound(to: Bytef.self))
      pointer.pointee.avail_in = uInt(bytes.count)
    }

    /// Runs `step` (deflate or inflate) with `out` as room for output; returns the status and the bytes produced.
    func run(
      into out: UnsafeMutableBufferPointer<UInt8>, _ step: (UnsafeMutablePointer<z_stream>) -> Int32
    ) -> (status: Int32, produced: Int) {
      pointer.pointee.next_out = out.baseAddress
      pointer.pointee.avail_out = uInt(out.count)
      let status = step(pointer)
      return (status, out.count - Int(pointer.pointee.avail_out))
    }

    var hasInput: Bool { pointer.pointee.avail_in > 0 }
  }

  /// Compresses a stream of chunks into one zlib stream, passing the output to a sink.
  package final class Compressor {
    private let stream: Stream
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private let sink: ([UInt8]) throws(SoftadastraError) -> Void

    package init(level: Int = Zlib.defaultLevel, sink: @escaping ([UInt8]) throws(SoftadastraError) -> Void)
      throws(SoftadastraError)
    {
      self.sink = sink
      stream = try Stream(.deflate(level: level))
    }

    /// Compresses `bytes`, passing whatever output is ready to the sink.
    package func update(_ bytes: UnsafeRawBufferPointer) throws(SoftadastraError) {
      try run(bytes, flush: Z_NO_FLUSH)
    }

    package func update(_ bytes: [UInt8]) throws(SoftadastraError) {
      try bytes.withUnsafeBytes { buffer in Result { () throws(SoftadastraError) in try update(buffer) } }.get()
    }

    /// Ends the stream and passes the last output to the sink.
    package func finish() throws(SoftadastraError) {
      try run(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH)
    }

    private func run(_ bytes: UnsafeRawBufferPointer, flush: Int32) throws(SoftadastraError) {
      stream.setInput(bytes)
      while true {
        let (status, produced) = buffer.withUnsafeMutableBufferPointer { out in
          stream.run(into: out) { deflate($0, flush) }
        }
        guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
          throw failure(status, "compressing")
        }
        if produced > 0 { try sink(Array(buffer[0..<produced])) }
        if flush == Z_FINISH ? status == Z_STREAM_END : (!stream.hasInput && produced < buffer.count) { return }
      }
    }
  }

  /// Decompresses one zlib stream given in chunks, passing the output to a sink.
  package final class Decompressor {
    private let stream: Stream
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private let sink: (UnsafeRawBufferPointer) throws(SoftadastraError) -> Void
    /// Whether the stream's end (with its checksum) has been seen.
    package private(set) var isFinished = false

    package init(sink: @escaping (UnsafeRawBufferPointer) throws(SoftadastraError) -> Void) throws(SoftadastraError) {
      self.sink = sink
      stream = try Stream(.inflate)
    }

    /// Decompresses `bytes`.
    ///
    /// - Returns: false when the stream is damaged or bytes follow its end.
    /// - Throws: what the sink throws, or when zlib itself fails (out of memory).
    package func update(_ bytes: UnsafeRawBufferPointer) throws(SoftadastraError) -> Bool {
      guard !isFinished else { return bytes.isEmpty }
      stream.setInput(bytes)
      while stream.hasInput || !isFinished {
        let (status, produced) = buffer.withUnsafeMutableBufferPointer { out in
          stream.run(into: out) { inflate($0, Z_NO_FLUSH) }
        }
        if produced > 0 {
          try buffer.withUnsafeBytes { out in
            Result { () throws(SoftadastraError) in try sink(UnsafeRawBufferPointer(rebasing: out[0..<produced])) }
          }.get()
        }
        switch status {
        case Z_STREAM_END:
          isFinished = true
          return !stream.hasInput
        case Z_OK: if !stream.hasInput && produced < buffer.count { return true }
        case Z_BUF_ERROR: return true
        case Z_MEM_ERROR: throw failure(status, "decompressing")
        default: return false
        }
      }
      return true
    }
  }
}
