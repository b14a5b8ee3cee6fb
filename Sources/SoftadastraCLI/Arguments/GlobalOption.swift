/// The long names of the global options, listed once: `GlobalOptions` declares its options with
/// them, the fast path parses them, and the out-of-place hint recognises them.
enum GlobalOption: String, CaseIterable {
  case dataDir = "data-dir"
  case nodeID = "node-id"
  case wal
  case noAutoFlush = "no-auto-flush"
  case lockTimeout = "lock-timeout"
  case checkpointBytes = "checkpoint-bytes"
  case json

  /// How it is written on the command line.
  var flag: String { "--" + rawValue }

  /// The option written `flag`, if `flag` is one (with or without a `=value` part).
  init?(flag: some StringProtocol) {
    let name = flag.split(separator: "=", maxSplits: 1).first ?? ""
    guard name.hasPrefix("--"), let option = GlobalOption(rawValue: String(name.dropFirst(2))) else { return nil }
    self = option
  }

  /// Whether it takes a value (`--name value`) rather than standing alone.
  var takesValue: Bool { self != .noAutoFlush && self != .json }

  /// Sets this option in `options` from `value` (nil for a flag); false when `value` does not
  /// parse as the option's type (ArgumentParser then reports it).
  func set(_ value: String?, in options: inout GlobalOptions) -> Bool {
    switch self {
    case .dataDir: options.dataDir = value
    case .nodeID: options.nodeID = value
    case .wal: options.wal = value
    case .noAutoFlush: options.noAutoFlush = true
    case .json: options.json = true
    case .lockTimeout:
      guard let seconds = value.flatMap(Double.init) else { return false }
      options.lockTimeout = seconds
    case .checkpointBytes:
      guard let bytes = value.flatMap(UInt64.init) else { return false }
      options.checkpointBytes = bytes
    }
    return true
  }
}
