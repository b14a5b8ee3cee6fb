/// An error from any layer of Softadastra: what went wrong, where, and what to do about it.
///
/// `kind` says what class of failure this is (the command-line tool maps it to an exit code);
/// `description` is one sentence a person can act on.
public struct SoftadastraError: Error, CustomStringConvertible, Sendable, Equatable {
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
    /// The client is not open, or was closed.
    case notOpen
  }

  public var kind: Kind
  /// One line for a person: what happened and, where possible, how to fix it.
  public var message: String
  /// The file concerned, when there is one.
  public var path: String?
  /// The byte offset in `path` where damage starts, for `corrupt`.
  public var offset: UInt64?
  /// The log sequence number expected at `offset`, for `corrupt`.
  public var lsn: UInt64?

  public init(
    _ kind: Kind, _ message: String, path: String? = nil, offset: UInt64? = nil, lsn: UInt64? = nil
  ) {
    self.kind = kind
    self.message = message
    self.path = path
    self.offset = offset
    self.lsn = lsn
  }

  public var description: String { message }
}
