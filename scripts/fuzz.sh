#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ and runs each for SECONDS (default 60), starting from
# the committed corpus in fuzz/corpus/<target>. A crash leaves crash-* files in .build-fuzz/ and
# exits non-zero; turn each into a regression test.
#
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
out="$root/.build-fuzz"
mkdir -p "$out/module" "$out/work"
# The C targets (CRC, file system type), built with the same sanitizers, and a module map for
# Swift to import them.
clang -O1 -g -fsanitize=fuzzer-no-link,address -I "$root/Sources/CCRC32C/include" \
  -c "$root/Sources/CCRC32C/crc32c.c" -o "$out/crc32c.o"
clang -O1 -g -fsanitize=fuzzer-no-link,address -I "$root/Sources/CFileSystemType/include" \
  -c "$root/Sources/CFileSystemType/filesystem_type.c" -o "$out/filesystem_type.o"
cat > "$out/module/module.modulemap" <<MAP
module CCRC32C { header "$root/Sources/CCRC32C/include/crc32c.h" export * }
module CFileSystemType { header "$root/Sources/CFileSystemType/include/filesystem_type.h" export * }
MAP
swiftc -O -g -sanitize=fuzzer,address -package-name softadastra -parse-as-library -module-name SoftadastraWAL \
  -I "$out/module" $(find "$root/Sources/SoftadastraWAL" -name '*.swift') "$root/fuzz/WALDecoders.swift" "$out/crc32c.o" "$out/filesystem_type.o" \
  -o "$out/wal-decoders"
# The store's decoders (snapshot, backup manifest, zlib) in one module with the log's sources;
# an empty SoftadastraWAL module satisfies their imports.
mkdir -p "$out/store-module"
cat > "$out/store-module/module.modulemap" <<MAP
module CZlib [system] { header "$root/Sources/CZlib/shim.h" link "z" export * }
MAP
echo "" > "$out/empty.swift"
swiftc -emit-module -parse-as-library -module-name SoftadastraWAL "$out/empty.swift" \
  -o "$out/store-module/SoftadastraWAL.swiftmodule"
swiftc -O -g -sanitize=fuzzer,address -package-name softadastra -parse-as-library -module-name Softadastra \
  -I "$out/module" -I "$out/store-module" $(find "$root/Sources/SoftadastraWAL" "$root/Sources/Softadastra" -name '*.swift') \
  "$root/fuzz/StoreDecoders.swift" "$out/crc32c.o" "$out/filesystem_type.o" -lz -o "$out/store-decoders"
# Whole operations (verify, recover, read, replay, salvage, put, checkpoint, backup, restore, sync
# export) over CRC-valid logs built from the input: the same module, another entry point.
swiftc -O -g -sanitize=fuzzer,address -package-name softadastra -parse-as-library -module-name Softadastra \
  -I "$out/module" -I "$out/store-module" $(find "$root/Sources/SoftadastraWAL" "$root/Sources/Softadastra" -name '*.swift') \
  "$root/fuzz/NodeCommands.swift" "$out/crc32c.o" "$out/filesystem_type.o" -lz -o "$out/node-commands"

cd "$out"
# AddressSanitizer reports a crash itself; Swift's backtracer would only hold the output open.
export SWIFT_BACKTRACE=enable=no
for target in wal-decoders store-decoders node-commands; do
  mkdir -p "$out/work/$target"
  echo "fuzz: $target for $seconds s"
  "./$target" -max_total_time="$seconds" -max_len=4096 -timeout=10 "$out/work/$target" "$root/fuzz/corpus/$target"
done
