#if canImport(Glibc)
  import Glibc
#endif

/// A counting semaphore of the operating system (`sem_t`): one thread waits until another
/// signals. For threads of the library's own (no Dispatch in a statically linked binary).
package final class Semaphore: @unchecked Sendable {
  private let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

  package init() { sem_init(semaphore, 0, 0) }

  deinit {
    sem_destroy(semaphore)
    semaphore.deallocate()
  }

  /// Wakes one waiter (or lets the next `wait()` through).
  package func signal() { sem_post(semaphore) }

  /// Waits for a `signal()`.
  package func wait() { while sem_wait(semaphore) != 0 && errno == EINTR {} }
}
