import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

/// Shows the progress of long work on standard error: done, total, rate and time left, at most
/// ten times a second, on one line that ends when the work does.
final class ProgressReporter {
  private let label: String
  private let start = ContinuousClock.now
  private var lastShown: ContinuousClock.Instant?

  /// A reporter when `requested` or when standard error is a terminal; nil otherwise.
  static func make(_ label: String, requested: Bool) -> ProgressReporter? {
    requested || isatty(2) == 1 ? ProgressReporter(label) : nil
  }

  private init(_ label: String) { self.label = label }

  var handler: ProgressHandler { { [self] done, total in report(done, total) } }

  func report(_ done: UInt64, _ total: UInt64) {
    let now = ContinuousClock.now
    guard lastShown.map({ $0.duration(to: now) >= .milliseconds(100) }) ?? true || done == total else { return }
    lastShown = now
    let elapsed = max(start.duration(to: now).seconds, 0.001)
    let rate = Double(done) / elapsed
    let percent = total == 0 ? 100 : Int(Double(done) * 100 / Double(total))
    let left = rate > 0 ? Int(Double(total - min(done, total)) / rate) : 0
    let line =
      "\r\(label): \(percent)% \(Self.megabytes(done)) of \(Self.megabytes(total)) MB, \(Self.megabytes(UInt64(rate))) MB/s, ETA \(left / 60):\(left % 60 < 10 ? "0" : "")\(left % 60)"
    Output.standardError(line)
  }

  /// Ends the progress line.
  func finish() {
    if lastShown != nil { Output.standardError("\n") }
  }

  private static func megabytes(_ bytes: UInt64) -> String { RecordFormatting.oneDecimal(Double(bytes) / 1_000_000) }
}
