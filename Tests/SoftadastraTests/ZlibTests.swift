import SoftadastraTestSupport
import Testing

@testable import Softadastra

/// zlib through its owned streams: round trips in chunks with streams interleaved (each keeps its
/// state between calls), damage reported as such, and levels zlib refuses thrown, never trapped.
@Suite struct ZlibTests {
  /// Bytes that compress somewhat: a repeating pattern with a counter in it.
  static func sample(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 / 7 &* 31 ^ $0 % 13) } }

  @Test func interleavedStreamsEachRoundTripInChunks() throws {
    let inputs = [Self.sample(300_000), Array(Self.sample(200_000).reversed())]
    var compressed: [[UInt8]] = [[], []]
    let compressors = try (0..<2).map { index in
      try Zlib.Compressor(level: 1 + 8 * index) { (chunk: [UInt8]) throws(SoftadastraError) in
        compressed[index] += chunk
      }
    }
    // Both streams are alive at once and fed in turns: each must resume where it left off.
    for start in stride(from: 0, to: 300_000, by: 4_096) {
      for (index, input) in inputs.enumerated() where start < input.count {
        try compressors[index].update(Array(input[start..<min(start + 4_096, input.count)]))
      }
    }
    for compressor in compressors { try compressor.finish() }
    var decompressed: [[UInt8]] = [[], []]
    let decompressors = try (0..<2).map { index in
      try Zlib.Decompressor { (chunk: UnsafeRawBufferPointer) throws(SoftadastraError) in decompressed[index] += chunk }
    }
    for start in stride(from: 0, to: compressed.map(\.count).max()!, by: 1_000) {
      for (index, bytes) in compressed.enumerated() where start < bytes.count {
        let chunk = Array(bytes[start..<min(start + 1_000, bytes.count)])
        #expect(try chunk.withUnsafeBytes { try decompressors[index].update($0) })
      }
    }
    #expect(decompressors.allSatisfy { $0.isFinished })
    #expect(decompressed == inputs)
  }

  @Test func oneCallRoundTripsAtEveryLevelAndRefusesAWrongSize() throws {
    let input = Self.sample(50_000)
    for level in Zlib.levels {
      let stored = try input.withUnsafeBytes { try Zlib.compress($0, level: level) }
      #expect(try stored.withUnsafeBytes { try Zlib.decompress($0, size: input.count) } == input)
      #expect(try stored.withUnsafeBytes { try Zlib.decompress($0, size: input.count - 1) } == nil)
      #expect(try stored.withUnsafeBytes { try Zlib.decompress($0, size: input.count + 1) } == nil)
      var damaged = stored
      damaged[damaged.count / 2] ^= 0x10
      #expect(try damaged.withUnsafeBytes { try Zlib.decompress($0, size: input.count) } == nil)
    }
  }

  /// Data a CRC already covers is inflated without zlib's own Adler-32, but the same streams
  /// come back and the same wrong sizes, headers and lengths are refused.
  @Test func checksummedDataSkipsTheAdlerButNothingElse() throws {
    let input = Self.sample(50_000)
    for level in Zlib.levels {
      let stored = try input.withUnsafeBytes { try Zlib.compress($0, level: level) }
      func inflate(_ bytes: [UInt8], _ size: Int = input.count) throws -> [UInt8]? {
        try bytes.withUnsafeBytes { try Zlib.decompress($0, size: size, checksummed: true) }
      }
      #expect(try inflate(stored) == input)
      #expect(try inflate(stored, input.count - 1) == nil && inflate(stored, input.count + 1) == nil)
      var adler = stored
      adler[adler.count - 1] ^= 1
      #expect(try inflate(adler) == input)  // the one thing not checked here: the caller's CRC is
      var header = stored
      header[1] ^= 1  // the header's check bits
      #expect(try inflate(header) == nil)
      #expect(try inflate(Array(stored.dropLast())) == nil && inflate(stored + [0]) == nil)
      #expect(try inflate(Array(stored.prefix(5))) == nil)
    }
  }

  @Test func damageAndTrailingBytesAreReportedByTheStreamingDecompressor() throws {
    let stored = try Self.sample(10_000).withUnsafeBytes { try Zlib.compress($0) }
    let trailing = try Zlib.Decompressor { (_: UnsafeRawBufferPointer) throws(SoftadastraError) in }
    #expect(try (stored + [0]).withUnsafeBytes { try trailing.update($0) } == false)
    var damaged = stored
    damaged[2] ^= 0xFF
    let broken = try Zlib.Decompressor { (_: UnsafeRawBufferPointer) throws(SoftadastraError) in }
    #expect(try damaged.withUnsafeBytes { try broken.update($0) } == false)
  }

  @Test(arguments: [-1, 10, 42, Int.max])
  func levelsZlibRefusesAreThrownAtEveryEntryPoint(level: Int) throws {
    let bytes: [UInt8] = [1, 2, 3]
    let oneCall = #expect(throws: SoftadastraError.self) {
      try bytes.withUnsafeBytes { try Zlib.compress($0, level: level) }
    }
    #expect(oneCall?.kind == .invalidArgument)
    #expect(oneCall?.message == "zlib compression level \(level) is not between 0 and 9")
    #expect(throws: SoftadastraError.self) {
      try Zlib.Compressor(level: level) { (_: [UInt8]) throws(SoftadastraError) in }
    }
    let directory = TemporaryDirectory()
    let client = Client(.persistent(nodeID: "node-a", walPath: directory.file("node.wal")))
    try client.open()
    defer { try? client.close() }
    try client.put("k", "v")
    let refused = #expect(throws: SoftadastraError.self) { try client.checkpoint(level: level) }
    #expect(refused?.kind == .invalidArgument)
    #expect(try client.get("k")?.string == "v")
  }
}
