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
      // Only `--name value`: `--name=value` and anything unknown go to ArgumentParser.
      guard let option = GlobalOption(rawValue: String(argument.dropFirst(2))), argument.hasPrefix("--") else {
        return nil
      }
      var value: String?
      if option.takesValue {
        guard index < arguments.count, !arguments[index].hasPrefix("-") else { return nil }
        value = arguments[index]
        index += 1
      }
      guard option.set(value, in: &global) else { return nil }
    }
    guard (try? global.validate()) != nil else { return nil }
    switch (arguments[1], positionals.count) {
    case ("put", 2):
      var put = StorePutCommand()
      put.key = positionals[0]
      put.value = positionals[1]
      put.global = global
      return put
    case ("get", 1):
      var get = StoreGetCommand()
      get.key = positionals[0]
      get.global = global
      return get
    case ("delete", 1):
      var delete = StoreDeleteCommand()
      delete.key = positionals[0]
      delete.global = global
      return delete
    default: return nil
    }
  }
}
