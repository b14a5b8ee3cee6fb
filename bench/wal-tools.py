#!/usr/bin/env python3
"""wal-verify and wal-dump of a 1,000,000-record WAL against `ldb dump_wal` on a RocksDB WAL
holding the same records (16-byte keys, 100-byte values), side by side, interleaved rounds,
medians, ratios and MB/s. Needs hyperfine and rocksdb-tools (ldb).

Usage: bench/wal-tools.py [--binary PATH] [--records N] [--rounds N]
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile

def hyperfine(commands, runs, workdir):
    out = os.path.join(workdir, "hyperfine.json")
    subprocess.run(["hyperfine", "-N", "--warmup", "1", "-r", str(runs), "--output=null", "--export-json", out, *commands],
                   cwd=workdir, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(out) as f:
        return [statistics.median(r["times"]) for r in json.load(f)["results"]]

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.abspath(".build/release/softadastra"))
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for tool in ("hyperfine", "ldb"):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} is missing: apt-get install -y {'rocksdb-tools' if tool == 'ldb' else tool}")
    work = tempfile.mkdtemp(prefix="softadastra-bench-")
    with open(os.path.join(work, "data.tsv"), "w") as tsv, open(os.path.join(work, "data.ldb"), "w") as ldb:
        for i in range(args.records):
            key, value = "key-%012d" % i, ("value-%d-" % i).ljust(100, "x")
            tsv.write(f"{key}\t{value}\n")
            ldb.write(f"{key} ==> {value}\n")
    subprocess.run([args.binary, "store", "import", "data.tsv"], cwd=work, check=True)
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
    results = {name: ([], []) for name in pairs}
    for _ in range(args.rounds):
        for name, commands in pairs.items():
            a, b = hyperfine(list(commands), 3, work)
            results[name][0].append(a)
            results[name][1].append(b)
    print(f"| workload ({args.records:,} records) | softadastra (s) | ldb (s) | ratio | softadastra MB/s |")
    print("|---|---|---|---|---|")
    for name, (ours, theirs) in results.items():
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"| {name} | {a:.3f} | {b:.3f} | {a / b:.2f}x | {ours_size / a / 1e6:.0f} |")
    shutil.rmtree(work)

if __name__ == "__main__":
    main()
