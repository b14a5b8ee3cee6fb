// An app that imports Softadastra uses the log's public types too (`SoftadastraError`,
// `StoreOperation`, `WALRecord`, `HybridTimestamp`, and the log tools `WALScanner`,
// `WALVerifier`…). What only the library and the command-line tool share (files, codecs, locks,
// I/O test hooks) is `package`, so it does not reach apps through this export. The few helpers on
// every read's path (byte coding, `FieldReader`, `Locked`) are `@_spi(Storage) public` instead:
// Swift 6.3's optimizer does not inline or specialize `package` `@inlinable` code across modules
// (a generic call per field read), and an app sees them only with `@_spi(Storage) import`.
@_exported import SoftadastraWAL
