@_spi(Storage) import SoftadastraWAL

/// The build and publish steps of a checkpoint (`Checkpoint`), on a thread of their own, while
/// the client that sealed the log goes on committing: no commit waits for the snapshot.
///
/// The thread holds the checkpoint lock it is given until it is done, takes the writer lock only
/// to publish, and touches nothing of the client's: the client sees the new snapshot through the
/// files, at its next look at the log.
final class BackgroundCheckpoint: Sendable {
  private let thread: NativeThread
  private let outcome = Outcome()
  private let joined = Locked(false)

  /// Starts building the snapshot of `sealed`.
  init(
    _ sealed: SealedLog, files: NodeFiles, level: Int?, lockTimeout: Double, holding checkpointLock: CheckpointLock
  ) throws(SoftadastraError) {
    let outcome = self.outcome
    thread = try NativeThread {
      defer { checkpointLock.release() }
      let result = Result { () throws(SoftadastraError) -> CheckpointResult? in
        // A restore that made the snapshot pointless is no failure.
        guard
          case .published(let result) = try Checkpoint.finish(
            sealed, files: files, level: level, lockTimeout: lockTimeout)
        else { return nil }
        return result
      }
      outcome.value.withLock { $0 = result }
    }
  }

  /// Whether the checkpoint is done (published, or failed).
  var isFinished: Bool { outcome.value.withLock { $0 != nil } }

  /// Waits for the checkpoint to be done and returns what it did.
  func wait() -> Result<CheckpointResult?, SoftadastraError> {
    joined.withLock { joined in
      if !joined { thread.join() }
      joined = true
    }
    return outcome.value.withLock { $0! }
  }

  /// What the thread did, once it is done.
  private final class Outcome: Sendable {
    let value = Locked<Result<CheckpointResult?, SoftadastraError>?>(nil)
  }

}
