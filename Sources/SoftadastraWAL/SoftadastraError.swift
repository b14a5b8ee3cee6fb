/// Data about a failure for code to match on, defined by the area that fails: the log
/// (`LogDamage`, `LockHeld`), the operating system (`SystemCallFailure`), a snapshot
/// (`SnapshotFailure`)… The error's message says the same for people.
public protocol FailureDetail: Sendable {}

/// An error from any layer of Softadastra: what went wrong, where, and what to do about it.
///
/// `kind` says what class of failure this is (the command-line tool maps it to an exit code);
/// `detail` carries the failing area's data for code to match on (`detail(as:)`), `remedy` what
/// can be done about it; `description` is one sentence a person can act on. Code never looks at
/// the message.
public struct SoftadastraError: Error, CustomStringConvertible, Sendable {
  /// What class of failure happened.
  public enum Kind: String, Sendable, Equatable, CaseIterable {
    /// The caller asked for something invalid (bad option, key too long, malformed input).
    case invalidArgument
    /// Input data (an import file, a bundle) is malformed: the message names the line or byte.
    case malformedInput
    /// A file or directory that must exist does not.
    case notFound
    /// A file or directory could not be created.
    case cannotCreate
    /// Reading, writing or syncing failed.
    case io
    /// A log is damaged: the offset and LSN say where.
    case corrupt
    /// Another process holds the writer lock and did not release it in time.
    case lockTimeout
    /// The operating system refused access.
    case permissionDenied
    /// The configuration does not match the data (another node's log, a newer format).
    case configuration
    /// A client or a log writer is not open, or was closed.
    case notOpen
  }

  public var kind: Kind
  /// One line for a person: what happened (`description` adds what to do about it).
  public var message: String
  /// The file concerned, when there is one.
  public var path: String?
  /// The byte offset in `path` where damage starts, for `corrupt`.
  public var offset: UInt64?
  /// The log sequence number expected at `offset`, for `corrupt`.
  public var lsn: UInt64?
  /// The failing area's data, when code may want to act on it.
  public var detail: (any FailureDetail)?
  /// What the caller can do about it, when something can be done.
  public var remedy: Remedy?

  public init(
    _ kind: Kind, _ message: String, path: String? = nil, offset: UInt64? = nil, lsn: UInt64? = nil,
    detail: (any FailureDetail)? = nil, remedy: Remedy? = nil
  ) {
    self.kind = kind
    self.message = message
    self.path = path
    self.offset = offset
    self.lsn = lsn
    self.detail = detail
    self.remedy = remedy
  }

  /// The message, then the remedy in the library's words.
  public var description: String { message + (remedy.map { "; \($0.wording)" } ?? "") }

  /// The detail, when it is a `T`: `if let damage = error.detail(as: LogDamage.self) { … }`.
  public func detail<T: FailureDetail>(as type: T.Type) -> T? { detail as? T }

  /// The same error with `context` before its message (as in "sync serve (node a): …"); kind,
  /// place and detail are kept.
  public func inContext(_ context: String) -> SoftadastraError {
    var error = self
    error.message = "\(context): \(message)"
    return error
  }
}
