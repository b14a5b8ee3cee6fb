#!/bin/sh
# The whole benchmark suite in one command: installs the peers when missing (Debian packages
# hyperfine, sqlite3, rocksdb-tools, redis-tools, time, libsqlite3-dev for GRDB), builds the release binaries, records the machine, and
# prints every table. `bench/run.sh --smoke` runs each script on tiny inputs: it checks the
# harness works (CI runs it), not the timings.
set -eu
cd "$(dirname "$0")/.."
smoke=""
[ "${1:-}" = "--smoke" ] && smoke="--smoke"

missing=""
for tool in hyperfine sqlite3 ldb gzip redis-check-aof rclone; do command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"; done
[ -x /usr/bin/time ] || missing="$missing time"
[ -f /usr/include/sqlite3.h ] || missing="$missing libsqlite3-dev"
if [ -n "$missing" ]; then
  packages=$(echo "$missing" | sed 's/ldb/rocksdb-tools/; s/redis-check-aof/redis-tools/')
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -qq $packages >/dev/null || { apt-get update -qq && apt-get install -y -qq $packages >/dev/null; }
  else
    echo "bench: missing:$missing (apt-get install$packages)" >&2
    exit 69
  fi
fi

make release >/dev/null
swift build -c release --static-swift-stdlib -Xswiftc -static-executable --product softadastra-bench >/dev/null

echo "## Machine"
echo
echo "- date: $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "- kernel: $(uname -sr); file system of \$TMPDIR: $(df -T "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2}')"
echo "- softadastra $(.build/release/softadastra --version); $(sqlite3 --version | cut -d' ' -f1-2 | sed 's/^/sqlite3 /'); $(hyperfine --version); ldb: $(dpkg-query -W -f='${Version}' rocksdb-tools 2>/dev/null || echo n/a)"
echo
echo "## One call per process"
echo
python3 bench/cli-calls.py $smoke
echo
echo "## Reading a large WAL"
echo
python3 bench/wal-tools.py $( [ -n "$smoke" ] && echo "--records 2000 --rounds 1" )
echo
echo "## A large store: reads, recovery, backup, restore, memory"
echo
python3 bench/store-scale.py $smoke
echo
echo "## Growth: every step at N and 8N keys"
echo
python3 bench/growth.py $smoke
echo
echo "## Checkpoints over many rounds of changes: deltas as chosen against always full"
echo
python3 bench/checkpoint-cycle.py $smoke
echo
echo "## Continuous archiving: the loss window under a steady write load"
echo
python3 bench/archive-loss.py $smoke
echo
echo "## Library writes against the disk's fdatasync rate"
echo
.build/release/softadastra-bench $smoke
echo
echo "## The library against GRDB: reads after a snapshot, memory, concurrent writers"
echo
# A package of its own (GRDB is no dependency of the library); its build of the library is kept
# in step with the tree even when files were added since its last build.
rm -f bench/library/.build/release/description.json
swift build -c release --package-path bench/library >/dev/null
bench/library/.build/release/library-bench $smoke
