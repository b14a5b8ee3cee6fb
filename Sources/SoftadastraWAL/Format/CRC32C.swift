import CCRC32C

/// CRC-32C (Castagnoli), the checksum of every WAL header and record.
package enum CRC32C {
  /// The CRC of `previous`'s bytes followed by `bytes`; pass 0 to start.
  @inlinable
  package static func extend(_ previous: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
    softadastra_crc32c_extend(previous, bytes.baseAddress, bytes.count)
  }

  /// The CRC of `previous`'s bytes followed by `bytes`; pass 0 to start.
  package static func extend(_ previous: UInt32, _ bytes: some Sequence<UInt8>) -> UInt32 {
    let array = Array(bytes)
    return array.withUnsafeBytes { extend(previous, $0) }
  }

  /// The CRC of `bytes`.
  package static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 { extend(0, bytes) }

  /// The same computation with the portable table code, whatever the CPU offers.
  package static func extendPortable(_ previous: UInt32, _ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBytes { softadastra_crc32c_extend_portable(previous, $0.baseAddress, $0.count) }
  }

  /// Whether this CPU's CRC instructions are in use.
  package static var isHardwareAccelerated: Bool { softadastra_crc32c_is_hardware() != 0 }
}
