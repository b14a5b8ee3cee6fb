/// What the sync commands share.
enum SyncCommon {
  /// Seconds a live exchange may take by default.
  static let defaultTimeout: Double = 600
}
