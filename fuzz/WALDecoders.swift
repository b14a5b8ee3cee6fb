// libFuzzer target for the log decoders: the native record decoder (with and without
// materializing), the header decoder and the C++ runtime log decoder. Built by
// scripts/fuzz.sh into one module with Sources/SoftadastraWAL, so internal entry points are
// reachable. A crash, a hang or a sanitizer report is a bug; a decoder saying "invalid" is not.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWALDecoders(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = UnsafeRawBufferPointer(start: data, count: size)
  let seed: UInt32 = size >= 4 ? bytes.loadUnaligned(as: UInt32.self) : 0
  for materialize in [true, false] {
    var offset = 0
    // Walk the input as a run of records, as a scanner would.
    while offset < size {
      let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
      guard let frame = RecordDecoder.decode(rest, seed: seed, materialize: materialize).frame else { break }
      precondition(frame.size >= WALFormat.recordOverhead && frame.size <= rest.count, "frame size out of bounds")
      offset += frame.size
    }
  }
  if case .success(let header) = WALHeader.decode(bytes) {
    precondition(header.size <= size, "header larger than its input")
  }
  // The C++ runtime's format, scanned as the commands scan it: strictly, then with resync.
  for resync in [false, true] {
    var scanner = CppLogScanner(bytes: Array(bytes), path: "fuzz", onDamage: resync ? { _ in } : nil)
    var records = 0
    while let scanned = try? scanner.next() {
      precondition(scanned.size > 0 && Int(scanned.offset) + scanned.size <= size, "record out of bounds")
      records += 1
    }
    precondition(scanner.ending != nil, "the scan ended without saying how")
  }
  return 0
}
