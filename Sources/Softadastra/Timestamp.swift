#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// ISO 8601 renderings of UTC times, as every command prints them.
public enum ISO8601 {
  /// `2026-11-25T08:25:38.123Z` for milliseconds since the Unix epoch.
  public static func string(milliseconds: UInt64) -> String {
    var seconds = time_t(milliseconds / 1000)
    var parts = tm()
    gmtime_r(&seconds, &parts)
    return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
      + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))."
      + "\(pad(Int(milliseconds % 1000), 3))Z"
  }

  /// `20261125T082538Z`, for file names.
  public static func compactString(milliseconds: UInt64) -> String {
    string(milliseconds: milliseconds).filter { $0 != "-" && $0 != ":" }.split(separator: ".")[0] + "Z"
  }

  private static func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
  }
}
