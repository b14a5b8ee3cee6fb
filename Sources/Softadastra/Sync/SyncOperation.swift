@_spi(Storage) import SoftadastraWAL

/// An operation as it travels between nodes: what it does and where it was first written.
package struct SyncOperation: Sendable, Hashable {
  package var operation: StoreOperation
  package var origin: Origin

  package init(_ operation: StoreOperation, origin: Origin) {
    self.operation = operation
    self.origin = origin
  }

  /// The write's version for the conflict rule.
  package var version: WriteVersion { WriteVersion(timestamp: origin.timestamp, nodeID: origin.nodeID) }

  // MARK: - Bytes (the same in bundle format versions 1 and 2, docs/sync-format.md)

  /// Appends the operation's bytes: kind, origin node, origin LSN, origin HLC, key, value.
  func append(to bytes: inout [UInt8]) {
    let key = operation.key
    switch operation {
    case .put: bytes.append(RecordType.put)
    case .delete: bytes.append(RecordType.delete)
    }
    bytes.append(UInt8(origin.nodeID.utf8.count))
    bytes.append(contentsOf: origin.nodeID.utf8)
    bytes.appendLittleEndian(origin.lsn)
    bytes.appendLittleEndian(origin.timestamp.rawValue)
    bytes.appendLittleEndian(UInt16(key.count))
    bytes.append(contentsOf: key)
    if case .put(_, let value) = operation {
      bytes.appendLittleEndian(UInt32(value.count))
      bytes.append(contentsOf: value)
    }
  }

  /// The next operation of `reader`; nil when its bytes are not one within the limits.
  static func read(_ reader: inout FieldReader, origins: inout OriginNames) -> SyncOperation? {
    guard let kind = reader.read(UInt8.self), kind == RecordType.put || kind == RecordType.delete,
      let nodeID = origins.read(&reader), let lsn = reader.read(UInt64.self),
      let time = reader.read(UInt64.self),
      let keyLength = reader.read(UInt16.self), keyLength > 0, Int(keyLength) <= WALFormat.maxKeyBytes,
      let key = reader.readBytes(Int(keyLength))
    else { return nil }
    let origin = Origin(nodeID: nodeID, lsn: lsn, timestamp: HybridTimestamp(rawValue: time))
    guard kind == RecordType.put else { return SyncOperation(.delete(key: key), origin: origin) }
    guard let valueLength = reader.read(UInt32.self), Int(valueLength) <= WALFormat.maxValueBytes,
      let value = reader.readBytes(Int(valueLength))
    else { return nil }
    return SyncOperation(.put(key: key, value: value), origin: origin)
  }

  /// Origin node ids met so far: a bundle names a few nodes many times, and each is decoded
  /// and checked once.
  struct OriginNames {
    private var known: [[UInt8]: String] = [:]

    mutating func read(_ reader: inout FieldReader) -> String? {
      guard let length = reader.read(UInt8.self), let bytes = reader.readBytes(Int(length)) else { return nil }
      if let id = known[bytes] { return id }
      guard let id = String(validating: bytes, as: UTF8.self), NodeID.problem(with: id) == nil else { return nil }
      if known.count < 1024 { known[bytes] = id }
      return id
    }
  }
}
