import Softadastra

/// Export lines (`KeyValueLines.appendExportLine`) for standard output, gathered in a buffer of
/// their own and handed over 64 KiB at a time: appending to the shared output buffer line by line
/// cost an exclusive access and a uniqueness check each time, an eighth of an export.
struct ExportLines {
  private var lines: [UInt8] = []

  init() { lines.reserveCapacity(1 << 17) }

  mutating func add(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
    KeyValueLines.appendExportLine(key: key, value: value, to: &lines)
    if lines.count >= 1 << 16 { flush() }
  }

  /// Hands what is gathered to standard output (which writes it when it flushes).
  mutating func flush() {
    Output.append { [lines] in $0.append(lines) }
    lines.removeAll(keepingCapacity: true)
  }
}
