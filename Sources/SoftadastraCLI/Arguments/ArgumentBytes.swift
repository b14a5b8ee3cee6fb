#if canImport(Glibc)
  import Glibc
#endif

/// Command-line arguments keep their exact bytes: on Linux an argument is any bytes, while
/// `CommandLine.arguments` replaces what is not UTF-8 with U+FFFD (so `$'\xff'` and `$'\xfe'`
/// would be one key).
///
/// Each argument becomes a `String` losslessly: a byte that is not part of valid UTF-8 becomes
/// the private-use scalar U+F700 + byte (U+F780...U+F7FF), and a valid UTF-8 sequence that encodes one of
/// those scalars is escaped the same way, byte by byte, so the mapping is one to one. `bytes(_:)`
/// undoes it. Keys, values and prefixes are read through `bytes(_:)`; arguments that are plain
/// UTF-8 (the usual case) come out exactly as typed.
enum ArgumentBytes {
  static let escapeBase: UInt32 = 0xF700
  static let escaped: ClosedRange<UInt32> = 0xF780...0xF7FF

  /// The process's arguments after the program name, each mapped losslessly to a `String`;
  /// nil when the runtime could not read the command line at all (a statically linked Swift
  /// program reads it from /proc at start-up, which can fail).
  static func arguments() -> [String]? {
    guard CommandLine.argc >= 1 else { return nil }
    return (1..<Int(CommandLine.argc)).map { index in
      guard let pointer = CommandLine.unsafeArgv[index] else { return "" }
      return string(
        UnsafeBufferPointer(
          start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer)))
    }
  }

  /// `bytes` as a `String`, escaping what is not valid UTF-8 (see the type's comment).
  static func string(_ bytes: some Collection<UInt8>) -> String {
    let bytes = Array(bytes)
    var scalars = String.UnicodeScalarView()
    var index = 0
    while index < bytes.count {
      if let (scalar, length) = decodeScalar(bytes, at: index), !escaped.contains(scalar.value) {
        scalars.append(scalar)
        index += length
      } else if let (_, length) = decodeScalar(bytes, at: index) {
        for byte in bytes[index..<index + length] { scalars.append(Unicode.Scalar(escapeBase + UInt32(byte))!) }
        index += length
      } else {
        scalars.append(Unicode.Scalar(escapeBase + UInt32(bytes[index]))!)
        index += 1
      }
    }
    return String(scalars)
  }

  /// The bytes an argument was typed with (the inverse of `string(_:)`).
  static func bytes(_ argument: String) -> [UInt8] {
    var result: [UInt8] = []
    result.reserveCapacity(argument.utf8.count)
    for scalar in argument.unicodeScalars {
      if escaped.contains(scalar.value) {
        result.append(UInt8(scalar.value - escapeBase))
      } else {
        result.append(contentsOf: String(scalar).utf8)
      }
    }
    return result
  }

  /// The scalar of the well-formed UTF-8 sequence at `index` and its length; nil when the bytes
  /// there are not one (an ASCII byte always is).
  private static func decodeScalar(_ bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int)? {
    let lead = bytes[index]
    if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
    let length: Int
    let minimum: UInt32
    var value: UInt32
    switch lead {
    case 0xC2...0xDF: (length, minimum, value) = (2, 0x80, UInt32(lead & 0x1F))
    case 0xE0...0xEF: (length, minimum, value) = (3, 0x800, UInt32(lead & 0x0F))
    case 0xF0...0xF4: (length, minimum, value) = (4, 0x10000, UInt32(lead & 0x07))
    default: return nil
    }
    guard index + length <= bytes.count else { return nil }
    for byte in bytes[(index + 1)..<(index + length)] {
      guard byte & 0xC0 == 0x80 else { return nil }
      value = value << 6 | UInt32(byte & 0x3F)
    }
    guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
    return (scalar, length)
  }
}
