#!/usr/bin/env python3
"""What checkpoints cost over many rounds of changes: two copies of one node, each changed the same
way round after round (a fortieth of its keys, spread over the store), one checkpointed as it
chooses (a delta while the changes since its full snapshot are at most an eighth of it, else a full
snapshot), the other always in full (`snapshot --full`), interleaved, each round timed. Prints each
round, then the totals: time, and bytes of snapshots written against the bytes of changes saved
(the write amplification; the log's own bytes are the same for both and left out).

Usage: bench/checkpoint-cycle.py [--binary PATH] [--keys N] [--rounds R] [--smoke]
(default 1,000,000 keys and 12 rounds: about a minute; --smoke: 4,000 keys, 6 rounds).
"""
import argparse, os, shutil, subprocess, tempfile, time

from harness import write_records

CHANGED = 40  # each round changes one key in this many
CHANGE_BYTES = 16 + 100  # a changed key and its value


def run(command, cwd):
    result = subprocess.run(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed:\n{result.stderr}")
    return result.stdout


def newest_snapshot(directory):
    """The newest snapshot's size in bytes."""
    names = sorted(f for f in os.listdir(os.path.join(directory, "data")) if f.endswith(".snapshot"))
    return os.path.getsize(os.path.join(directory, "data", names[-1]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.abspath(".build/release/softadastra"))
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--smoke", action="store_true", help="tiny run that checks the script, not the figures")
    args = parser.parse_args()
    keys, rounds = (4_000, 6) if args.smoke else (args.keys, args.rounds)
    sd = args.binary
    work = tempfile.mkdtemp(prefix="softadastra-checkpoint-cycle-")
    try:
        write_records(work, keys)
        chosen, full = os.path.join(work, "chosen"), os.path.join(work, "full")
        os.makedirs(chosen)
        run([sd, "store", "import", os.path.join(work, "data.tsv"), "--checkpoint-bytes", "0"], chosen)
        run([sd, "snapshot"], chosen)
        shutil.copytree(chosen, full)
        changed = keys // CHANGED
        step = CHANGED
        print(f"| round ({keys:,} keys, {changed:,} changed each) | as chosen: kind, s, snapshot bytes "
              f"| always full: s, snapshot bytes | chosen / full time |")
        print("|---|---|---|---|")
        totals = {"chosen": [0.0, 0], "full": [0.0, 0]}
        for round_number in range(rounds):
            changes = os.path.join(work, "changes.tsv")
            with open(changes, "w") as tsv:
                for i in range(changed):
                    key = (i * step + round_number * 7) % keys
                    tsv.write("key-%012d\t%s\n" % (key, ("round-%d-" % round_number).ljust(100, "z")))
            seconds = {}
            sides = [("chosen", chosen, [sd, "snapshot"]), ("full", full, [sd, "snapshot", "--full"])]
            # Each goes first every other round: neither gains from the other's warm caches.
            for name, directory, command in sides if round_number % 2 == 0 else reversed(sides):
                run([sd, "store", "import", changes, "--checkpoint-bytes", "0"], directory)
                start = time.monotonic()
                output = run(command, directory)
                seconds[name] = time.monotonic() - start
                totals[name][0] += seconds[name]
                totals[name][1] += newest_snapshot(directory)
                if name == "chosen":
                    kind = "delta" if "delta over" in output else "full"
            print(f"| {round_number + 1} | {kind}, {seconds['chosen']:.2f}, {newest_snapshot(chosen):,} "
                  f"| {seconds['full']:.2f}, {newest_snapshot(full):,} | {seconds['chosen'] / seconds['full']:.2f}x |")
        saved = changed * rounds * CHANGE_BYTES
        print()
        print("| over all rounds | checkpoint time | snapshot bytes written | per raw byte of changes saved |")
        print("|---|---|---|---|")
        for name in ("chosen", "full"):
            print(f"| {'as chosen' if name == 'chosen' else 'always full'} | {totals[name][0]:.2f} s "
                  f"| {totals[name][1]:,} | {totals[name][1] / saved:.1f} |")
        print(f"| as chosen / always full | {totals['chosen'][0] / totals['full'][0]:.2f}x "
              f"| {totals['chosen'][1] / totals['full'][1]:.2f}x | |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
