#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// So that `localizedDescription` (what apps and SwiftUI alerts show) is the error's
/// description, not "The operation could not be completed".
extension SoftadastraError: LocalizedError {
  public var errorDescription: String? { description }
}
