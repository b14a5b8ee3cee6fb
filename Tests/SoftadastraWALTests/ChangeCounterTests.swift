import Foundation
import SoftadastraTestSupport
import Testing

@testable import SoftadastraWAL

/// The change count in the writer's lock file (`ChangeCounter`), which lets reads skip looking
/// at the log when no commit was acknowledged since their last look (docs/concurrency.md).
@Suite struct ChangeCounterTests {
  @Test func aWriterMakesTheCountPageAndReadersMapIt() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node.wal")
    let writer = try WALWriter(path: path, nodeID: "node-a", lockTimeout: 1)
    let lockBytes = FileBytes.read(path + ".lock")
    #expect(lockBytes.count == 8192)
    #expect(Array(lockBytes[4096..<4104]) == Array("SACHANGE".utf8))
    let reader = try #require(ChangeCounter.forReader(walPath: path))
    let before = reader.value
    _ = try writer.append([.put(key: Array("a".utf8), value: [1])])
    #expect(reader.value == before &+ 1)
    #expect(FileBytes.read(path + ".lock")[4104..<4112].elementsEqual(Self.littleEndian(reader.value)))
    try writer.close()
  }

  /// Exactly the holds that change the log advance it: each append (one step per call, however
  /// many records), a seal; a catch-up that changes nothing does not (else two idle readers
  /// would wake each other at every read). Other holders advance it when they let go, unless
  /// they say they changed nothing.
  @Test func everyChangeUnderTheLockAdvancesTheCountAndNothingElseDoes() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node.wal")
    let writer = try WALWriter(path: path, nodeID: "node-a", lockTimeout: 1)
    writer.unlock()
    let count = try #require(ChangeCounter.forReader(walPath: path))
    var expected = count.value
    func step(_ body: () throws -> Void, advances: UInt64, _ what: String) rethrows {
      try body()
      expected &+= advances
      #expect(count.value == expected, "\(what)")
    }
    try step({ _ = try writer.relock(timeout: 1) }, advances: 0, "a catch-up")
    try step({ writer.unlock() }, advances: 0, "letting go after a catch-up")
    _ = try writer.relock(timeout: 1)
    try step({ _ = try writer.append([.put(key: [1], value: [1])]) }, advances: 1, "one append")
    try step(
      {
        _ = try writer.append(batches: [
          [.operation(.put(key: [2], value: [2]), origin: nil)], [.operation(.delete(key: [1]), origin: nil)],
        ])
      },
      advances: 1, "one append of two batches")
    try step({ writer.unlock() }, advances: 0, "letting go after appends already counted")
    _ = try writer.relock(timeout: 1)
    let next = WALHeader(nodeID: "node-a", createdMilliseconds: 1, firstLSN: writer.nextLSN, continuesSnapshot: true)
    try step(
      { try writer.startNewLog(next, archivingAs: directory.file("sealed.wal")) }, advances: 1, "a seal")
    try step({ try writer.close() }, advances: 0, "closing")
    let other = try WriterLock.acquire(walPath: path, timeout: 1)
    try step({ other.suspend(advancing: false) }, advances: 0, "a holder that changed nothing")
    try other.take(timeout: 1)
    try step({ other.release() }, advances: 1, "any other holder")
  }

  /// Where there is no count page (no lock file, or one an older version made), or its magic is
  /// missing, readers have no count: they look at the log before every read. The next writer to
  /// take the lock writes the page.
  @Test func readersWithoutAPageLookBeforeEveryReadUntilAWriterWritesIt() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("node.wal")
    #expect(ChangeCounter.forReader(walPath: path) == nil)
    let holderLine = Array("4242 softadastra store put a 1\n".utf8)
    FileBytes.write(holderLine, to: path + ".lock")
    #expect(ChangeCounter.forReader(walPath: path) == nil)
    #expect(ChangeWatch(nil).mustLook())
    let lock = try WriterLock.acquire(walPath: path, timeout: 1)
    #expect(try #require(ChangeCounter.forReader(walPath: path)).value == 0)
    lock.release()
    var unmarked = FileBytes.read(path + ".lock")
    unmarked.replaceSubrange(4096..<4104, with: [UInt8](repeating: 0, count: 8))
    FileBytes.write(unmarked, to: path + ".lock")
    #expect(ChangeCounter.forReader(walPath: path) == nil)
  }

  /// A moved count always makes a read look; an unmoved one lets reads skip the look (within a
  /// tick of the coarse clock, so some of many tries do).
  @Test func aMovedCountMakesTheNextReadLook() throws {
    let directory = TemporaryDirectory()
    let lock = try WriterLock.acquire(walPath: directory.file("node.wal"), timeout: 1)
    let counter = try #require(lock.changes)
    var watch = ChangeWatch(counter)
    #expect(watch.mustLook(), "never looked")
    var skipped = 0
    for _ in 0..<100 {
      watch.looked(atCount: watch.count)
      if !watch.mustLook() { skipped += 1 }
      let count = watch.count
      lock.advanceChanges()
      #expect(watch.mustLook())
      watch.looked(atCount: count)
      #expect(watch.mustLook(), "a look noted before the count moved")
    }
    #expect(skipped > 50)
    lock.release(advancing: false)
  }

  static func littleEndian(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
}
