/// A put or a delete read where its record's bytes lie, without copying them
/// (`LogReader.withOperation(of:_:)`): for work that only looks at each key and value once, such
/// as printing them. The buffers are valid only during the call that passes them.
///
/// Never keep the buffers past that call: they point into the reader's buffer, or into the arrays
/// of a copied record, which may be gone or reused by then.
public struct OperationInPlace {
  public let isDelete: Bool
  public let key: UnsafeRawBufferPointer
  /// Empty for a delete.
  public let value: UnsafeRawBufferPointer
  /// The node that wrote it, when it came from a peer.
  public let origin: Origin?
}

extension LogReader {
  /// For a reader that always copies its records (`CppLogScanner`): from the record's arrays.
  public func withOperation<T>(of scanned: ScannedRecord, _ body: (OperationInPlace) -> T) -> T? {
    scanned.withMaterializedOperation(body)
  }
}

extension ScannedRecord {
  /// Passes the operation of a materialized record to `body`, from its arrays; nil for a
  /// record that holds no operation, or whose operation was not copied (`.unread`).
  func withMaterializedOperation<T>(_ body: (OperationInPlace) -> T) -> T? {
    guard case .operation(let operation, let origin) = record.body else { return nil }
    let (isDelete, value): (Bool, [UInt8])
    switch operation {
    case .put(_, let put): (isDelete, value) = (false, put)
    case .delete: (isDelete, value) = (true, [])
    }
    return operation.key.withUnsafeBytes { key in
      value.withUnsafeBytes { value in
        body(OperationInPlace(isDelete: isDelete, key: key, value: value, origin: origin))
      }
    }
  }
}
