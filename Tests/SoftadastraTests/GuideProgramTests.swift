import Foundation
import Softadastra
import SoftadastraTestSupport
import Testing

/// The two programs of the persistence guide, in Swift.
@Suite struct GuideProgramTests {
  @Test func persistentWrite() throws {
    let directory = TemporaryDirectory()
    try FileManager.default.createDirectory(atPath: directory.file("data"), withIntermediateDirectories: true)
    var options = ClientOptions.persistent(
      nodeID: "node-persistent", walPath: directory.file("data/node-persistent.wal"))
    options.autoFlush = true
    options.enableTransport = false
    options.enableDiscovery = false
    let client = Client(options)
    try client.open()
    try client.put("settings/theme", "dark")
    #expect(try client.get("settings/theme")?.string == "dark")
    #expect(client.size == 1)
    #expect(try client.syncState().outboxSize == 1)
    try client.close()
    #expect(FileManager.default.fileExists(atPath: directory.file("data/node-persistent.wal")))
  }

  @Test func writeCloseReopenRead() throws {
    let directory = TemporaryDirectory()
    let options = ClientOptions.persistent(nodeID: "node-recovery", walPath: directory.file("node-recovery.wal"))
    do {
      let client = Client(options)
      try client.open()
      try client.put("app/name", "Softadastra")
      try client.close()
    }
    do {
      let client = Client(options)
      try client.open()
      #expect(try client.get("app/name")?.string == "Softadastra")
      #expect(try client.contains("app/name"))
      try client.close()
    }
  }
}
