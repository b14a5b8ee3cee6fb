#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A node's hybrid logical clock: each reading is later than every reading and every remote
/// timestamp it has seen.
package struct HybridClock: Sendable {
  package private(set) var last: HybridTimestamp

  package init(last: HybridTimestamp = HybridTimestamp(rawValue: 0)) { self.last = last }

  /// A new reading, later than all before it.
  package mutating func now(wallClock: UInt64 = HybridTimestamp.wallClockMilliseconds()) -> HybridTimestamp {
    let physical = HybridTimestamp(milliseconds: wallClock)
    // At the clock's maximum (only a crafted log gets there) it stays there rather than overflow.
    last = physical > last ? physical : HybridTimestamp(rawValue: last.rawValue == .max ? .max : last.rawValue + 1)
    return last
  }

  /// Moves the clock past a timestamp seen from another node.
  package mutating func observe(_ remote: HybridTimestamp) {
    if remote > last { last = remote }
  }
}
