#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Tells a process, before a read, whether it must look at its log (one `lstat`) to see what
/// other processes changed since its last look, or may skip the look.
///
/// Without a shared change count (`ChangeCounter`) every read looks. With one, a read looks when
/// the count moved since the last look (another process committed: every commit acknowledged
/// before a read is seen by it), and at most once per tick of the coarse clock (a few
/// milliseconds) otherwise: a change made to the file without the writer lock, by a tool outside
/// the toolkit (`truncate`, a copy over the file), is noticed within a tick.
package struct ChangeWatch {
  private let counter: ChangeCounter?
  /// The count read before the last look that found the process up to date, and that look's tick.
  private var seen: (count: UInt64, tick: Int64)?

  package init(_ counter: ChangeCounter?) { self.counter = counter }

  /// The count now, read before a look so that a commit acknowledged during it is seen next time.
  package var count: UInt64? { counter?.value }

  /// Whether the file must be looked at before a read.
  package func mustLook() -> Bool {
    guard let counter, let seen else { return true }
    return counter.value != seen.count || Self.tick() != seen.tick
  }

  /// Notes a look that left the process up to date with the log as of `count` (read before it).
  package mutating func looked(atCount count: UInt64?) {
    guard let count else { return }
    seen = (count, Self.tick())
  }

  /// Forgets the last look: the next read looks.
  package mutating func forget() { seen = nil }

  /// The coarse monotonic clock (no system call: the kernel's last tick), in nanoseconds.
  private static func tick() -> Int64 {
    var now = timespec()
    #if os(Linux)
      clock_gettime(CLOCK_MONOTONIC_COARSE, &now)
    #else
      clock_gettime(CLOCK_MONOTONIC, &now)
    #endif
    return Int64(now.tv_sec) &* 1_000_000_000 &+ Int64(now.tv_nsec)
  }
}
