#if canImport(Glibc)
  import Glibc
#endif

/// Waits until `condition` holds, looking again every 2 ms: tests synchronise on state (a lock
/// held, a line written), never on a sleep that hopes the other process got there.
///
/// - Returns: false when it still does not hold after `timeout` seconds, a bound for a broken
///   test rather than a wait anything relies on.
@discardableResult
public func waitUntil(timeout: Double = 60, _ condition: () throws -> Bool) rethrows -> Bool {
  let deadline = ContinuousClock.now + .seconds(timeout)
  while try !condition() {
    guard ContinuousClock.now < deadline else { return false }
    usleep(2_000)
  }
  return true
}
