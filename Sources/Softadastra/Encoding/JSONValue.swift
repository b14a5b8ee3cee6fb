/// A JSON value with object members kept in order, for stable machine-readable output and for
/// reading JSON Lines input, without Foundation.
package enum JSONValue: Sendable, Equatable {
  case null
  case bool(Bool)
  case integer(Int64)
  /// An integer above `Int64.max` (an LSN, an offset or a clock value read from a file can be).
  case unsigned(UInt64)
  case string(String)
  case array([JSONValue])
  case object([(String, JSONValue)])

  package static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.null, .null): true
    case (.bool(let a), .bool(let b)): a == b
    case (.integer(let a), .integer(let b)): a == b
    case (.unsigned(let a), .unsigned(let b)): a == b
    case (.string(let a), .string(let b)): a == b
    case (.array(let a), .array(let b)): a == b
    case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: false
    }
  }

  /// A JSON number for a count, an LSN, an offset or a time: any 64-bit value, signed or not.
  package static func number(_ value: some BinaryInteger) -> JSONValue {
    if let signed = Int64(exactly: value) { return .integer(signed) }
    if let unsigned = UInt64(exactly: value) { return .unsigned(unsigned) }
    return .integer(Int64(clamping: value))
  }

  /// The member named `name` of an object.
  package subscript(name: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    return members.first { $0.0 == name }?.1
  }

  /// Compact JSON text on one line.
  package var serialized: String {
    var out = ""
    write(to: &out)
    return out
  }

  private func write(to out: inout String) {
    switch self {
    case .null: out += "null"
    case .bool(let value): out += value ? "true" : "false"
    case .integer(let value): out += String(value)
    case .unsigned(let value): out += String(value)
    case .string(let value): Self.writeString(value, to: &out)
    case .array(let values):
      out += "["
      for (index, value) in values.enumerated() {
        if index > 0 { out += "," }
        value.write(to: &out)
      }
      out += "]"
    case .object(let members):
      out += "{"
      for (index, (name, value)) in members.enumerated() {
        if index > 0 { out += "," }
        Self.writeString(name, to: &out)
        out += ":"
        value.write(to: &out)
      }
      out += "}"
    }
  }

  private static func writeString(_ string: String, to out: inout String) {
    out += "\""
    for scalar in string.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20 || scalar.value == 0x7F:
        let digits = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
      default: out.unicodeScalars.append(scalar)
      }
    }
    out += "\""
  }
}

extension JSONValue {
  /// Why JSON text could not be read, with the byte position.
  package struct ParseError: Error, CustomStringConvertible, Sendable {
    package var position: Int
    package var reason: String
    package var description: String { "\(reason) at byte \(position + 1)" }
  }

  /// Parses one JSON document; only white space may surround it.
  package static func parse(_ text: some Collection<UInt8>) throws(ParseError) -> JSONValue {
    var parser = Parser(bytes: Array(text))
    let value = try parser.value(depth: 0)
    parser.skipSpace()
    guard parser.index == parser.bytes.count else { throw parser.error("unexpected text after the JSON value") }
    return value
  }

  private struct Parser {
    let bytes: [UInt8]
    var index = 0

    func error(_ reason: String) -> ParseError { ParseError(position: index, reason: reason) }

    mutating func skipSpace() {
      while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func value(depth: Int) throws(ParseError) -> JSONValue {
      guard depth < 64 else { throw error("JSON nested too deeply") }
      skipSpace()
      guard index < bytes.count else { throw error("unexpected end of JSON") }
      switch bytes[index] {
      case UInt8(ascii: "{"):
        index += 1
        var members: [(String, JSONValue)] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
          index += 1
          return .object(members)
        }
        while true {
          skipSpace()
          guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a member name") }
          let name = try string()
          skipSpace()
          try expect(":")
          members.append((name, try value(depth: depth + 1)))
          skipSpace()
          if try endOrComma("}") { return .object(members) }
        }
      case UInt8(ascii: "["):
        index += 1
        var values: [JSONValue] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
          index += 1
          return .array(values)
        }
        while true {
          values.append(try value(depth: depth + 1))
          skipSpace()
          if try endOrComma("]") { return .array(values) }
        }
      case UInt8(ascii: "\""): return .string(try string())
      case UInt8(ascii: "t"): return try literal("true", .bool(true))
      case UInt8(ascii: "f"): return try literal("false", .bool(false))
      case UInt8(ascii: "n"): return try literal("null", .null)
      default: return try number()
      }
    }

    mutating func expect(_ char: Unicode.Scalar) throws(ParseError) {
      guard index < bytes.count, bytes[index] == UInt8(ascii: char) else { throw error("expected '\(char)'") }
      index += 1
    }

    mutating func endOrComma(_ close: Unicode.Scalar) throws(ParseError) -> Bool {
      guard index < bytes.count else { throw error("unexpected end of JSON") }
      if bytes[index] == UInt8(ascii: close) {
        index += 1
        return true
      }
      try expect(",")
      return false
    }

    mutating func literal(_ word: String, _ value: JSONValue) throws(ParseError) -> JSONValue {
      let expected = Array(word.utf8)
      guard bytes.count - index >= expected.count, Array(bytes[index..<index + expected.count]) == expected else {
        throw error("unexpected character")
      }
      index += expected.count
      return value
    }

    mutating func number() throws(ParseError) -> JSONValue {
      let start = index
      if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
      while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
      guard index > start, let value = Int64(String(decoding: bytes[start..<index], as: UTF8.self)) else {
        index = start
        throw error("unexpected character")
      }
      if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) {
        throw error("only whole numbers are accepted")
      }
      return .integer(value)
    }

    mutating func string() throws(ParseError) -> String {
      index += 1  // opening quote
      var scalars = String.UnicodeScalarView()
      var runStart = index
      func flushRun(_ end: Int) throws(ParseError) {
        guard let text = String(validating: bytes[runStart..<end], as: UTF8.self) else {
          throw ParseError(position: runStart, reason: "string is not valid UTF-8")
        }
        scalars.append(contentsOf: text.unicodeScalars)
      }
      while true {
        guard index < bytes.count else { throw error("unterminated string") }
        let byte = bytes[index]
        if byte == UInt8(ascii: "\"") {
          try flushRun(index)
          index += 1
          return String(scalars)
        }
        if byte < 0x20 { throw error("control character in string") }
        if byte != UInt8(ascii: "\\") {
          index += 1
          continue
        }
        try flushRun(index)
        index += 1
        guard index < bytes.count else { throw error("unterminated string") }
        let escape = bytes[index]
        index += 1
        switch escape {
        case UInt8(ascii: "\""): scalars.append("\"")
        case UInt8(ascii: "\\"): scalars.append("\\")
        case UInt8(ascii: "/"): scalars.append("/")
        case UInt8(ascii: "b"): scalars.append("\u{08}")
        case UInt8(ascii: "f"): scalars.append("\u{0C}")
        case UInt8(ascii: "n"): scalars.append("\n")
        case UInt8(ascii: "r"): scalars.append("\r")
        case UInt8(ascii: "t"): scalars.append("\t")
        case UInt8(ascii: "u"):
          var code = try hex4()
          if (0xD800..<0xDC00).contains(code) {
            guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { throw error("unpaired surrogate") }
            index += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate") }
            code = 0x10000 + (code - 0xD800) << 10 + (low - 0xDC00)
          }
          guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
          scalars.append(scalar)
        default: throw error("invalid escape")
        }
        runStart = index
      }
    }

    mutating func hex4() throws(ParseError) -> UInt32 {
      guard bytes.count - index >= 4,
        let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
      else { throw error("invalid \\u escape") }
      index += 4
      return value
    }
  }
}
