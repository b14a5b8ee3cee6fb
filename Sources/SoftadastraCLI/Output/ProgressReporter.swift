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
    // Sizes in the unit that suits the total: a small node's backup is kB, not "0.0 of 0.0 MB".
    let (unit, scale): (String, Double) = total >= 1_000_000 ? ("MB", 1_000_000) : ("kB", 1_000)
    func size(_ bytes: UInt64) -> String { RecordFormatting.oneDecimal(Double(bytes) / scale) }
    let line =
      "\r\(label): \(percent)% \(size(done)) of \(size(total)) \(unit), \(size(UInt64(rate))) \(unit)/s, ETA \(left / 60):\(left % 60 < 10 ? "0" : "")\(left % 60)"
    show(line)
  }

  /// Replaces the progress line with a step that has no measure: "restore: checking the restored node".
  func step(_ text: String) { show("\r\(label): \(text)") }

  /// Writes `line` (starting with a carriage return) over the open line, blanking what it leaves.
  private func show(_ line: String) {
    let length = line.count
    Output.standardError(line + String(repeating: " ", count: max(0, shownLength - length)))
    shownLength = length
    isOpenLine = true
  }

  /// Ends the progress line (once, however often it is called).
  func finish() {
    if isOpenLine { Output.standardError("\n") }
    isOpenLine = false
    shownLength = 0
  }

  /// A progress line is on the terminal, not yet ended.
  private var isOpenLine = false
  /// The characters of the line shown last.
  private var shownLength = 0
}
