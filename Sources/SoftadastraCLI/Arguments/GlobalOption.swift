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

  /// `arguments` (which start with global options) as they should have been written: the
  /// subcommand and its arguments first, then the global options with their values, quoted for
  /// a shell where needed.
  static func movedAfterSubcommand(_ arguments: [String]) -> String {
    var options: [String] = []
    var rest = arguments[...]
    while let first = rest.first, let option = GlobalOption(flag: first) {
      options.append(first)
      rest = rest.dropFirst()
      if option.takesValue, !first.contains("="), let value = rest.first {
        options.append(value)
        rest = rest.dropFirst()
      }
    }
    return (rest + options).map(shellWord).joined(separator: " ")
  }

  /// `word` as a shell reads it back: as it is when it holds only safe characters, else quoted.
  private static func shellWord(_ word: String) -> String {
    let safe = word.unicodeScalars.allSatisfy { scalar in
      scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_./=:@%+,".unicodeScalars.contains(scalar)
    }
    return !word.isEmpty && safe ? word : "'" + word.replacing("'", with: "'\\''") + "'"
  }
}
