/// How a `Client` stores its data. Build one with `persistent(nodeID:walPath:)` or `memory(nodeID:)`.
public struct ClientOptions: Sendable, Equatable {
  /// The node's identity; one WAL per node.
  public var nodeID: String
  /// The write-ahead log file, or nil for a memory-only client.
  public var walPath: String?
  /// Sync each accepted write to disk before it is acknowledged. On by default for persistent
  /// clients; when off, writes reach the disk at `flush()` and `close()`.
  public var autoFlush: Bool
  /// Kept so that programs written for the Softadastra SDK compile unchanged; it must stay
  /// false (the default): this library has no network transport of its own, and `open()`
  /// refuses true rather than ignore it. Data moves between nodes as sync bundles
  /// (`makeSyncBundle(for:)`, `applySyncBundle(_:)`) over any carrier, or with `softadastra sync`.
  public var enableTransport: Bool
  /// Kept for the Softadastra SDK's programs, as `enableTransport`; must stay false: there is no
  /// peer discovery (peers are named by their node ids), and `open()` refuses true.
  public var enableDiscovery: Bool
  /// Seconds to wait for another process that is writing the same WAL.
  public var lockTimeout: Double
  /// Open without the writer lock and refuse writes: for inspecting a WAL another process writes.
  public var readOnly: Bool
  /// Replay the whole WAL at `open()` (the default). When false, `open()` reads only the WAL's
  /// tail, which is all an append needs, and the store is loaded at the first read.
  public var loadsStoreOnOpen: Bool
  /// Create the WAL's directory (mode 0700) when it is missing, instead of failing.
  public var createsDirectory: Bool
  /// Create the node (its WAL) when a writer opens a node that has none (the default). When
  /// false, such an open fails with `notFound`: for tools that work on an existing node, so
  /// that a mistyped path or node id does not create a new one.
  public var createsNode: Bool
  /// When the live WAL holds this many bytes of records, the next writer saves a snapshot and
  /// starts a fresh WAL (at open, or before its next write). 0 turns automatic checkpoints off.
  public var checkpointBytes: UInt64

  /// The most bytes of decompressed snapshot blocks a client keeps for reads (8 MiB by default;
  /// 0 keeps none): a read in a kept block costs a binary search, one elsewhere a read and a
  /// decompression of one block (4 KiB in snapshots written since 2026-12). A delta snapshot and
  /// the full one under it share it.
  public var blockCacheBytes: Int

  /// The default `blockCacheBytes`: 8 MiB.
  public static let defaultBlockCacheBytes = 8 << 20

  /// The default `checkpointBytes`: 64 MiB.
  public static let defaultCheckpointBytes: UInt64 = 64 << 20

  /// A node whose writes go to the WAL at `walPath` and survive restarts and crashes.
  public static func persistent(nodeID: String, walPath: String) -> ClientOptions {
    ClientOptions(nodeID: nodeID, walPath: walPath, autoFlush: true)
  }

  /// A node that keeps everything in memory: for tests and demos; nothing survives the process.
  public static func memory(nodeID: String) -> ClientOptions {
    ClientOptions(nodeID: nodeID, walPath: nil, autoFlush: false)
  }

  private init(nodeID: String, walPath: String?, autoFlush: Bool) {
    self.nodeID = nodeID
    self.walPath = walPath
    self.autoFlush = autoFlush
    self.enableTransport = false
    self.enableDiscovery = false
    self.lockTimeout = 10
    self.readOnly = false
    self.loadsStoreOnOpen = true
    self.createsDirectory = false
    self.createsNode = true
    self.checkpointBytes = Self.defaultCheckpointBytes
    self.blockCacheBytes = Self.defaultBlockCacheBytes
  }

  /// Whether writes go to a WAL.
  public var isPersistent: Bool { walPath != nil }

  /// Checks the options without touching the disk.
  public func validate() throws(SoftadastraError) {
    if let problem = NodeID.problem(with: nodeID) { throw SoftadastraError(.invalidArgument, problem) }
    if let walPath, walPath.isEmpty {
      throw SoftadastraError(.invalidArgument, "the WAL path is empty; use a path such as data/\(nodeID).wal")
    }
    if let walPath, walPath.hasSuffix("/") {
      throw SoftadastraError(
        .invalidArgument, "the WAL path \(walPath) names a directory; use a file such as \(walPath)\(nodeID).wal")
    }
    if enableTransport || enableDiscovery {
      throw SoftadastraError(
        .invalidArgument,
        "\(enableTransport ? "enableTransport" : "enableDiscovery") is not supported: this library has no network transport or peer discovery; leave it false and move data between nodes with sync bundles (makeSyncBundle(for:), applySyncBundle(_:)) or softadastra sync"
      )
    }
    guard blockCacheBytes >= 0 else {
      throw SoftadastraError(.invalidArgument, "the block cache must be zero or more bytes, not \(blockCacheBytes)")
    }
    guard lockTimeout >= 0, lockTimeout.isFinite else {
      throw SoftadastraError(.invalidArgument, "the lock timeout must be zero or more seconds, not \(lockTimeout)")
    }
  }
}
