/// A moment some seconds from now on the monotonic clock, for waits that give up: a step of the
/// wall clock (NTP, a person setting the date) neither shortens nor stretches them.
package struct Deadline: Sendable {
  /// The longest wait a deadline stands for, whatever is asked (about 31 years): keeps any
  /// `Double`, infinity included, inside what `Duration` holds.
  static let longestWait = 1e9

  private let instant: ContinuousClock.Instant

  /// `seconds` from now; a negative or NaN count means now.
  package init(secondsFromNow seconds: Double) {
    let bounded = seconds > 0 ? min(seconds, Self.longestWait) : 0
    instant = .now + .seconds(bounded)
  }

  package var hasPassed: Bool { ContinuousClock.now >= instant }

  /// Whole milliseconds left (0 once passed), at most `cap`.
  package func millisecondsLeft(atMost cap: Int) -> Int {
    let left = ContinuousClock.now.duration(to: instant)
    guard left > .zero else { return 0 }
    return left >= .milliseconds(cap) ? cap : Int(left.seconds * 1000)
  }
}

extension Duration {
  /// The duration in seconds, as a `Double` (for reports and rates).
  package var seconds: Double {
    let (seconds, attoseconds) = components
    return Double(seconds) + Double(attoseconds) / 1e18
  }
}
