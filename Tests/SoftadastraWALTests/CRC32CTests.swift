import Foundation
import Testing

@testable import SoftadastraWAL

@Suite struct CRC32CTests {
  @Test func knownVectorsMatchTheCastagnoliStandard() {
    #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
    #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
    #expect(CRC32C.checksum(Array(0..<32)) == 0x46DD_794E)
    #expect(CRC32C.checksum([]) == 0)
  }

  @Test func hardwareAndPortablePathsAgreeOnEveryLengthAndSeed() {
    var generator = SystemRandomNumberGenerator()
    for length in 0..<600 {
      let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
      let seed = UInt32.random(in: 0...UInt32.max, using: &generator)
      let fast = bytes.withUnsafeBytes { CRC32C.extend(seed, $0) }
      #expect(fast == CRC32C.extendPortable(seed, bytes), "length \(length)")
    }
  }

  @Test func extendingChainsLikeOneChecksumOverTheConcatenation() {
    let a = Array("write locally, ".utf8)
    let b = Array("persist locally, recover later".utf8)
    #expect(CRC32C.extend(CRC32C.checksum(a), b) == CRC32C.checksum(a + b))
  }

  @Test func theCPUInstructionsAreUsedWhereTheCPUHasThem() throws {
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    if cpuinfo.contains(" sse4_2") { #expect(CRC32C.isHardwareAccelerated) }
  }
}
