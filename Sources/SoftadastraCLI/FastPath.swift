import ArgumentParser

/// Builds the commands that scripts call in loops (`store put`, `store get`, `store delete`)
/// straight from the argument list, skipping ArgumentParser's reflection, which costs more than
/// the rest of a put. It accepts only the plain forms: the subcommand, its positional arguments
/// and global options written `--name value`. Anything else (help, `--name=value`, `--`, an
/// unknown or invalid option, a missing argument) returns nil, and ArgumentParser parses the
/// arguments as usual, with its own messages. Both paths build the same command values.
enum FastPath {
  static func command(for arguments: [String]) -> (any ParsableCommand)? {
    guard arguments.count >= 3, arguments[0] == "store" else { return nil }
    var positionals: [String] = []
    var global = GlobalOptions()
    global.dataDir = nil
    global.nodeID = nil
    global.wal = nil
    global.noAutoFlush = false
    global.lockTimeout = GlobalOptions.defaultLockTimeout
    global.checkpointBytes = nil
    global.json = false
    var index = 2
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      guard argument.hasPrefix("-"), argument != "-" else {
        positionals.append(argument)
        continue
      }
      switch argument {
      case "--no-auto-flush": global.noAutoFlush = true
      case "--json": global.json = true
      case "--data-dir", "--node-id", "--wal", "--lock-timeout", "--checkpoint-bytes":
        guard index < arguments.count, !arguments[index].hasPrefix("-") else { return nil }
        let value = arguments[index]
        index += 1
        switch argument {
        case "--data-dir": global.dataDir = value
        case "--node-id": global.nodeID = value
        case "--wal": global.wal = value
        case "--checkpoint-bytes":
          guard let bytes = UInt64(value) else { return nil }
          global.checkpointBytes = bytes
        default:
          guard let seconds = Double(value), seconds >= 0, seconds.isFinite else { return nil }
          global.lockTimeout = seconds
        }
      default: return nil
      }
    }
    switch (arguments[1], positionals.count) {
    case ("put", 2):
      var put = SoftadastraCommand.Store.Put()
      put.key = positionals[0]
      put.value = positionals[1]
      put.global = global
      return put
    case ("get", 1):
      var get = SoftadastraCommand.Store.Get()
      get.key = positionals[0]
      get.global = global
      return get
    case ("delete", 1):
      var delete = SoftadastraCommand.Store.Delete()
      delete.key = positionals[0]
      delete.global = global
      return delete
    default: return nil
    }
  }
}
