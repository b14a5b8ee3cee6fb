// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "softadastra",
  products: [
    .library(name: "Softadastra", targets: ["Softadastra"]),
    .library(name: "SoftadastraWAL", targets: ["SoftadastraWAL"]),
    .executable(name: "softadastra", targets: ["SoftadastraCLI"]),
    .executable(name: "softadastra-bench", targets: ["SoftadastraBench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    // `swift package generate-documentation --target Softadastra` (make docs-site).
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
  ],
  targets: [
    // CRC-32C (Castagnoli): SSE4.2 / ARMv8 CRC instructions chosen at run time, portable fallback.
    .target(name: "CCRC32C"),
    // fstatfs(2)'s file system type, which Swift's Glibc module does not export.
    .target(name: "CFileSystemType"),
    // The system zlib (Debian package zlib1g-dev): snapshot blocks and backup parts.
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
    // The write-ahead log. Its records are typed, as etcd's WAL entries are: a put or delete of
    // key and value bytes (with their limits), notes of repairs and lost LSNs, and the sync
    // table as an opaque payload. It knows what a record holds, not what a store does with it:
    // no state, no snapshots, no applying. Readers of both log formats, verify and repair, the
    // writer and its lock, files and clocks.
    .target(name: "SoftadastraWAL", dependencies: ["CCRC32C", "CFileSystemType"]),
    // The local store, snapshots, backups, recovery and the client API.
    .target(name: "Softadastra", dependencies: ["SoftadastraWAL", "CZlib"]),
    // The `softadastra` command: parses, calls the libraries, formats output.
    .executableTarget(
      name: "SoftadastraCLI",
      dependencies: [
        "Softadastra",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // Library-level write throughput against the disk's raw fdatasync rate (bench/README).
    .executableTarget(name: "SoftadastraBench", dependencies: ["Softadastra"]),
    // Fixture builders, corruption helpers and a runner for the built binary.
    .target(
      name: "SoftadastraTestSupport",
      dependencies: ["Softadastra"],
      path: "Tests/SoftadastraTestSupport"
    ),
    .testTarget(
      name: "SoftadastraWALTests",
      dependencies: ["SoftadastraWAL", "SoftadastraTestSupport"],
      exclude: ["Vectors"]
    ),
    .testTarget(
      name: "SoftadastraTests",
      dependencies: ["Softadastra", "SoftadastraTestSupport"],
      exclude: ["Vectors"]
    ),
    .testTarget(
      name: "SoftadastraCLITests",
      dependencies: ["SoftadastraCLI", "SoftadastraTestSupport"],
      exclude: ["Fixtures"]
    ),
  ]
)

for target in package.targets where target.type != .system {
  var settings = target.swiftSettings ?? []
  settings.append(.enableUpcomingFeature("ExistentialAny"))
  settings.append(.enableUpcomingFeature("MemberImportVisibility"))
  target.swiftSettings = settings
}
