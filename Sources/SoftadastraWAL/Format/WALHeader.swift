/// The header at the start of every native WAL file.
public struct WALHeader: Sendable, Equatable {
  /// The node whose history this log holds. One log per node.
  public var nodeID: String
  /// When the file was created, in milliseconds since the Unix epoch (UTC).
  public var createdMilliseconds: Int64
  /// The LSN of the file's first record (1 for a new node; more after a snapshot).
  public var firstLSN: UInt64
  /// The log continues a snapshot: the state before `firstLSN` is in the snapshot that names
  /// this header's checksum as its successor, and the log alone is not the node's whole state.
  /// Written as the first byte of the header extension (bit 0), only when set.
  public var continuesSnapshot: Bool
  /// Total header size in bytes, including any extension a newer writer added and the CRC.
  public private(set) var size: Int
  /// The header's CRC-32C, which also seeds the first record's CRC.
  public private(set) var checksum: UInt32

  public init(nodeID: String, createdMilliseconds: Int64, firstLSN: UInt64 = 1, continuesSnapshot: Bool = false) {
    self.nodeID = nodeID
    self.createdMilliseconds = createdMilliseconds
    self.firstLSN = firstLSN
    self.continuesSnapshot = continuesSnapshot
    self.size = WALFormat.headerFixedSize + nodeID.utf8.count + (continuesSnapshot ? 1 : 0) + 4
    self.checksum = 0
    self.checksum = CRC32C.checksum(encoded().dropLast(4))
  }

  /// The header's bytes, CRC last.
  public func encoded() -> [UInt8] {
    var bytes: [UInt8] = WALFormat.magic
    bytes.reserveCapacity(size)
    bytes.appendLittleEndian(WALFormat.version)
    bytes.appendLittleEndian(UInt16(size))
    bytes.appendLittleEndian(createdMilliseconds)
    bytes.appendLittleEndian(firstLSN)
    bytes.append(UInt8(nodeID.utf8.count))
    bytes.append(contentsOf: nodeID.utf8)
    if size > bytes.count + 4 {
      // The extension: the flags byte, then zeros up to the size a newer writer gave it.
      bytes.append(continuesSnapshot ? WALFormat.continuesSnapshotFlag : 0)
      bytes.append(contentsOf: repeatElement(0, count: size - bytes.count - 4))
    }
    bytes.appendLittleEndian(CRC32C.checksum(bytes))
    return bytes
  }

  /// Why a header could not be read.
  public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
    case tooShort(Int)
    case badMagic
    case unsupportedVersion(UInt16)
    case badSize(Int)
    case badNodeID
    case checksumMismatch(stored: UInt32, computed: UInt32)
    case firstLSNOutOfRange(UInt64)

    public var description: String {
      switch self {
      case .tooShort(let count): "the file holds \(count) bytes, fewer than a WAL header"
      case .badMagic: "it does not start with the Softadastra WAL magic bytes"
      case .unsupportedVersion(let version):
        "it is format version \(version); this softadastra reads version \(WALFormat.version) (upgrade softadastra)"
      case .badSize(let size): "its header size field (\(size)) is impossible"
      case .badNodeID: "its node id is empty or not UTF-8"
      case .checksumMismatch(let stored, let computed):
        "its header checksum does not match (stored \(hex(stored)), computed \(hex(computed)))"
      case .firstLSNOutOfRange(let lsn): "its first LSN \(lsn) is outside 1 to \(WALFormat.maxLSN)"
      }
    }
  }

  /// The largest header a reader accepts (room for later extensions).
  public static let maxSize = 4096

  /// Reads a header from the start of `bytes`, which may hold more than the header.
  public static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<WALHeader, Problem> {
    guard bytes.count >= WALFormat.headerFixedSize + 1 + 4 else { return .failure(.tooShort(bytes.count)) }
    guard bytes.prefix(8).elementsEqual(WALFormat.magic) else { return .failure(.badMagic) }
    let version: UInt16 = bytes.loadLittleEndian(at: 8)
    guard version == WALFormat.version else { return .failure(.unsupportedVersion(version)) }
    let size = Int(bytes.loadLittleEndian(at: 10, as: UInt16.self))
    let idLength = Int(bytes[28])
    guard size >= WALFormat.headerFixedSize + idLength + 4, size <= maxSize else { return .failure(.badSize(size)) }
    guard bytes.count >= size else { return .failure(.tooShort(bytes.count)) }
    let stored: UInt32 = bytes.loadLittleEndian(at: size - 4)
    let computed = CRC32C.extend(0, UnsafeRawBufferPointer(rebasing: bytes[0..<size - 4]))
    guard stored == computed else { return .failure(.checksumMismatch(stored: stored, computed: computed)) }
    let idBytes = bytes[29..<29 + idLength]
    guard idLength > 0, let nodeID = String(validating: idBytes, as: UTF8.self) else {
      return .failure(.badNodeID)
    }
    let firstLSN: UInt64 = bytes.loadLittleEndian(at: 20)
    guard firstLSN >= 1, firstLSN <= WALFormat.maxLSN else { return .failure(.firstLSNOutOfRange(firstLSN)) }
    let extensionStart = 29 + idLength
    let flags = size - 4 > extensionStart ? bytes[extensionStart] : 0
    var header = WALHeader(
      nodeID: nodeID, createdMilliseconds: bytes.loadLittleEndian(at: 12), firstLSN: firstLSN,
      continuesSnapshot: flags & WALFormat.continuesSnapshotFlag != 0)
    header.size = size
    header.checksum = stored
    return .success(header)
  }
}

func hex(_ value: UInt32) -> String {
  let digits = String(value, radix: 16)
  return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
