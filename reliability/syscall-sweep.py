#!/usr/bin/env python3
"""Makes each file-system call of every writing command fail in turn, on the real binary.

For each scenario (a command on a prepared node), one run under strace counts the calls that can
change or read what is on disk. Then, for each of those calls in turn, the command runs again on
a fresh copy of the node with strace making that one call (its k-th occurrence) fail: killed by
SIGKILL before it happens, or failing with EIO, or with ENOSPC. After each run:

- the command never crashes: it exits with a status of its own (the injected SIGKILL aside);
- reads work: `store export` exits 0 and gives the old state or the new one, and the new one
  whenever the command exited 0 (an acknowledged write is never lost);
- a command that failed (any exit but 0) after a restore left the old state, and no restore
  journal behind;
- a backup that was killed or failed left no archive under its final name, or one that verifies;
- the next writer continues: a put exits 0 and is then read back.

Usage: reliability/syscall-sweep.py [--binary PATH] [--max-points N] [--only NAME] [--keep]
  --max-points N   per scenario and mode, at most N injection points, spread evenly (0: all)
Exits 1 at the first violation, naming the scenario, the call, its occurrence and the mode.
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile, time

BULK = 66_000  # operations of the streamed sync import: past Client.appliedInMemoryLimit (65,536)
CALLS = ["openat", "read", "pread64", "write", "pwrite64", "fsync", "fdatasync", "rename", "renameat",
         "renameat2", "link", "linkat", "unlink", "unlinkat", "mkdir", "mkdirat", "rmdir", "ftruncate", "flock"]
MODES = ["signal=KILL", "error=EIO", "error=ENOSPC"]


class Violation(Exception):
    pass


class Sweep:
    def __init__(self, binary, root):
        self.binary, self.root = binary, root
        self.runs = 0

    def run(self, work, *args, stdin=None):
        return subprocess.run([self.binary, *args], cwd=work, input=stdin, capture_output=True)

    def export(self, work, data_dir="data"):
        result = self.run(work, "store", "export", "--data-dir", data_dir)
        if result.returncode != 0:
            raise Violation(f"store export exited {result.returncode}: {result.stderr.decode().strip()}")
        return {line["key"]: line["value"] for line in map(json.loads, result.stdout.decode().splitlines())}

    # --- The prepared nodes --------------------------------------------------------------------

    def prepare(self):
        """A node with a snapshot and a tail, its backup, a peer's bundle for it, a torn copy."""
        base = os.path.join(self.root, "base")
        os.makedirs(base)
        lines = "".join(f"key{i:05d}\tvalue-{i}\n" for i in range(300)).encode()
        self.must(base, "store", "import", stdin=lines)
        self.must(base, "snapshot")
        for i in range(5):
            self.must(base, "store", "put", f"tail{i}", f"t{i}")
        self.must(base, "backup", "--output", "node.sdbackup")
        os.makedirs(os.path.join(base, "backups"))
        self.must(base, "store", "put", "after-backup", "x")
        self.must(base, "store", "put", "p1", "v", "--data-dir", "peer", "--node-id", "peer")
        self.must(base, "store", "put", "p2", "v", "--data-dir", "peer", "--node-id", "peer")
        self.must(base, "sync", "export", "--peer", "softadastra", "--data-dir", "peer", "--node-id", "peer",
                  "--output", "peer.sdsync")
        # A bundle of more operations than an import holds in memory: it streams into the WAL.
        bulk = "".join(f"bulk{i:05d}\tb{i}\n" for i in range(BULK)).encode()
        self.must(base, "store", "import", "--data-dir", "bulk", "--node-id", "bulk", stdin=bulk)
        self.must(base, "sync", "export", "--peer", "softadastra", "--full", "--data-dir", "bulk", "--node-id", "bulk",
                  "--output", "bulk.sdsync")
        for i in range(3):
            self.must(base, "store", "put", f"own{i}", "w", "--data-dir", "walonly")
        self.base = base
        self.old = self.export(base)
        self.wal_only = self.export(base, "walonly")
        shutil.copytree(os.path.join(base, "data"), os.path.join(base, "torn"))
        with open(os.path.join(base, "torn", "softadastra.wal"), "ab") as wal:
            wal.write(b"\x40\x00\x00\x00\x01\x00partial-record")

    def must(self, work, *args, stdin=None):
        result = self.run(work, *args, stdin=stdin)
        if result.returncode != 0:
            raise RuntimeError(f"setup: softadastra {' '.join(args)}: {result.stderr.decode()}")
        return result

    def scenarios(self):
        old = self.old
        with_put = dict(old, **{"k": "v"})
        without = {k: v for k, v in old.items() if k != "tail0"}
        imported = dict(old, **{f"imp{i}": f"i{i}" for i in range(50)})
        restored = {k: v for k, v in old.items() if k != "after-backup"}
        restored_to_302 = {k: v for k, v in restored.items() if k not in ("tail2", "tail3", "tail4")}
        synced = dict(old, p1="v", p2="v")
        bulk = dict(old, **{f"bulk{i:05d}": f"b{i}" for i in range(BULK)})
        batch = "".join(f"imp{i}\ti{i}\n" for i in range(50)).encode()
        return [
            ("put", ["store", "put", "k", "v"], None, "data", [old, with_put]),
            # A put past the checkpoint threshold: it seals the log, then builds and publishes the
            # snapshot on a thread of its own before it exits (a failure there is only a warning).
            ("put-checkpointing", ["store", "put", "k", "v", "--checkpoint-bytes", "1"], None, "data", [old, with_put]),
            ("delete", ["store", "delete", "tail0"], None, "data", [old, without]),
            ("import", ["store", "import"], batch, "data", [old, imported]),
            ("snapshot", ["snapshot"], None, "data", [old]),
            ("backup", ["backup", "--dir", "backups"], None, "data", [old]),
            ("restore-over-node", ["restore", "node.sdbackup", "--force"], None, "data", [old, restored]),
            ("restore-fresh", ["restore", "node.sdbackup", "--data-dir", "fresh"], None, "fresh", [None, restored]),
            ("restore-over-wal-only", ["restore", "node.sdbackup", "--force", "--data-dir", "walonly"], None, "walonly",
             [self.wal_only, restored]),
            ("restore-to-lsn", ["restore", "node.sdbackup", "--force", "--to-lsn", "302"], None, "data",
             [old, restored_to_302]),
            ("sync-import", ["sync", "import", "peer.sdsync"], None, "data", [old, synced]),
            ("sync-import-streamed", ["sync", "import", "bulk.sdsync"], None, "data", [old, bulk]),
            ("repair-torn-tail", ["wal-verify", "--repair", "--data-dir", "torn"], None, "torn", [old]),
        ]

    # --- One scenario ---------------------------------------------------------------------------

    def fresh_copy(self, name):
        work = os.path.join(self.root, name)
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(self.base, work, symlinks=True)
        return work

    def count_calls(self, name, args, stdin):
        work = self.fresh_copy("count-" + name)
        trace = os.path.join(self.root, "trace")
        result = subprocess.run(
            ["strace", "-f", "-qq", "-o", trace, "-e", "trace=" + ",".join(CALLS), self.binary, *args],
            cwd=work, input=stdin, capture_output=True)
        if result.returncode != 0:
            raise RuntimeError(f"setup: {name} fails without any injection: {result.stderr.decode()}")
        counts = {}
        with open(trace) as lines:
            for line in lines:
                match = re.match(r"(?:\[pid\s+\d+\]\s+|\d+\s+)?(\w+)\(", line)
                if match and match.group(1) in CALLS:
                    counts[match.group(1)] = counts.get(match.group(1), 0) + 1
        shutil.rmtree(work, ignore_errors=True)
        return counts

    def check(self, work, name, data_dir, states, status, mode):
        new = states[-1]
        if data_dir == "fresh" and not os.path.exists(os.path.join(work, "fresh", "softadastra.wal")) \
                and not os.path.exists(os.path.join(work, "fresh", "softadastra.restore-journal")):
            if status == 0:
                raise Violation("restore exited 0 but left no node")
            return
        state = self.export(work, data_dir)
        if state not in [s for s in states if s is not None]:
            raise Violation(f"the node holds neither the old state nor the new one ({len(state)} keys)")
        if status == 0 and state != new:
            raise Violation("the command exited 0 but its change is not there")
        if name.startswith("restore") and status not in (0, None) and state != (states[0] or {}):
            raise Violation(f"a failed restore (exit {status}) changed the node")
        if name.startswith("restore") and status not in (0, None) and \
                os.path.exists(os.path.join(work, data_dir, "softadastra.restore-journal")):
            raise Violation(f"a failed restore (exit {status}) left its journal")
        if name == "backup":
            backups = os.path.join(work, "backups")
            for entry in os.listdir(backups) if os.path.isdir(backups) else []:
                if entry.endswith(".sdbackup"):
                    verify = self.run(work, "backup", "verify", os.path.join("backups", entry))
                    if verify.returncode != 0:
                        raise Violation(f"backup left {entry}, which does not verify: {verify.stderr.decode()}")
        put = self.run(work, "store", "put", "next-writer", "ok", "--data-dir", data_dir)
        if put.returncode != 0:
            raise Violation(f"the next writer failed ({put.returncode}): {put.stderr.decode().strip()}")
        if self.export(work, data_dir) != dict(state, **{"next-writer": "ok"}):
            raise Violation("the next writer's put is not read back")

    def sweep(self, name, args, stdin, data_dir, states, max_points):
        counts = self.count_calls(name, args, stdin)
        points = [(call, k) for call in CALLS for k in range(1, counts.get(call, 0) + 1)]
        if max_points and len(points) > max_points:
            step = len(points) / max_points
            points = [points[int(i * step)] for i in range(max_points)]
        for mode in MODES:
            for call, k in points:
                work = self.fresh_copy("run")
                result = subprocess.run(
                    ["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=" + call,
                     "-e", f"inject={call}:{mode}:when={k}", self.binary, *args],
                    cwd=work, input=stdin, capture_output=True)
                self.runs += 1
                killed = mode == "signal=KILL" and result.returncode in (-9, 137)
                if not killed and (result.returncode < 0 or result.returncode >= 128):
                    raise Violation(f"{name}: {mode} at {call} #{k}: the command crashed (exit {result.returncode}, "
                                    f"stderr {result.stderr.decode().strip()[:300]!r})")
                status = None if killed else result.returncode
                try:
                    self.check(work, name, data_dir, states, status, mode)
                except Violation as violation:
                    raise Violation(f"{name}: {mode} at {call} #{k} (exit {result.returncode}, "
                                    f"stderr {result.stderr.decode().strip()!r}): {violation}")
        return len(points), sum(counts.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=".build/release/softadastra")
    parser.add_argument("--max-points", type=int, default=0)
    parser.add_argument("--only")
    parser.add_argument("--keep", action="store_true")
    options = parser.parse_args()
    if shutil.which("strace") is None:
        sys.exit("syscall-sweep: strace is not installed (apt-get install strace)")
    binary = os.path.abspath(options.binary)
    root = tempfile.mkdtemp(prefix="softadastra-sweep-")
    started = time.time()
    sweep = Sweep(binary, root)
    summary = []
    try:
        sweep.prepare()
        for name, args, stdin, data_dir, states in sweep.scenarios():
            if options.only and name != options.only:
                continue
            points, calls = sweep.sweep(name, args, stdin, data_dir, states, options.max_points)
            summary.append(f"{name} {points}/{calls}")
    except Violation as violation:
        print(f"syscall-sweep: VIOLATION: {violation}", file=sys.stderr)
        print(f"syscall-sweep: files kept in {root}", file=sys.stderr)
        sys.exit(1)
    if not options.keep:
        shutil.rmtree(root, ignore_errors=True)
    print(f"syscall-sweep: {sweep.runs} runs, each call made to fail (KILL, EIO, ENOSPC), 0 violations; "
          f"points/calls per scenario: {', '.join(summary)}; {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
