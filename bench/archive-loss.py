#!/usr/bin/env python3
"""Continuous archiving's loss window under a steady write load (issue 20).

A writer process commits one durable `store put` at a steady rate while `softadastra archive`
runs beside it. For every write, the time from its acknowledgement (the put exiting 0) to the
moment the archiver reported the file holding it stored (its JSON line) is how long that write
was exposed: lose the machine within that time and the write is gone; after it, a restore has it.
The table gives that window's median, 99th percentile and maximum, for a directory and for rclone
over WebDAV on loopback, at two intervals, with the archiver's CPU time per second of running.

  python3 bench/archive-loss.py [--seconds 30] [--rate 20] [--smoke]
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build/release/softadastra")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def webdav_server(root):
    server = subprocess.Popen(
        ["rclone", "serve", "webdav", root, "--addr", "127.0.0.1:0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in server.stderr:
        match = re.search(r"started on http://127\.0\.0\.1:([0-9]+)", line)
        if match:
            threading.Thread(target=server.stderr.read, daemon=True).start()
            return server, match.group(1)
    raise SystemExit("rclone serve webdav did not start")


def run(carrier, interval, seconds, rate):
    work = tempfile.mkdtemp(prefix="archive-loss-")
    env = dict(os.environ)
    server = None
    try:
        if carrier == "directory":
            os.mkdir(os.path.join(work, "arch"))
            destination = ["--dir", "arch"]
        else:
            os.mkdir(os.path.join(work, "dav"))
            server, port = webdav_server(os.path.join(work, "dav"))
            env.update(RCLONE_CONFIG="/dev/null", RCLONE_CONFIG_DAV_TYPE="webdav",
                       RCLONE_CONFIG_DAV_URL=f"http://127.0.0.1:{port}", RCLONE_CONFIG_DAV_VENDOR="other")
            destination = ["--archive-command", "rclone rcat dav:arch/%f"]
        subprocess.run([BIN, "store", "put", "first", "write"], cwd=work, check=True, stdout=subprocess.DEVNULL)
        archiver = subprocess.Popen(
            [BIN, "archive", *destination, "--interval", str(interval), "--json"], cwd=work, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        stored = []  # (time, last LSN)

        def read():
            for line in archiver.stdout:
                stored.append((time.time(), json.loads(line)["last_lsn"]))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        started = time.time()
        acks = []  # (time, LSN)
        count = int(seconds * rate)
        for index in range(count):
            due = started + index / rate
            pause = due - time.time()
            if pause > 0:
                time.sleep(pause)
            out = subprocess.run([BIN, "store", "put", f"k{index}", f"value {index}", "--json"], cwd=work,
                                 check=True, capture_output=True, text=True).stdout
            acks.append((time.time(), json.loads(out)["lsn"]))
        last = acks[-1][1]
        deadline = time.time() + 60
        while not any(lsn >= last for _, lsn in stored) and time.time() < deadline:
            time.sleep(0.01)
        cpu = cpu_seconds(archiver.pid)
        running = time.time() - started
        archiver.send_signal(signal.SIGTERM)
        archiver.wait(timeout=60)
        reader.join(timeout=5)
        windows = []
        for acked, lsn in acks:
            shipped = next((moment for moment, end in stored if end >= lsn and moment >= acked - 1), None)
            if shipped is None:
                raise SystemExit(f"LSN {lsn} was never reported stored")
            windows.append(max(0.0, shipped - acked))
        return {
            "writes": len(acks), "files": len(stored), "p50": percentile(windows, 0.5),
            "p99": percentile(windows, 0.99), "max": max(windows), "cpu": cpu / running,
        }
    finally:
        if server:
            server.terminate()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rate", type=float, default=20, help="writes per second")
    parser.add_argument("--smoke", action="store_true", help="a few seconds each: checks the harness")
    options = parser.parse_args()
    seconds = 3 if options.smoke else options.seconds
    carriers = ["directory"] + (["rclone over WebDAV"] if shutil.which("rclone") else [])
    print(f"{options.rate:g} durable writes per second for {seconds:g} s; the window is from a write's "
          "acknowledgement to the archiver's report that the file holding it is stored.")
    print()
    print("| carrier | --interval | writes | files stored | window p50 | p99 | max | archiver CPU |")
    print("|---|---|---|---|---|---|---|---|")
    for carrier in carriers:
        for interval in (1.0, 0.2):
            result = run(carrier, interval, seconds, options.rate)
            print(f"| {carrier} | {interval:g} s | {result['writes']} | {result['files']} | "
                  f"{result['p50']:.2f} s | {result['p99']:.2f} s | {result['max']:.2f} s | "
                  f"{100 * result['cpu']:.1f}% |", flush=True)


if __name__ == "__main__":
    main()
