#!/usr/bin/env python3
"""One durable put and one get per process call: softadastra against sqlite3 (and RocksDB's ldb
when installed), side by side, interleaved, medians of several hyperfine rounds, ratios.

Usage: bench/cli-calls.py [--binary PATH] [--rounds N] [--runs N] [--smoke]
Prints a Markdown table; numbers drift on shared machines, ratios much less.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile

def hyperfine(commands, runs, workdir):
    out = os.path.join(workdir, "hyperfine.json")
    subprocess.run(["hyperfine", "-N", "--warmup", "5", "-r", str(runs), "--export-json", out, *commands],
                   cwd=workdir, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(out) as f:
        return [statistics.median(r["times"]) * 1000 for r in json.load(f)["results"]]

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.abspath(".build/release/softadastra"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--smoke", action="store_true", help="tiny run that checks the harness, not the timings")
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.runs = 1, 3
    for tool in ("hyperfine", "sqlite3"):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} is missing: apt-get install -y {tool}")
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
    results = {name: ([], []) for name in pairs}
    for _ in range(args.rounds):  # A B A B: every round runs both sides back to back
        for name, (ours, theirs) in pairs.items():
            a, b = hyperfine([ours, theirs], args.runs, work)
            results[name][0].append(a)
            results[name][1].append(b)
    print("| workload | softadastra (ms) | sqlite3 (ms) | ratio |")
    print("|---|---|---|---|")
    for name, (ours, theirs) in results.items():
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"| {name} | {a:.2f} | {b:.2f} | {a / b:.2f}x |")
    shutil.rmtree(work)

if __name__ == "__main__":
    main()
