#if canImport(Glibc)
  import Glibc
#endif

/// A value only one thread at a time reads or changes, behind a `pthread_mutex_t`. The standard
/// library's `Mutex` would do as well, but on Linux it waits on a futex that ThreadSanitizer
/// cannot see, so every access it guards reads as a race there; this one keeps TSan runs
/// meaningful.
@_spi(Storage) public final class Locked<Value>: @unchecked Sendable {
  @usableFromInline let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  @usableFromInline var value: Value

  public init(_ value: Value) {
    self.value = value
    pthread_mutex_init(mutex, nil)
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  /// Runs `body` with the value, holding the lock.
  @inlinable
  public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure)
    -> Result
  {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body(&value)
  }
}
