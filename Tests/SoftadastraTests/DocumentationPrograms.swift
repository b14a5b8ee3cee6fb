// The programs of the documentation's articles (Sources/Softadastra/Softadastra.docc), exactly as
// they appear there: DocumentationProgramTests runs them, and checks that every Swift block of
// every article is here, so an article's code always compiles and does what it says.
import Softadastra

func persistentWrite(in directory: String) throws -> String? {
  var options = ClientOptions.persistent(nodeID: "node-persistent", walPath: "\(directory)/node-persistent.wal")
  options.autoFlush = true  // the default: each put is on disk before it returns
  options.enableTransport = false  // as in the SDK's guide: this library has neither a transport
  options.enableDiscovery = false  // nor discovery, and open() refuses true

  let client = Client(options)
  try client.open()
  try client.put("settings/theme", "dark")
  let theme = try client.get("settings/theme")?.string
  try client.close()
  return theme
}

func writeThenRecover(in directory: String) throws -> String? {
  let options = ClientOptions.persistent(nodeID: "node-recovery", walPath: "\(directory)/node-recovery.wal")
  do {
    let client = Client(options)
    try client.open()
    try client.put("app/name", "Softadastra")
    try client.close()
  }
  // The process could stop here, by a crash or a power cut: the write is in the WAL.
  let client = Client(options)
  try client.open()  // replays the WAL
  let name = try client.get("app/name")?.string
  try client.close()
  return name
}

actor Settings {
  let node: Node

  init(directory: String) throws {
    node = try Node(.persistent(nodeID: "app", walPath: "\(directory)/app.wal"))
  }

  func setTheme(_ theme: String) async throws {
    try await node.put("settings/theme", theme)
  }

  func theme() async throws -> String? {
    try await node.get("settings/theme")?.string
  }
}

func watchTheme(of node: Node, until last: String) async throws -> [String?] {
  var seen: [String?] = []
  for try await value in try node.values(of: "settings/theme") {
    seen.append(value?.string)
    if value?.string == last { break }
  }
  return seen
}
