/// Rules for node ids: they name WAL files, so they are short and file-name safe.
public enum NodeID {
  /// Why `id` is not a valid node id, or nil when it is.
  public static func problem(with id: String) -> String? {
    if id.isEmpty { return "the node id is empty; use a name such as node-a" }
    if id.utf8.count > WALFormat.maxNodeIDBytes {
      return "the node id is \(id.utf8.count) bytes long; the limit is \(WALFormat.maxNodeIDBytes)"
    }
    let allowed = id.utf8.allSatisfy { byte in
      (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
        || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
    }
    if !allowed || id.hasPrefix(".") || id.hasPrefix("-") {
      return "the node id '\(id)' may hold only letters, digits, '.', '_' and '-', and must not start with '.' or '-'"
    }
    return nil
  }
}
