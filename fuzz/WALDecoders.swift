// libFuzzer target for the log decoders: the native record decoder (with and without
// materializing, and reading operations in place), the header decoder and the C++ runtime log decoder. Built by
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
      let outcome = RecordDecoder.decode(rest, seed: seed, materialize: materialize)
      guard let frame = outcome.frame else { break }
      precondition(frame.size >= WALFormat.recordOverhead && frame.size <= rest.count, "frame size out of bounds")
      // Read in place (as wal-dump reads a checked record), an operation says what its copy says.
      let inPlace = RecordDecoder.operation(in: UnsafeRawBufferPointer(rebasing: rest[..<frame.size]))
      if case .record(let record, _) = outcome {
        if case .operation(let operation, let origin) = record.body {
          let value: [UInt8]
          if case .put(_, let put) = operation { value = put } else { value = [] }
          precondition(
            inPlace.map {
              Array($0.key) == operation.key && Array($0.value) == value && $0.origin == origin
                && $0.isDelete == (operation == .delete(key: operation.key))
            } == true, "an operation read in place differs from its copy")
        } else {
          precondition(inPlace == nil, "a record that is no operation read in place as one")
        }
      }
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
