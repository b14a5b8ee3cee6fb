#!/usr/bin/env python3
"""wal-verify and wal-dump of a 1,000,000-record WAL against `ldb dump_wal` on a RocksDB WAL
holding the same records (16-byte keys, 100-byte values), side by side, interleaved rounds,
medians, ratios and MB/s. Needs hyperfine and rocksdb-tools (ldb).

Usage: bench/wal-tools.py [--binary PATH] [--records N] [--rounds N]
"""
import argparse, os, shutil, subprocess, tempfile

from harness import interleaved, require, write_records

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.abspath(".build/release/softadastra"))
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    require("hyperfine", "ldb")
    work = tempfile.mkdtemp(prefix="softadastra-bench-")
    write_records(work, args.records)
    # No checkpoint: the records stay in the live WAL, which the tools read.
    subprocess.run([args.binary, "store", "import", "data.tsv", "--checkpoint-bytes", "0"], cwd=work, check=True)
    with open(os.path.join(work, "data.ldb")) as f:
        subprocess.run(["ldb", "--db=rdb", "--create_if_missing", "--write_buffer_size=2000000000", "load"],
                       cwd=work, stdin=f, check=True, stdout=subprocess.DEVNULL)
    logs = [name for name in os.listdir(os.path.join(work, "rdb")) if name.endswith(".log")]
    shutil.copy(os.path.join(work, "rdb", max(logs)), os.path.join(work, "rocks.wal"))
    ours_size = os.path.getsize(os.path.join(work, "data", "softadastra.wal"))
    pairs = {
        "verify (wal-verify vs ldb dump_wal)": (f"{args.binary} wal-verify", "ldb dump_wal --walfile=rocks.wal"),
        "dump with values (wal-dump --full-values vs ldb dump_wal --print_value)":
            (f"{args.binary} wal-dump --full-values", "ldb dump_wal --walfile=rocks.wal --print_value"),
    }
    if shutil.which("redis-check-aof"):
        # The same SETs as a Redis append-only file: a parse-only reference (it checks framing, no CRC).
        with open(os.path.join(work, "data.tsv")) as tsv, open(os.path.join(work, "data.aof"), "w") as aof:
            for line in tsv:
                key, value = line.rstrip("\n").split("\t")
                aof.write(f"*3\r\n$3\r\nSET\r\n${len(key)}\r\n{key}\r\n${len(value)}\r\n{value}\r\n")
        pairs["verify (wal-verify vs redis-check-aof, parse only)"] = (f"{args.binary} wal-verify", "redis-check-aof data.aof")
    results = interleaved(pairs, args.rounds, 3, work)
    print(f"| workload ({args.records:,} records) | softadastra (s) | peer (s) | ratio | softadastra MB/s |")
    print("|---|---|---|---|---|")
    for name, (a, b) in results.items():
        print(f"| {name} | {a:.3f} | {b:.3f} | {a / b:.2f}x | {ours_size / a / 1e6:.0f} |")
    shutil.rmtree(work)

if __name__ == "__main__":
    main()
