#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A hybrid logical clock reading: 48 bits of wall-clock milliseconds, 16 bits of counter.
///
/// Readings compare as plain integers, never go backwards on one node, and stay close to the
/// wall clock, so they serve both as timestamps for people and as an order for conflict rules.
public struct HybridTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var rawValue: UInt64

  public init(rawValue: UInt64) { self.rawValue = rawValue }

  public init(milliseconds: UInt64, counter: UInt16 = 0) {
    rawValue = milliseconds << 16 | UInt64(counter)
  }

  /// Wall-clock milliseconds since the Unix epoch (UTC).
  public var milliseconds: UInt64 { rawValue >> 16 }
  /// Orders readings taken within one millisecond.
  public var counter: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

  public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

  public var description: String { "\(milliseconds).\(counter)" }

  /// The current wall clock in milliseconds since the Unix epoch.
  public static func wallClockMilliseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return UInt64(max(0, now.tv_sec)) * 1000 + UInt64(now.tv_nsec / 1_000_000)
  }
}
