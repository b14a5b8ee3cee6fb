import SoftadastraWAL

/// What a live exchange did, seen from one side.
public struct SyncExchangeResult: Sendable, Equatable {
  public var peer: String
  /// The imports of the other side's bundles, in order.
  public var imports: [SyncImportResult]
  /// Operations sent to the other side.
  public var sent: Int
}

/// A two-way exchange between two nodes over a stream, in four messages, each applied
/// atomically by its receiver:
///
/// 1. the caller sends a greeting (its id and where its log ends);
/// 2. the answerer sends what the caller lacks (its whole state when the caller's log ends
///    before what it already received from it: the caller was restored from a backup);
/// 3. the caller imports it and sends what the answerer lacks, acknowledging step 2;
/// 4. the answerer imports it and sends its acknowledgement, which the caller imports.
///
/// Broken off anywhere, each side has applied whole bundles only, and positions are durable, so
/// the next exchange resumes where this one stopped.
public enum SyncExchange {
  /// The caller's side (`softadastra sync with`).
  public static func call(_ client: Client, over stream: SyncStream) throws(SoftadastraError) -> SyncExchangeResult {
    var stream = stream
    try stream.send(SyncBundle.greeting(from: client.options.nodeID, end: try client.logEnd()))
    let first = try expect(stream)
    let peer = first.sender
    stream.peerName = peer
    var imports: [SyncImportResult] = []
    do throws(SoftadastraError) {
      imports.append(try client.applySyncBundle(first))
      let bundle = try client.makeSyncBundle(for: peer)
      try stream.send(bundle)
      imports.append(try client.applySyncBundle(try expect(stream)))
      return SyncExchangeResult(peer: peer, imports: imports, sent: bundle.operations.count)
    } catch {
      try? client.recordSyncFailure(peer: peer)
      throw error
    }
  }

  /// The answering side (`softadastra sync serve --stdio`).
  public static func answer(_ client: Client, over stream: SyncStream) throws(SoftadastraError) -> SyncExchangeResult {
    var stream = stream
    let greeting = try expect(stream)
    guard greeting.isGreeting else {
      throw SoftadastraError(.malformedInput, "the exchange did not start with a greeting from the calling node")
    }
    let peer = greeting.sender
    stream.peerName = peer
    do throws(SoftadastraError) {
      let restored = try client.syncState().peers.first { $0.nodeID == peer }.map { $0.receivedLSN > greeting.end.lsn } ?? false
      let bundle = try client.makeSyncBundle(for: peer, fullState: restored)
      try stream.send(bundle)
      let result = try client.applySyncBundle(try expect(stream))
      try stream.send(try client.makeSyncBundle(for: peer))
      return SyncExchangeResult(peer: peer, imports: [result], sent: bundle.operations.count)
    } catch {
      try? client.recordSyncFailure(peer: peer)
      throw error
    }
  }

  private static func expect(_ stream: SyncStream) throws(SoftadastraError) -> SyncBundle {
    guard let bundle = try stream.receive() else {
      throw SoftadastraError(.io, "\(stream.peerName) ended the exchange early; what was applied so far is kept, and the next exchange resumes from there")
    }
    return bundle
  }
}
