@_spi(Storage) import SoftadastraWAL

#if canImport(Glibc)
  import Glibc
#endif

/// A node for an app: a `Client` that is safe to use from any thread or task at once, with
/// `async` forms of its calls that never block the caller on disk I/O or a lock wait.
///
/// One thread of its own serves every call in the order they arrive. Writes that arrive while it
/// is busy are committed together, each as its own atomic batch, with one sync for all of them
/// (group commit): many concurrent durable writers share `fdatasync`s. A write is acknowledged
/// (the call returns) only once it is on disk, as with `Client`. Cancelling a task that awaits a
/// call does not withdraw it: a batch asked for is committed whole or fails whole, and the call
/// returns its outcome.
///
/// ```swift
/// let node = try Node(.persistent(nodeID: "phone", walPath: path))
/// try await node.put("settings/theme", "dark")        // from any actor or task
/// let theme = try await node.get("settings/theme")
/// ```
public final class Node: Sendable {
  private let server: Server

  /// Opens the node (see `Client.open()`) and starts its thread.
  public init(_ options: ClientOptions) throws(SoftadastraError) {
    let client = Client(options)
    try client.open()
    server = try Server(client)
  }

  // MARK: Writes

  /// Sets `key` to `value`; on disk (with `autoFlush`) when this returns.
  public func put(_ key: String, _ value: String) throws(SoftadastraError) {
    try put(Array(key.utf8), Array(value.utf8))
  }

  public func put(_ key: String, _ value: String) async throws(SoftadastraError) {
    try await put(Array(key.utf8), Array(value.utf8))
  }

  /// Sets `key` to `value` (any bytes); on disk (with `autoFlush`) when this returns.
  public func put(_ key: [UInt8], _ value: [UInt8]) throws(SoftadastraError) {
    _ = try commit([.put(key: key, value: value)])
  }

  public func put(_ key: [UInt8], _ value: [UInt8]) async throws(SoftadastraError) {
    _ = try await commit([.put(key: key, value: value)])
  }

  /// Removes `key` (the delete is recorded whether or not it was there).
  public func remove(_ key: String) throws(SoftadastraError) { try remove(Array(key.utf8)) }

  public func remove(_ key: String) async throws(SoftadastraError) { try await remove(Array(key.utf8)) }

  /// Removes `key` (any bytes).
  public func remove(_ key: [UInt8]) throws(SoftadastraError) { _ = try commit([.delete(key: key)]) }

  public func remove(_ key: [UInt8]) async throws(SoftadastraError) { _ = try await commit([.delete(key: key)]) }

  /// Writes `operations` as one atomic batch; returns the LSNs they were given.
  @discardableResult
  public func commit(_ operations: [StoreOperation]) throws(SoftadastraError) -> ClosedRange<UInt64>? {
    try server.wait(for: .write(operations))
  }

  @discardableResult
  public func commit(_ operations: [StoreOperation]) async throws(SoftadastraError) -> ClosedRange<UInt64>? {
    try await server.await(.write(operations))
  }

  // MARK: Reads and the rest

  /// The value of `key`, or nil; sees every commit acknowledged before the call, by any process.
  public func get(_ key: String) throws(SoftadastraError) -> Value? { try get(Array(key.utf8)) }

  public func get(_ key: String) async throws(SoftadastraError) -> Value? { try await get(Array(key.utf8)) }

  /// The value of `key` (any bytes), or nil.
  public func get(_ key: [UInt8]) throws(SoftadastraError) -> Value? {
    try perform { client throws(SoftadastraError) in try client.get(key) }
  }

  public func get(_ key: [UInt8]) async throws(SoftadastraError) -> Value? {
    try await performing { client throws(SoftadastraError) in try client.get(key) }
  }

  /// Saves a snapshot now (see `Client.checkpoint(level:full:)`): a full one with `full`.
  @discardableResult
  public func checkpoint(full: Bool = false) async throws(SoftadastraError) -> CheckpointResult? {
    try await performing { client throws(SoftadastraError) in try client.checkpoint(full: full) }
  }

  /// The changes committed from now on, by any process (see `Client.changes(prefix:)`).
  public func changes(prefix: [UInt8] = []) throws(SoftadastraError) -> NodeChanges {
    try perform { client throws(SoftadastraError) in try client.changes(prefix: prefix) }
  }

  /// `key`'s value now, then each value it takes (see `Client.values(of:)`).
  public func values(of key: String) throws(SoftadastraError) -> AsyncThrowingStream<Value?, any Error> {
    try perform { client throws(SoftadastraError) in try client.values(of: Array(key.utf8)) }
  }

  /// Runs `body` with the node's client on the node's thread, between other calls, and waits for
  /// it: for anything `Client` offers that `Node` does not. `body` must not call the node (it
  /// would wait for itself): it has the client.
  public func perform<T: Sendable>(_ body: @escaping @Sendable (Client) throws(SoftadastraError) -> T)
    throws(SoftadastraError) -> T
  {
    try server.run(body)
  }

  /// `perform(_:)` without blocking the caller.
  public func performing<T: Sendable>(_ body: @escaping @Sendable (Client) throws(SoftadastraError) -> T)
    async throws(SoftadastraError) -> T
  {
    try await server.running(body)
  }

  /// Finishes what was asked before, closes the client and stops the thread. Later calls fail
  /// with `notOpen`. A node that is never closed keeps its thread and its files open.
  public func close() throws(SoftadastraError) { try server.close() }

  /// Whether a `close()` is queued, and how many requests wait (for tests).
  var isClosed: Bool { server.isClosed }
  var queuedRequests: Int { server.queuedRequests }
}

extension Node {
  /// The calls, served in order by one thread that owns the client.
  final class Server: Sendable {
    /// What a caller asks: a write (committed with the others waiting) or any other call.
    enum Request: Sendable {
      case write([StoreOperation])
      case call(@Sendable (Client) -> Void)
    }

    private struct Queue {
      var requests: [(Request, @Sendable (Result<ClosedRange<UInt64>?, SoftadastraError>) -> Void)] = []
      /// A `close()` is queued: later requests (a second `close()` too) fail at once.
      var closed = false
    }

    /// What callers and the thread share: the requests waiting, and the count of them.
    private final class Shared: Sendable {
      let queue = Locked(Queue())
      let work = Semaphore()
    }

    private let shared = Shared()
    private let thread: NativeThread
    /// The client, used only on the thread (`@unchecked`: handed over once, at the start).
    private final class Owned: @unchecked Sendable {
      let client: Client
      init(_ client: Client) { self.client = client }
    }

    init(_ client: Client) throws(SoftadastraError) {
      let owned = Owned(client)
      let shared = self.shared
      thread = try NativeThread { Self.serve(owned.client, shared) }
    }

    /// Whether a `close()` is queued, and how many requests wait (for tests that need a call to
    /// come before or after another).
    var isClosed: Bool { shared.queue.withLock { $0.closed } }
    var queuedRequests: Int { shared.queue.withLock { $0.requests.count } }

    /// Enqueues a request (the last one, when `closing`); `done` is called on the node's thread
    /// with its outcome.
    private func submit(
      _ request: Request, closing: Bool = false,
      _ done: @escaping @Sendable (Result<ClosedRange<UInt64>?, SoftadastraError>) -> Void
    ) {
      let accepted = shared.queue.withLock { queue in
        guard !queue.closed else { return false }
        queue.requests.append((request, done))
        queue.closed = closing
        return true
      }
      guard accepted else { return done(.failure(SoftadastraError(.notOpen, "the node is closed"))) }
      shared.work.signal()
    }

    func wait(for request: Request, closing: Bool = false) throws(SoftadastraError) -> ClosedRange<UInt64>? {
      let answered = Semaphore()
      let outcome = Locked<Result<ClosedRange<UInt64>?, SoftadastraError>?>(nil)
      submit(request, closing: closing) { result in
        outcome.withLock { $0 = result }
        answered.signal()
      }
      answered.wait()
      return try outcome.withLock { $0! }.get()
    }

    func await(_ request: Request) async throws(SoftadastraError) -> ClosedRange<UInt64>? {
      let result = await withCheckedContinuation { continuation in
        submit(request) { continuation.resume(returning: $0) }
      }
      return try result.get()
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (Client) throws(SoftadastraError) -> T) throws(SoftadastraError)
      -> T
    {
      let box = Locked<Result<T, SoftadastraError>?>(nil)
      _ = try wait(
        for: .call { client in box.withLock { $0 = Result { () throws(SoftadastraError) in try body(client) } } })
      return try box.withLock { $0! }.get()
    }

    func running<T: Sendable>(_ body: @escaping @Sendable (Client) throws(SoftadastraError) -> T)
      async throws(SoftadastraError) -> T
    {
      let box = Locked<Result<T, SoftadastraError>?>(nil)
      _ = try await self.await(
        .call { client in box.withLock { $0 = Result { () throws(SoftadastraError) in try body(client) } } })
      return try box.withLock { $0! }.get()
    }

    /// Queues the client's close after every request queued before, and refuses the later ones.
    func close() throws(SoftadastraError) {
      let result = Locked<Result<Void, SoftadastraError>?>(nil)
      _ = try wait(
        for: .call { client in result.withLock { $0 = Result { () throws(SoftadastraError) in try client.close() } } },
        closing: true)
      thread.join()
      try result.withLock { $0! }.get()
    }

    /// The thread: takes every request waiting, commits the writes among them together (one sync),
    /// and runs the other calls in their place in the order.
    private static func serve(_ client: Client, _ shared: Shared) {
      var lastGroup = 0
      while true {
        shared.work.wait()
        // Writers woken by the last group's answers are submitting again: give them up to 100 µs
        // to join this group (as many as were in the last one) rather than each wait a whole
        // sync for the next. A lone writer waits for nothing.
        var waited = 0
        while waited < 5, shared.queue.withLock({ $0.requests.count < lastGroup && !$0.closed }) {
          usleep(20)
          waited += 1
        }
        let (requests, closed) = shared.queue.withLock { queue in
          defer { queue.requests.removeAll() }
          return (queue.requests, queue.closed)
        }
        lastGroup = requests.count
        var start = 0
        while start < requests.count {
          var end = start
          while end < requests.count, case .write = requests[end].0 { end += 1 }
          if end > start {
            let batches = requests[start..<end].map { request -> [StoreOperation] in
              if case .write(let operations) = request.0 { operations } else { [] }
            }
            for (request, result) in zip(requests[start..<end], client.commit(batches: batches)) { request.1(result) }
            start = end
            continue
          }
          if case .call(let body) = requests[start].0 { body(client) }
          requests[start].1(.success(nil))
          start += 1
        }
        if closed { return }
      }
    }
  }

}
