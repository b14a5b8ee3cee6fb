#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// ISO 8601 renderings of UTC times, as every command prints them.
package enum ISO8601 {
  /// `2026-11-25T08:25:38.123Z` for milliseconds since the Unix epoch.
  package static func string(milliseconds: UInt64) -> String {
    var seconds = time_t(milliseconds / 1000)
    var parts = tm()
    gmtime_r(&seconds, &parts)
    return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
      + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))."
      + "\(pad(Int(milliseconds % 1000), 3))Z"
  }

  /// `20261125T082538Z`, for file names.
  package static func compactString(milliseconds: UInt64) -> String {
    string(milliseconds: milliseconds).filter { $0 != "-" && $0 != ":" }.split(separator: ".")[0] + "Z"
  }

  /// Milliseconds since the Unix epoch for `2026-11-25`, `2026-11-25T08:25`,
  /// `2026-11-25T08:25:38`, `2026-11-25T08:25:38.123` (each optionally ending in `Z`; all UTC),
  /// or `@1795594148` (Unix seconds). Nil for anything else.
  package static func milliseconds(parsing text: String) -> UInt64? {
    if text.hasPrefix("@") {
      guard let seconds = UInt64(text.dropFirst()), seconds < UInt64.max / 1000 else { return nil }
      return seconds * 1000
    }
    var body = Substring(text)
    if body.hasSuffix("Z") { body = body.dropLast() }
    let dateAndTime = body.split(separator: "T", omittingEmptySubsequences: false)
    guard dateAndTime.count <= 2 else { return nil }
    let date = dateAndTime[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
    guard date.count == 3, let year = date[0], let month = date[1], let day = date[2], dateAndTime[0].count == 10,
      (1970...9999).contains(year), (1...12).contains(month), (1...31).contains(day)
    else { return nil }
    var hour = 0
    var minute = 0
    var second = 0
    var millisecond = 0
    if dateAndTime.count == 2 {
      let secondsAndFraction = dateAndTime[1].split(separator: ".", omittingEmptySubsequences: false)
      let clock = secondsAndFraction[0].split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
      guard secondsAndFraction.count <= 2, (2...3).contains(clock.count), clock.allSatisfy({ $0 != nil }) else {
        return nil
      }
      hour = clock[0]!
      minute = clock[1]!
      second = clock.count == 3 ? clock[2]! : 0
      guard (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
      if secondsAndFraction.count == 2 {
        let fraction = secondsAndFraction[1]
        guard (1...3).contains(fraction.count), let value = Int(fraction) else { return nil }
        millisecond = value * [1, 100, 10, 1][fraction.count]
      }
    }
    var parts = tm()
    parts.tm_year = Int32(year - 1900)
    parts.tm_mon = Int32(month - 1)
    parts.tm_mday = Int32(day)
    parts.tm_hour = Int32(hour)
    parts.tm_min = Int32(minute)
    parts.tm_sec = Int32(second)
    let seconds = timegm(&parts)
    guard seconds >= 0, parts.tm_mday == Int32(day) else { return nil }
    return UInt64(seconds) * 1000 + UInt64(millisecond)
  }

  private static func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
  }
}
