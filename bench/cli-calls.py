#!/usr/bin/env python3
"""One durable put and one get per process call: softadastra against sqlite3 (and RocksDB's ldb
when installed), side by side, interleaved, medians of several hyperfine rounds, ratios.

Usage: bench/cli-calls.py [--binary PATH] [--rounds N] [--runs N] [--smoke]
Prints a Markdown table; numbers drift on shared machines, ratios much less.
"""
import argparse, os, shutil, subprocess, tempfile

from harness import interleaved, require

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.abspath(".build/release/softadastra"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--smoke", action="store_true", help="tiny run that checks the harness, not the timings")
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.runs = 1, 3
    require("hyperfine", "sqlite3")
    work = tempfile.mkdtemp(prefix="softadastra-bench-")
    sd = args.binary
    subprocess.run([sd, "store", "put", "bench/key", "seed"], cwd=work, check=True)
    subprocess.run(["sqlite3", "kv.db", "PRAGMA journal_mode=WAL; CREATE TABLE kv(k TEXT PRIMARY KEY, v TEXT);"
                    "INSERT INTO kv VALUES('bench/key','seed');"], cwd=work, check=True, stdout=subprocess.DEVNULL)
    pairs = {
        "durable put": (f"{sd} store put bench/key value-0123456789",
                        "sqlite3 kv.db \"PRAGMA synchronous=FULL; INSERT OR REPLACE INTO kv VALUES('bench/key','value-0123456789');\""),
        "get": (f"{sd} store get bench/key", "sqlite3 kv.db \"SELECT v FROM kv WHERE k='bench/key'\""),
        "process start (--version)": (f"{sd} --version", "sqlite3 --version"),
    }
    if shutil.which("ldb"):
        # ldb put uses RocksDB's default write options: written to its WAL, not synced.
        subprocess.run(["ldb", "--db=rdb", "--create_if_missing", "put", "bench/key", "seed"], cwd=work, check=True,
                       stdout=subprocess.DEVNULL)
        pairs["put (vs ldb put, not synced by ldb)"] = (f"{sd} store put bench/key value-0123456789",
                                                        "ldb --db=rdb put bench/key value-0123456789")
        pairs["get (vs ldb get)"] = (f"{sd} store get bench/key", "ldb --db=rdb get bench/key")
    results = interleaved(pairs, args.rounds, args.runs, work, warmup=5)
    print("| workload | softadastra (ms) | peer (ms) | ratio |")
    print("|---|---|---|---|")
    for name, (a, b) in results.items():
        print(f"| {name} | {a * 1000:.2f} | {b * 1000:.2f} | {a / b:.2f}x |")
    shutil.rmtree(work)

if __name__ == "__main__":
    main()
