import ArgumentParser
import Softadastra

/// A point in time on the command line: ISO 8601 in UTC (`2026-11-25`, `2026-11-25T08:25:38Z`,
/// `2026-11-25T08:25:38.123Z`) or `@` and Unix seconds.
struct TimeArgument: ExpressibleByArgument {
  var milliseconds: UInt64

  init?(argument: String) {
    guard let milliseconds = ISO8601.milliseconds(parsing: argument) else { return nil }
    self.milliseconds = milliseconds
  }

  static var defaultValueDescription: String { "time" }
}
