"""Median wall time of pmcoach commands from a cold process.

    python benchmarks/cold_start.py [--runs 15]

"Cold" means a new Python process each run; the scenario cache in PMCOACH_HOME is warmed
by one untimed run first, as it is after a user's first command.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS = [
    ["--help"],
    ["answer", "Facebook Groups"],
    ["answer", "Facebook Groups", "--format", "json"],
    ["scenarios", "--json"],
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    exe = shutil.which("pmcoach") or os.path.join(os.path.dirname(sys.executable), "pmcoach")
    home = tempfile.mkdtemp(prefix="pmcoach-bench-")
    env = {**os.environ, "PMCOACH_HOME": home}
    print(f"{'command':45} {'median ms':>10} {'p90 ms':>8}  (runs={args.runs})")
    for cmd in COMMANDS:
        subprocess.run([exe, *cmd], env=env, capture_output=True, check=True)  # warm the cache
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            subprocess.run([exe, *cmd], env=env, capture_output=True, check=True)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        p90 = times[int(0.9 * (len(times) - 1))]
        print(f"{'pmcoach ' + ' '.join(cmd):45} {statistics.median(times):10.1f} {p90:8.1f}")
    # and with an empty cache (the very first command after install)
    times = []
    for _ in range(max(3, args.runs // 3)):
        shutil.rmtree(os.path.join(home, "cache"), ignore_errors=True)
        t = time.perf_counter()
        subprocess.run([exe, "answer", "Facebook Groups"], env=env, capture_output=True, check=True)
        times.append((time.perf_counter() - t) * 1000)
    print(f"{'pmcoach answer (empty cache)':45} {statistics.median(times):10.1f}")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
