#!/usr/bin/env python3
"""Runs shell commands in turn, N rounds, and prints each one's minimum and median wall time.

usage: scripts/ab.py [--pause S] N "command A" "command B" [...]

Taking the commands in turn spreads this VM's slow minutes over all of them, so differences
of a few percent that a best-of-5 of each in a row would hide show in the medians
(BENCHMARKS.md). Output goes to /dev/null; "cpu" is the median user + system time.

--pause S waits S seconds before each run: long enough (2-3 s) for the kernel to hand the
memory freed by the previous run back to the host, so that each run starts cold, as a
one-off run does (BENCHMARKS.md, "Fresh memory").
"""
import os
import statistics
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 3 or (sys.argv[1] == "--pause" and len(sys.argv) < 5):
        sys.exit(__doc__)
    args = sys.argv[1:]
    pause = 0.0
    if args[:1] == ["--pause"] and len(args) > 3:
        pause, args = float(args[1]), args[2:]
    rounds, commands = int(args[0]), args[1:]
    walls = {c: [] for c in commands}
    cpus = {c: [] for c in commands}
    for _ in range(rounds):
        for c in commands:
            time.sleep(pause)
            before, started = os.times(), time.perf_counter()
            subprocess.run(c, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            wall, after = time.perf_counter() - started, os.times()
            walls[c].append(wall * 1000)
            cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
            cpus[c].append(cpu * 1000)
    for c in commands:
        w = sorted(walls[c])
        print(f"min {w[0]:7.1f} ms  median {statistics.median(w):7.1f} ms  cpu {statistics.median(cpus[c]):6.0f} ms  {c}")


if __name__ == "__main__":
    main()
