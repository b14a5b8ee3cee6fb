#!/usr/bin/env python3
"""A 1,000,000-key store (16-byte keys, 100-byte values): reads, recovery, backup and restore,
shipping the whole state to a new node (sync),
softadastra against sqlite3 (and RocksDB's ldb when installed), side by side, interleaved rounds,
medians, ratios; archive sizes against gzip -6; peak memory (RSS).

Usage: bench/store-scale.py [--binary PATH] [--records N] [--rounds N] [--runs N] [--smoke]
"""
import argparse, os, shutil, subprocess, tempfile, time

from harness import interleaved, require, write_records


def peak_rss_mb(command, cwd):
    """Peak resident memory of a command, in MB (GNU time's maximum resident set size)."""
    result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], cwd=cwd, check=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return int(result.stderr.strip().splitlines()[-1]) / 1024


def timed(command, cwd, **kwargs):
    start = time.monotonic()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, **kwargs)
    return time.monotonic() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.abspath(".build/release/softadastra"))
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--smoke", action="store_true", help="tiny run that checks the harness, not the timings")
    args = parser.parse_args()
    if args.smoke:
        args.records, args.rounds, args.runs = 2000, 1, 2
    require("hyperfine", "sqlite3", "gzip")
    has_ldb = shutil.which("ldb") is not None
    sd = args.binary
    work = tempfile.mkdtemp(prefix="softadastra-bench-")
    write_records(work, args.records)
    probe = "key-%012d" % (args.records * 2 // 3)
    raw_bytes = args.records * (16 + 100)

    setup = {}
    setup["import (softadastra)"] = timed([sd, "store", "import", "data.tsv", "--checkpoint-bytes", "0"], work)
    setup["import (sqlite3, one transaction)"] = timed(
        ["sqlite3", "kv.db", "PRAGMA journal_mode=WAL;", "CREATE TABLE kv(k TEXT PRIMARY KEY, v TEXT);",
         ".mode tabs", ".import data.tsv kv"], work)
    # The same data without a snapshot, for recovery by full replay.
    shutil.copytree(os.path.join(work, "data"), os.path.join(work, "nosnap"))
    rss_replay = peak_rss_mb([sd, "store", "get", probe, "--data-dir", "nosnap"], work)
    setup["snapshot (softadastra)"] = timed([sd, "snapshot"], work)
    if has_ldb:
        with open(os.path.join(work, "data.ldb")) as f:
            setup["load (ldb)"] = timed(["ldb", "--db=rdb", "--create_if_missing", "load"], work, stdin=f)

    gets = {
        "get, 1 call, after a snapshot (vs sqlite3 select)":
            (f"{sd} store get {probe}", f"sqlite3 kv.db \"SELECT v FROM kv WHERE k='{probe}'\""),
        "get, 1 call, no snapshot: the WAL scanned for the key (vs sqlite3 select)":
            (f"{sd} store get {probe} --data-dir nosnap", f"sqlite3 kv.db \"SELECT v FROM kv WHERE k='{probe}'\""),
    }
    if has_ldb:
        gets["get, 1 call, after a snapshot (vs ldb get)"] = (f"{sd} store get {probe}", f"ldb --db=rdb get {probe}")
    get_results = interleaved(gets, args.rounds, args.runs, work, warmup=3)

    heavy = {
        "import in one batch (vs sqlite3 .import in one transaction)":
            (f"sh -c 'rm -rf imp && {sd} store import data.tsv --data-dir imp --checkpoint-bytes 0'",
             "sh -c 'rm -f imp.db && sqlite3 imp.db \"PRAGMA journal_mode=WAL;\" "
             "\"CREATE TABLE kv(k TEXT PRIMARY KEY, v TEXT);\" \".mode tabs\" \".import data.tsv kv\"'"),
        "backup (vs sqlite3 .backup + gzip -6)":
            (f"sh -c 'rm -f b.sdbackup && {sd} backup --output b.sdbackup'",
             "sh -c 'rm -f b.db b.db.gz && sqlite3 kv.db \".backup b.db\" && gzip -6 b.db'"),
        "restore (vs gunzip of the sqlite3 backup)":
            (f"sh -c 'rm -rf r && {sd} restore b.sdbackup --data-dir r'",
             "sh -c 'rm -f r.db && gunzip -c b.db.gz > r.db'"),
        "whole state to a new node, sync export piped to sync import (vs sqlite3 .dump piped to sqlite3)":
            (f"sh -c 'rm -rf s2 && {sd} sync export --peer n2 2>/dev/null | {sd} sync import - --data-dir s2 --node-id n2'",
             "sh -c 'rm -f s2.db && sqlite3 kv.db .dump | sqlite3 s2.db'"),
        "backup verify (vs gzip -t + sqlite3 integrity_check)":
            (f"{sd} backup verify b.sdbackup",
             "sh -c 'gzip -t b.db.gz && sqlite3 r.db \"PRAGMA integrity_check\"'"),
    }
    subprocess.run(["sh", "-c", f"{sd} backup --output b.sdbackup && sqlite3 kv.db '.backup b.db' && gzip -6 b.db"
                    " && gunzip -c b.db.gz > r.db"], cwd=work, check=True, stdout=subprocess.DEVNULL)
    if has_ldb:
        heavy["backup (vs ldb backup)"] = (f"sh -c 'rm -f b.sdbackup && {sd} backup --output b.sdbackup'",
                                           "sh -c 'rm -rf lbk && ldb --db=rdb backup --backup_dir=lbk'")
    heavy_results = interleaved(heavy, args.rounds, max(1, args.runs // 10), work, warmup=1)

    subprocess.run(["sh", "-c", f"{sd} store export > export.jsonl && gzip -6 -k export.jsonl"], cwd=work, check=True)
    sizes = {
        "softadastra backup (snapshot blocks as they are, WAL at level 6)": os.path.getsize(os.path.join(work, "b.sdbackup")),
        "gzip -6 of store export": os.path.getsize(os.path.join(work, "export.jsonl.gz")),
        "gzip -6 of the sqlite3 backup": os.path.getsize(os.path.join(work, "b.db.gz")),
        "softadastra sync bundle of the whole state (level 1)": len(subprocess.run(
            [sd, "sync", "export", "--peer", "n3"], cwd=work, check=True, capture_output=True).stdout),
        "softadastra snapshot": sum(os.path.getsize(os.path.join(work, "data", n))
                                    for n in os.listdir(os.path.join(work, "data")) if n.endswith(".snapshot")),
    }
    rss = {
        "store get, no snapshot (WAL scanned for the key)": rss_replay,
        "store get, after a snapshot": peak_rss_mb([sd, "store", "get", probe], work),
        "store export, after a snapshot": peak_rss_mb([sd, "store", "export"], work),
        "wal-replay of the full WAL": peak_rss_mb([sd, "wal-replay", "nosnap/softadastra.wal"], work),
        "backup": peak_rss_mb([sd, "backup", "--output", "rss.sdbackup"], work),
        "sync export of the whole state": peak_rss_mb([sd, "sync", "export", "--peer", "n4", "--output", "rss.sdsync"], work),
        "sync import of the whole state into a new node": peak_rss_mb(
            [sd, "sync", "import", "rss.sdsync", "--data-dir", "rss-node", "--node-id", "n4"], work),
    }

    print(f"### {args.records:,} keys, 16-byte keys, 100-byte values ({raw_bytes / 1e6:.0f} MB raw)\n")
    print("| one-off step | seconds |\n|---|---|")
    for name, seconds in setup.items():
        print(f"| {name} | {seconds:.2f} |")
    print("\n| workload | softadastra (ms) | peer (ms) | ratio |\n|---|---|---|---|")
    for name, (a, b) in list(get_results.items()) + list(heavy_results.items()):
        print(f"| {name} | {a * 1000:.1f} | {b * 1000:.1f} | {a / b:.2f}x |")
    print("\n| archive | bytes | vs gzip -6 of the export |\n|---|---|---|")
    for name, size in sizes.items():
        print(f"| {name} | {size:,} | {size / sizes['gzip -6 of store export']:.2f}x |")
    print(f"\n| peak RSS | MB | vs raw key+value bytes |\n|---|---|---|")
    for name, megabytes in rss.items():
        print(f"| {name} | {megabytes:.0f} | {megabytes * 1e6 / raw_bytes:.2f}x |")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
