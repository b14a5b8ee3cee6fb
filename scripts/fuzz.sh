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
# The C CRC target, built with the same sanitizers, and a module map for Swift to import it.
clang -O1 -g -fsanitize=fuzzer-no-link,address -I "$root/Sources/CCRC32C/include" \
  -c "$root/Sources/CCRC32C/crc32c.c" -o "$out/crc32c.o"
cat > "$out/module/module.modulemap" <<MAP
module CCRC32C { header "$root/Sources/CCRC32C/include/crc32c.h" export * }
MAP
swiftc -O -g -sanitize=fuzzer,address -parse-as-library -module-name SoftadastraWAL \
  -I "$out/module" "$root"/Sources/SoftadastraWAL/*.swift "$root/fuzz/WALDecoders.swift" "$out/crc32c.o" \
  -o "$out/wal-decoders"
mkdir -p "$out/work/wal-decoders"
cd "$out"
./wal-decoders -max_total_time="$seconds" -max_len=4096 -timeout=10 \
  "$out/work/wal-decoders" "$root/fuzz/corpus/wal-decoders"
