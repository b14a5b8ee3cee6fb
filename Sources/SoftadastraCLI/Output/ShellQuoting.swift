/// Keys printed one per line so that no key can pass for two, or for another key: a key holding
/// a control character (a newline, a tab), bytes that are not UTF-8, or starting with `$'` is
/// printed in the shell's `$'…'` quoting, as `ls` quotes such names (`$'a\nb'`, `$'\xff'`);
/// every other key is printed as it is. Pasted into bash or zsh, a quoted key is the key.
enum ShellQuoting {
  /// Whether `bytes` print as they are.
  static func isPlain(_ bytes: [UInt8]) -> Bool {
    guard !(bytes.count >= 2 && bytes[0] == UInt8(ascii: "$") && bytes[1] == UInt8(ascii: "'")) else { return false }
    guard !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return false }
    return String(validating: bytes, as: UTF8.self) != nil
  }

  /// `bytes` as printed: as they are when plain, else `$'…'` with `\n`, `\t`, `\r`, `\\`, `\'`
  /// and `\xHH` escapes (valid UTF-8 characters other than controls are kept).
  static func quoted(_ bytes: [UInt8]) -> [UInt8] {
    if isPlain(bytes) { return bytes }
    var out: [UInt8] = Array("$'".utf8)
    let hex = Array("0123456789abcdef".utf8)
    var index = 0
    while index < bytes.count {
      let byte = bytes[index]
      switch byte {
      case 0x0A: out += Array("\\n".utf8)
      case 0x09: out += Array("\\t".utf8)
      case 0x0D: out += Array("\\r".utf8)
      case UInt8(ascii: "\\"): out += Array("\\\\".utf8)
      case UInt8(ascii: "'"): out += Array("\\'".utf8)
      case 0x20..<0x7F: out.append(byte)
      default:
        // A whole valid UTF-8 character stays as it is; any other byte is escaped.
        let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
        if byte >= 0x80, index + length <= bytes.count,
          let text = String(validating: bytes[index..<index + length], as: UTF8.self), text.unicodeScalars.count == 1
        {
          out += bytes[index..<index + length]
          index += length
          continue
        }
        out += [UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
      }
      index += 1
    }
    out.append(UInt8(ascii: "'"))
    return out
  }
}
