// An app that imports Softadastra uses the log's public types too (`SoftadastraError`,
// `StoreOperation`, `WALRecord`, `HybridTimestamp`, and the log tools `WALScanner`,
// `WALVerifier`…). What only the library and the command-line tool share (files, codecs, locks,
// I/O test hooks) is `package`, so it does not reach apps through this export.
@_exported import SoftadastraWAL
