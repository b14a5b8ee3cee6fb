import SoftadastraWAL

/// What a live exchange did, seen from one side.
public struct SyncExchangeResult: Sendable, Equatable {
  public var peer: String
  /// The imports of the other side's bundles, in order.
  public var imports: [SyncImportResult]
  /// Operations sent to the other side.
  public var sent: Int
}

/// A two-way exchange between two nodes over a stream, each bundle applied atomically by its
/// receiver:
///
/// 1. each side sends a greeting (its id);
/// 2. the caller sends what the answerer lacks, with its acknowledgement of the answerer's log;
/// 3. the answerer imports it and sends what the caller lacks (from the position the caller
///    just acknowledged, so a caller restored from an older backup gets what it lost);
/// 4. the caller imports it and sends its acknowledgement, which the answerer imports.
///
/// Broken off anywhere, each side has applied whole bundles only, and positions are durable, so
/// the next exchange resumes where this one stopped.
public enum SyncExchange {
  /// The caller's side (`softadastra sync with`).
  public static func call(_ client: Client, over stream: SyncStream) throws(SoftadastraError) -> SyncExchangeResult {
    let (stream, peer) = try greet(client, over: stream)
    do throws(SoftadastraError) {
      let bundle = try client.sendSyncBundle(for: peer, to: stream)
      let result = try client.applySyncBundle(try expect(stream, from: peer))
      try client.sendSyncBundle(for: peer, to: stream)
      return SyncExchangeResult(peer: peer, imports: [result], sent: bundle.operationCount)
    } catch {
      try? client.recordSyncFailure(peer: peer)
      throw error
    }
  }

  /// The answering side (`softadastra sync serve --stdio`).
  public static func answer(_ client: Client, over stream: SyncStream) throws(SoftadastraError) -> SyncExchangeResult {
    let (stream, peer) = try greet(client, over: stream)
    do throws(SoftadastraError) {
      // A first bundle that starts after what this node has of the caller's log (this node was
      // restored from a backup) is left out: the answer tells the caller where this node stands,
      // and the caller's last bundle starts there.
      let first = try expect(stream, from: peer)
      var imports: [SyncImportResult] = []
      let received = try client.receivedPosition(from: peer)
      if (try? first.header.checkFollows(received: received)) != nil {
        imports.append(try client.applySyncBundle(first))
      }
      let bundle = try client.sendSyncBundle(for: peer, to: stream)
      imports.append(try client.applySyncBundle(try expect(stream, from: peer)))
      return SyncExchangeResult(peer: peer, imports: imports, sent: bundle.operationCount)
    } catch {
      try? client.recordSyncFailure(peer: peer)
      throw error
    }
  }

  /// Sends this node's greeting and reads the other's; the stream, named after the peer, and its id.
  private static func greet(_ client: Client, over stream: SyncStream) throws(SoftadastraError) -> (SyncStream, String)
  {
    var stream = stream
    try stream.send(SyncBundle.greeting(from: client.options.nodeID))
    let greeting = try expect(stream).header
    guard greeting.isGreeting else {
      throw SoftadastraError(.malformedInput, "\(stream.peerName) did not start the exchange with a greeting")
    }
    guard greeting.sender != client.options.nodeID else {
      throw SoftadastraError(
        .invalidArgument, "the other side is this node ('\(greeting.sender)') itself; exchange with another node")
    }
    stream.peerName = greeting.sender
    return (stream, greeting.sender)
  }

  /// The next bundle on `stream`, which must come from `sender` when one is named.
  private static func expect(_ stream: SyncStream, from sender: String? = nil) throws(SoftadastraError)
    -> ReceivedSyncBundle
  {
    guard let bundle = try stream.receive() else { throw stream.ended() }
    if let sender, bundle.header.sender != sender {
      throw SoftadastraError(
        .malformedInput, "\(stream.peerName) greeted as '\(sender)' but sent a bundle from '\(bundle.header.sender)'")
    }
    return bundle
  }
}
