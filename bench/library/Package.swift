// swift-tools-version:6.0
// The library against GRDB (SQLite), in one process and one run: reads after a snapshot, memory
// per key, concurrent durable writers. A package of its own, so that the library's users never
// fetch GRDB. Run: bench/library.sh [--smoke] (or swift run -c release library-bench).
import Foundation
import PackageDescription

// A path dependency is named by its directory's name, whatever the clone is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()

let package = Package(
  name: "library-bench",
  dependencies: [
    .package(path: root.path),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
  ],
  targets: [
    .executableTarget(
      name: "library-bench",
      dependencies: [
        .product(name: "Softadastra", package: root.lastPathComponent),
        .product(name: "GRDB", package: "GRDB.swift"),
      ],
      path: "Sources/LibraryBench"
    )
  ]
)
