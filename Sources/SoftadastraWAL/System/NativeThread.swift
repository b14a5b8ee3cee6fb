#if canImport(Glibc)
  import Glibc
#endif

/// A thread of the operating system running one closure: for work that must not hold up the
/// caller (a checkpoint's build, a change feed), without Foundation or Dispatch in a statically
/// linked binary.
package final class NativeThread: Sendable {
  private let thread: pthread_t

  /// Starts `body` on a new thread; `join()` waits for it.
  package init(_ body: @escaping @Sendable () -> Void) throws(SoftadastraError) {
    thread = try Self.start(body)
  }

  /// Waits for the thread to end. Call it once.
  package func join() { pthread_join(thread, nil) }

  /// Runs `body` on a new thread that nobody waits for; throws when none can be started.
  package static func startDetached(_ body: @escaping @Sendable () -> Void) throws(SoftadastraError) {
    pthread_detach(try start(body))
  }

  private static func start(_ body: @escaping @Sendable () -> Void) throws(SoftadastraError) -> pthread_t {
    let work = Unmanaged.passRetained(Work(body))
    var thread = pthread_t()
    let code = pthread_create(
      &thread, nil,
      { argument in
        Unmanaged<Work>.fromOpaque(argument!).takeRetainedValue().body()
        return nil
      }, work.toOpaque())
    guard code == 0 else {
      work.release()
      throw SoftadastraError(.io, "cannot start a thread (error \(code))", detail: SystemCallFailure(errno: code))
    }
    return thread
  }

  /// The closure, boxed to cross into C.
  private final class Work: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
  }
}
