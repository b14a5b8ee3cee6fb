"""Shared by the benchmark scripts: hyperfine runs and Markdown ratio tables."""
import json, os, shutil, statistics, subprocess, sys


def require(*tools):
    """Exits with an install hint when a tool is missing."""
    packages = {"ldb": "rocksdb-tools"}
    for tool in tools:
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} is missing: apt-get install -y {packages.get(tool, tool)}")


def hyperfine(commands, runs, workdir, warmup=1):
    """Median seconds of each command, run back to back by hyperfine (no shell, output discarded)."""
    out = os.path.join(workdir, "hyperfine.json")
    subprocess.run(["hyperfine", "-N", "--warmup", str(warmup), "-r", str(runs), "--output=null",
                    "--export-json", out, *commands],
                   cwd=workdir, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(out) as f:
        return [statistics.median(r["times"]) for r in json.load(f)["results"]]


def interleaved(pairs, rounds, runs, workdir, warmup=1):
    """For each named (ours, theirs) pair: medians over rounds, each round running both (A B A B)."""
    results = {name: ([], []) for name in pairs}
    for _ in range(rounds):
        for name, commands in pairs.items():
            a, b = hyperfine(list(commands), runs, workdir, warmup)
            results[name][0].append(a)
            results[name][1].append(b)
    return {name: (statistics.median(a), statistics.median(b)) for name, (a, b) in results.items()}


def write_records(workdir, count):
    """The benchmark data: `count` records, 16-byte keys and 100-byte values, as data.tsv (for
    softadastra and sqlite3) and data.ldb (for `ldb load`)."""
    with open(os.path.join(workdir, "data.tsv"), "w") as tsv, open(os.path.join(workdir, "data.ldb"), "w") as ldb:
        for i in range(count):
            key, value = "key-%012d" % i, ("value-%d-" % i).ljust(100, "x")
            tsv.write(f"{key}\t{value}\n")
            ldb.write(f"{key} ==> {value}\n")
