import SoftadastraWAL

/// One event of a node's change feed (`Client.changes(prefix:)`): a committed change, by any
/// process, in the order of the log.
public enum NodeChange: Sendable, Equatable {
  /// `key` was set to `value` by the record `lsn`; `origin` is the node that wrote it when it
  /// came from a peer through sync, nil when this node wrote it.
  case put(key: [UInt8], value: Value, lsn: UInt64, origin: String?)
  /// `key` was deleted by the record `lsn`.
  case delete(key: [UInt8], lsn: UInt64, origin: String?)
  /// Another log was put in place (a restore, a whole state seeding a new node, or a repair that
  /// dropped records), or records the
  /// feed had not read are no longer kept (it looked too rarely: three checkpoints or more
  /// between two looks, and retention removed the logs they sealed): what was read before may no
  /// longer hold. Read again what you show; changes go on from the new log.
  case reset

  /// The key changed, nil for `reset`.
  public var key: [UInt8]? {
    switch self {
    case .put(let key, _, _, _), .delete(let key, _, _): key
    case .reset: nil
    }
  }

  /// The change a log record makes, nil for records that change no key.
  init?(_ record: WALRecord) {
    guard case .operation(let operation, let origin) = record.body else { return nil }
    switch operation {
    case .put(let key, let value): self = .put(key: key, value: Value(value), lsn: record.lsn, origin: origin?.nodeID)
    case .delete(let key): self = .delete(key: key, lsn: record.lsn, origin: origin?.nodeID)
    }
  }
}
