import ArgumentParser
import Softadastra

// Library types that options take as values, by their raw values (`--format cpp-v1`, `--op put`).
extension KeyValueLines.Format: ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}
extension RecordFilter.OperationKind: ExpressibleByArgument {}
extension RecoveryPolicy: ExpressibleByArgument {}
