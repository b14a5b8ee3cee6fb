#!/usr/bin/env python3
"""Kills the real `softadastra` binary with SIGKILL at random moments, hundreds of times, while it
does durable puts, deletes, imports, snapshots, backups, restores and sync imports and exports, and
checks after every kill:

- every acknowledged write is present with its value (a put or delete is acknowledged when the
  process exited 0; an import when its batch did);
- nothing unacknowledged is half-applied (the killed operation is there whole or not at all; an
  import batch is all or nothing);
- the WAL verifies clean or with a torn tail only, and the next writer continues;
- a killed sync import applies its bundle whole or not at all, and importing it again completes it;
- a killed snapshot or sync export changes no value; a killed backup leaves no archive or a sound one; a killed
  restore leaves its target as it was or as the backup holds it.

Usage: reliability/crash-harness.py [--kills N] [--seed S] [--binary PATH] [--keep]
Exits 1 at the first violation, printing the seed to replay it; prints a summary line at the end.
"""
import argparse, json, os, random, shutil, signal, subprocess, sys, tempfile, time


class Violation(Exception):
    pass


class Harness:
    def __init__(self, binary, seed, work):
        self.binary, self.random, self.work = binary, random.Random(seed), work
        self.model = {}          # the acknowledged state of the main node
        self.stats = {"kills": 0, "checks": 0, "acknowledged": 0}
        self.kinds = {}

    def run(self, *args, data_dir="data", stdin=None, check=True):
        result = subprocess.run([self.binary, *args, "--data-dir", data_dir], cwd=self.work, input=stdin,
                                capture_output=True)
        if check and result.returncode != 0:
            raise Violation(f"softadastra {' '.join(args)} exited {result.returncode}: {result.stderr.decode()}")
        return result

    def killed(self, args, delay, data_dir="data"):
        """Starts softadastra ARGS and SIGKILLs it after DELAY seconds; returns its exit status."""
        process = subprocess.Popen([self.binary, *args, "--data-dir", data_dir], cwd=self.work,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        status = process.wait()
        self.stats["kills"] += 1
        return status

    def export(self, data_dir="data"):
        result = self.run("store", "export", data_dir=data_dir)
        return {line["key"]: line["value"] for line in map(json.loads, result.stdout.decode().splitlines())}

    def check(self, maybe=None):
        """The node holds the model, except that each key in MAYBE may hold either of two values."""
        maybe = maybe or {}
        verify = self.run("wal-verify", "--json", check=False)
        status = json.loads(verify.stdout.decode())["status"] if verify.stdout else "unreadable"
        if status not in ("clean", "torn-tail"):
            raise Violation(f"wal-verify says {status}: {verify.stderr.decode()}")
        state = self.export()
        for key in set(state) | set(self.model) | set(maybe):
            got, want = state.get(key), self.model.get(key)
            allowed = {want} | set(maybe.get(key, ()))
            if got not in allowed:
                raise Violation(f"key {key!r} holds {got!r}, expected one of {sorted(map(str, allowed))}")
        # Adopt what the killed operation did, so the model stays exact.
        for key in maybe:
            self.model[key] = state.get(key)
            if self.model[key] is None:
                del self.model[key]
        self.stats["checks"] += 1

    # Each round: some acknowledged work, then one operation killed at a random moment.

    def round_put_delete(self):
        for _ in range(self.random.randint(1, 4)):
            key = f"k{self.random.randrange(200)}"
            if self.random.random() < 0.25:
                self.run("store", "delete", key, check=False)
                self.model.pop(key, None)
            else:
                value = f"v{self.random.randrange(10**6)}"
                self.run("store", "put", key, value)
                self.model[key] = value
            self.stats["acknowledged"] += 1
        key, value = f"k{self.random.randrange(200)}", f"killed{self.random.randrange(10**6)}"
        deleting = self.random.random() < 0.25
        args = ["store", "delete", key] if deleting else ["store", "put", key, value]
        status = self.killed(args, self.random.uniform(0, 0.004))
        self.check({key: [None if deleting else value]})
        return "put/delete"

    def round_import(self):
        batch = self.random.randrange(10**9)
        lines = "".join(f"b{batch}/{i}\tv{i}\n" for i in range(self.random.randint(50, 3000)))
        with open(os.path.join(self.work, "batch.tsv"), "w") as f:
            f.write(lines)
        self.killed(["store", "import", "batch.tsv"], self.random.uniform(0, 0.03))
        state = self.export()
        present = sum(1 for key in state if key.startswith(f"b{batch}/"))
        if present not in (0, lines.count("\n")):
            raise Violation(f"import batch b{batch} is half-applied: {present} of {lines.count(chr(10))} keys")
        self.check({f"b{batch}/{i}": [f"v{i}"] for i in range(lines.count("\n"))})
        return "import"

    def round_snapshot(self):
        self.killed(["snapshot"], self.random.uniform(0, 0.12))
        self.check()
        return "snapshot"

    def round_backup(self):
        path = os.path.join(self.work, "killed.sdbackup")
        if os.path.exists(path):
            os.remove(path)
        self.killed(["backup", "--output", "killed.sdbackup"], self.random.uniform(0, 0.08))
        if os.path.exists(path):
            verify = self.run("backup", "verify", "killed.sdbackup", check=False)
            if verify.returncode != 0:
                raise Violation(f"a killed backup left an archive that does not verify: {verify.stdout.decode()}")
        self.check()
        return "backup"

    def round_restore(self):
        if not os.path.exists(os.path.join(self.work, "good.sdbackup")):
            self.run("backup", "--output", "good.sdbackup")
        backup_state = self.export_of_backup()
        target = "restore-target"
        self.run("store", "put", "target-only", str(self.random.randrange(10**6)), data_dir=target)
        before = self.export(target)
        self.killed(["restore", "good.sdbackup", "--force"], self.random.uniform(0, 0.1), data_dir=target)
        after = self.export(target)
        if after != before and after != backup_state:
            raise Violation("a killed restore left its target neither as it was nor as the backup holds it")
        self.check()
        return "restore"

    def round_sync(self):
        """A peer node writes a batch; its bundle is imported here and the import killed."""
        batch = self.random.randrange(10**9)
        count = self.random.randint(50, 2000)
        with open(os.path.join(self.work, "peer.tsv"), "w") as f:
            f.write("".join(f"p{batch}/{i}\tv{i}\n" for i in range(count)))
        self.run("store", "import", "peer.tsv", "--node-id", "peer", data_dir="peer")
        self.run("sync", "export", "--peer", "softadastra", "--output", "peer.sdsync", "--node-id", "peer", data_dir="peer")
        if self.random.random() < 0.25:
            self.killed(["sync", "export", "--peer", "peer", "--output", "killed.sdsync"], self.random.uniform(0, 0.03))
            self.check()
        self.killed(["sync", "import", "peer.sdsync"], self.random.uniform(0, 0.03))
        present = sum(1 for key in self.export() if key.startswith(f"p{batch}/"))
        if present not in (0, count):
            raise Violation(f"sync import of batch p{batch} is half-applied: {present} of {count} keys")
        self.check({f"p{batch}/{i}": [f"v{i}"] for i in range(count)})
        self.run("sync", "import", "peer.sdsync")
        self.model.update({f"p{batch}/{i}": f"v{i}" for i in range(count)})
        self.check()
        return "sync"

    def export_of_backup(self):
        if not hasattr(self, "_backup_state"):
            scratch = "restore-reference"
            shutil.rmtree(os.path.join(self.work, scratch), ignore_errors=True)
            self.run("restore", "good.sdbackup", data_dir=scratch)
            self._backup_state = self.export(scratch)
        return self._backup_state

    def go(self, kills):
        rounds = [self.round_put_delete] * 5 + [self.round_import] * 2 + [self.round_snapshot, self.round_backup,
                                                                             self.round_restore, self.round_sync]
        # A store big enough that snapshots, backups and restores take a while to kill.
        with open(os.path.join(self.work, "seed.tsv"), "w") as f:
            f.write("".join(f"seed/{i:06d}\t{'x' * 40}{i}\n" for i in range(20000)))
        self.run("store", "import", "seed.tsv")
        self.model.update({f"seed/{i:06d}": f"{'x' * 40}{i}" for i in range(20000)})
        while self.stats["kills"] < kills:
            kind = self.random.choice(rounds)()
            self.kinds[kind] = self.kinds.get(kind, 0) + 1
            # The next writer always continues.
            self.run("store", "put", "after-kill", str(self.stats["kills"]))
            self.model["after-kill"] = str(self.stats["kills"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=300)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--binary", default=os.path.abspath(".build/release/softadastra"))
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="softadastra-crash-")
    harness = Harness(args.binary, args.seed, work)
    started = time.monotonic()
    try:
        harness.go(args.kills)
    except Violation as violation:
        print(f"crash harness: VIOLATION after {harness.stats['kills']} kills (seed {args.seed}, work {work}): {violation}")
        sys.exit(1)
    if not args.keep:
        shutil.rmtree(work)
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(harness.kinds.items()))
    print(f"crash harness: {harness.stats['kills']} kills survived ({kinds}); {harness.stats['checks']} state checks, "
          f"{harness.stats['acknowledged']} acknowledged writes plus every import batch checked, 0 lost; "
          f"seed {args.seed}; {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
