#!/bin/sh
# The reliability campaign in one command: the crash harness (SIGKILL during every kind of
# write), the syscall sweep (each file-system call killed or failed in turn), the fuzzers, and the test suite (its corruption sweeps, hostile environments and
# concurrency tests) under AddressSanitizer and ThreadSanitizer. docs/reliability.md holds the
# figures of the last run.
#
#   reliability/run.sh [KILLS] [FUZZ_SECONDS]     defaults: 400 kills, 300 s per fuzz target
set -eu
cd "$(dirname "$0")/.."
kills="${1:-400}"
fuzz="${2:-300}"
make release >/dev/null
echo "== crash harness: $kills kills"
python3 reliability/crash-harness.py --kills "$kills"
echo "== syscall sweep: every file-system call of every writing command killed, or failing with EIO and ENOSPC"
python3 reliability/syscall-sweep.py
echo "== fuzzing: $fuzz s per target"
scripts/fuzz.sh "$fuzz" 2>&1 | grep -E "^fuzz:|^Done|ERROR|SUMMARY"
echo "== swift test under AddressSanitizer"
swift test --sanitize=address --scratch-path .build-asan 2>&1 | tail -n 1
echo "== swift test under ThreadSanitizer"
swift test --sanitize=thread --scratch-path .build-tsan 2>&1 | tail -n 1
