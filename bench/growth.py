#!/usr/bin/env python3
"""How each step's cost grows with the store: every step at N keys and at 8N keys (16-byte keys,
100-byte values) in one run, with its time, its peak memory (RSS) and its growth factor (the 8N
time over the N time: 8x is linear), beside sqlite3 doing the same where it has a peer, with the
peer's own growth.

The growth of the CPU time is shown too, the program's own (user) apart from the kernel's
(system), which holds the page cache's work for the files a step writes. On a virtual machine
that hands the memory its guest frees back to the host (free page reporting, which the output
notes when the kernel has it), the first touch of such a page costs microseconds: a step that
writes more new file pages than the guest has recently freed, as only the 8N steps do, pays that
in time the N steps do not (docs/benchmarks.md, "Growth and the machine's fresh pages").

A node eight times larger should cost eight times as much, or less (issue 17's goal: at most
8.5x), in memory that does not grow with it.

Each step runs once, but the steps that write a new log of the whole store (the imports) run once
unmeasured before (with their peer: a warm-up), and steps that change nothing (the gets, the
export) run three times in turn with their peer: medians.

Usage: bench/growth.py [--binary PATH] [--keys N] [--runs N] [--smoke]
(default N = 1,000,000, so 8N = 8,000,000: about 6 minutes and 10 GB of disk; --smoke: 2,000 and
16,000 keys, which checks the script, not the figures). Then the size of the snapshot after the
full checkpoint against gzip -6 of the export (issue 17's goal: at most 1.2x).

Checkpoints: a fortieth of the keys changed (25,000 at 1M, 200,000 at 8M), spread over the store,
saved by a delta checkpoint; then as many other keys changed, saved by a full one (snapshot --full)
that merges the delta too.
"""
import argparse, os, shutil, subprocess, tempfile, time

from harness import require, write_records

CHANGED = 40  # a checkpoint saves the changes of one key in this many after the bulk import


def run(command, cwd, stdin=None, stdout=subprocess.DEVNULL):
    """Seconds, peak RSS in MB (GNU time's maximum resident set size) and CPU seconds (user,
    system) of one command."""
    start = time.monotonic()
    result = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", *command], cwd=cwd, stdin=stdin, stdout=stdout,
                            stderr=subprocess.PIPE, text=True)
    seconds = time.monotonic() - start
    if result.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed:\n{result.stderr}")
    kilobytes, user, system = result.stderr.strip().splitlines()[-1].split()
    return seconds, int(kilobytes) / 1024, (float(user), float(system))


def write_more(workdir, name, count, keys, offset):
    """`count` new values for keys spread over the whole store (every keys/count-th from `offset`)."""
    step = max(1, keys // count)
    with open(os.path.join(workdir, name), "w") as tsv:
        for i in range(count):
            tsv.write("key-%012d\t%s\n" % ((i * step + offset) % keys, ("changed-%d-" % i).ljust(100, "y")))


def measure(sd, keys, more):
    """Every step at `keys` keys:
    {step: (seconds, MB, sqlite3 seconds or None, (user, system) CPU seconds)}."""
    work = tempfile.mkdtemp(prefix=f"softadastra-growth-{keys}-")
    try:
        write_records(work, keys)
        write_more(work, "more.tsv", more, keys, 0)
        write_more(work, "other.tsv", more, keys, keys // more // 2)
        probe = "key-%012d" % (keys * 2 // 3)
        steps = {}

        def step(name, command, peer=None, rounds=1, stdout=None):
            """Runs `command` and its peer in turn, `rounds` times (steps that change nothing, whose
            single runs were the noisiest): the median time of each, the largest peak memory, the
            median CPU time."""
            times, peaks, peer_times, cpus = [], [], [], []
            for _ in range(rounds):
                with open(os.path.join(work, stdout), "w") if stdout else open(os.devnull, "w") as out:
                    seconds, megabytes, cpu = run(command, work, stdout=out)
                times.append(seconds)
                peaks.append(megabytes)
                cpus.append(cpu)
                if peer:
                    peer_times.append(run(peer, work)[0])
            steps[name] = (median(times), max(peaks), median(peer_times) if peer else None,
                           tuple(median([cpu[index] for cpu in cpus]) for index in range(2)))

        def sqlite_import(database):
            return ["sqlite3", database, "PRAGMA journal_mode=WAL;", "CREATE TABLE kv(k TEXT PRIMARY KEY, v TEXT);",
                    ".mode tabs", ".import data.tsv kv"]

        # The imports run once unmeasured first, both of them, as hyperfine's warm-up does: on a
        # virtual machine, memory the guest never touched costs about 2 µs a page the first time,
        # and the first import of 8N keys pays that for 1.2 GB of page cache (docs/benchmarks.md,
        # "Warm-up"). Softadastra's log touches more pages than sqlite3's file, so gains more.
        run([sd, "store", "import", "data.tsv", "--checkpoint-bytes", "0", "--data-dir", "warm-up"], work)
        run(sqlite_import("warm-up.db"), work)
        shutil.rmtree(os.path.join(work, "warm-up"))
        os.remove(os.path.join(work, "warm-up.db"))
        step("store import, one batch (vs sqlite3 .import, one transaction)",
             [sd, "store", "import", "data.tsv", "--checkpoint-bytes", "0"], sqlite_import("kv.db"))
        step("store get right after the import, no snapshot yet (vs sqlite3 select)",
             [sd, "store", "get", probe, "--checkpoint-bytes", "0"],
             ["sqlite3", "kv.db", f"SELECT v FROM kv WHERE k='{probe}'"], rounds=3)
        shutil.copy(os.path.join(work, "data", "softadastra.wal"), os.path.join(work, "imported.wal"))
        step("wal-replay of the imported WAL", [sd, "wal-replay", "imported.wal"])
        step("snapshot of the imported WAL", [sd, "snapshot"])
        step("store get after the snapshot (vs sqlite3 select)", [sd, "store", "get", probe],
             ["sqlite3", "kv.db", f"SELECT v FROM kv WHERE k='{probe}'"], rounds=3)
        run([sd, "store", "import", "more.tsv", "--checkpoint-bytes", "0"], work)
        step("checkpoint of keys/40 changes: a delta (snapshot)", [sd, "snapshot"], stdout="delta.txt")
        with open(os.path.join(work, "delta.txt")) as out:
            if "delta over" not in out.read():
                raise SystemExit("bench: the checkpoint of keys/40 changes did not write a delta")
        step("store get over the delta (vs sqlite3 select)", [sd, "store", "get", probe],
             ["sqlite3", "kv.db", f"SELECT v FROM kv WHERE k='{probe}'"], rounds=3)
        run([sd, "store", "import", "other.tsv", "--checkpoint-bytes", "0"], work)
        step("checkpoint of keys/40 more changes and the delta: full (snapshot --full)",
             [sd, "snapshot", "--full"])
        step("store export, JSON Lines (vs sqlite3 -json)", [sd, "store", "export"],
             ["sh", "-c", "sqlite3 -json kv.db 'SELECT k AS key, v AS value FROM kv ORDER BY k' > sqlite.json"],
             rounds=3, stdout="export.jsonl")
        snapshot = max(f for f in os.listdir(os.path.join(work, "data")) if f.endswith(".snapshot"))
        subprocess.run(["gzip", "-6", "-k", "export.jsonl"], cwd=work, check=True)
        sizes = (os.path.getsize(os.path.join(work, "data", snapshot)), os.path.getsize(os.path.join(work, "export.jsonl.gz")))
        step("sync export --full", [sd, "sync", "export", "--peer", "n2", "--full", "--output", "full.sdsync"])
        step("sync import of it into a new node: its first snapshot (vs sqlite3 .dump piped to sqlite3)",
             [sd, "sync", "import", "full.sdsync", "--data-dir", "n2", "--node-id", "n2"],
             ["sh", "-c", "rm -f copy.db && sqlite3 kv.db .dump | sqlite3 copy.db"])
        if not any(name.endswith(".snapshot") for name in os.listdir(os.path.join(work, "n2"))):
            raise SystemExit("bench: the whole state did not seed the new node's snapshot")
        # With automatic checkpoints off, it goes through the log, as into a node that holds keys:
        # a new log of the whole store, warmed up as the imports are.
        run([sd, "sync", "import", "full.sdsync", "--data-dir", "warm-up", "--node-id", "n2", "--checkpoint-bytes", "0"],
            work)
        shutil.rmtree(os.path.join(work, "warm-up"))
        step("sync import of it into a new node with --checkpoint-bytes 0: through the log",
             [sd, "sync", "import", "full.sdsync", "--data-dir", "n3", "--node-id", "n2", "--checkpoint-bytes", "0"])
        return steps, sizes
    finally:
        shutil.rmtree(work, ignore_errors=True)


def median(values):
    return sorted(values)[len(values) // 2]


def medians(results):
    """Each step's median time, largest peak memory, median peer time and median CPU time over
    several runs' results, and the median snapshot and gzip sizes."""
    steps = {}
    for name in results[0][0]:
        figures = [steps_of_run[name] for steps_of_run, _ in results]
        peers = [peer for _, _, peer, _ in figures]
        steps[name] = (median([seconds for seconds, _, _, _ in figures]),
                       max(megabytes for _, megabytes, _, _ in figures),
                       median(peers) if peers[0] is not None else None,
                       tuple(median([cpu[index] for _, _, _, cpu in figures]) for index in range(2)))
    sizes = tuple(median([run_sizes[index] for _, run_sizes in results]) for index in range(2))
    return steps, sizes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.abspath(".build/release/softadastra"))
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--smoke", action="store_true", help="tiny run that checks the script, not the figures")
    parser.add_argument("--runs", type=int, default=1,
                        help="measure both sizes this many times, in turn, and report each figure's median")
    args = parser.parse_args()
    keys = 2_000 if args.smoke else args.keys
    require("sqlite3")
    if not os.path.exists("/usr/bin/time"):
        raise SystemExit("bench: /usr/bin/time is missing: apt-get install -y time")
    runs = [(measure(args.binary, keys, keys // CHANGED), measure(args.binary, keys * 8, keys * 8 // CHANGED))
            for _ in range(max(1, args.runs))]
    (small, small_sizes), (large, large_sizes) = (medians([run[0] for run in runs]), medians([run[1] for run in runs]))
    if len(runs) > 1:
        print(f"Medians of {len(runs)} runs of both sizes, in turn; growth from the medians.\n")
    if os.path.exists("/sys/module/page_reporting"):
        print("This kernel reports the memory its guest frees to the host (free page reporting): "
              "new pages past those recently freed cost a first touch.\n")
    # GNU time counts CPU in hundredths of a second: a growth from less than 0.05 s means little.
    growth = lambda big, small, floor=0.005: f"{big / small:.1f}x" if small and small > floor else "-"
    print(f"| step | {keys:,} keys: s, peak MB | {keys * 8:,} keys: s, peak MB | growth (8x is linear) "
          f"| CPU growth: user / system | sqlite3 s at {keys:,} / {keys * 8:,} | sqlite3 growth "
          f"| softadastra / sqlite3 at {keys * 8:,} |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (seconds, megabytes, peer, cpu) in small.items():
        big_seconds, big_megabytes, big_peer, big_cpu = large[name]
        peers = f"{peer:.2f} / {big_peer:.2f}" if peer is not None else "-"
        ratio = f"{big_seconds / big_peer:.2f}x" if big_peer else "-"
        print(f"| {name} | {seconds:.2f}, {megabytes:.0f} | {big_seconds:.2f}, {big_megabytes:.0f} "
              f"| {growth(big_seconds, seconds)} "
              f"| {growth(big_cpu[0], cpu[0], 0.05)} / {growth(big_cpu[1], cpu[1], 0.05)} | {peers} "
              f"| {growth(big_peer, peer) if peer is not None else '-'} | {ratio} |")
    print()
    print("| snapshot after the full checkpoint | bytes | gzip -6 of the export | snapshot / gzip |")
    print("|---|---|---|---|")
    for count, (snapshot, gzipped) in ((keys, small_sizes), (keys * 8, large_sizes)):
        print(f"| {count:,} keys | {snapshot:,} | {gzipped:,} | {snapshot / gzipped:.2f}x |")


if __name__ == "__main__":
    main()
