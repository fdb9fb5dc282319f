"""Median wall time of pmcoach commands, and of the first interview reply, from a cold process.

    python benchmarks/cold_start.py [--runs 15] [--scale 120]

"Cold" means a new Python process each run; the scenario cache in PMCOACH_HOME is warmed
by one untimed run first, as it is after a user's first command. ``--scale N`` adds N renamed
copies of the built-in scenarios to the user's scenario folder, so the figures show how the
commands hold up when the bank is several times larger (the index still lists every file).

"interviewer opening" is a new process that opens the store and starts an interview on Facebook
Groups (what 'pmcoach practice' does before the first question shows); "first reply to a turn"
also stores one candidate turn and computes the interviewer's reply to it (the analysis models
load then), each timed until the process has printed it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = [
    ["--help"],
    ["answer", "Facebook Groups"],
    ["answer", "Facebook Groups", "--format", "json"],
    ["scenarios", "--json"],
]

OPENING = """
from pmcoach.cli import _coach
c = _coach()
print(c.start("Facebook Groups").replies[0].text[:40], flush=True)
"""

FIRST_REPLY = """
from pmcoach.cli import _coach
c = _coach()
sid = c.start("Facebook Groups").session_id
r = c.say(sid, "Groups exists so people who share an interest or a place can find each other and act together.")
print(r.kind, flush=True)
"""


def scale_bank(home: Path, copies: int) -> int:
    """Write ``copies`` renamed copies of the built-in scenarios into the user's folder."""
    from pmcoach import paths

    src = sorted(p for p in paths.BUILTIN_SCENARIOS.glob("*.yaml") if not p.name.endswith(".reviews.yaml"))
    out = home / "scenarios"
    out.mkdir(parents=True, exist_ok=True)
    for k in range(copies):
        p = src[k % len(src)]
        n = k // len(src) + 1
        text = p.read_text(encoding="utf-8")
        sid = re.search(r"^id: (\S+)", text, re.M).group(1)  # type: ignore[union-attr]
        text = re.sub(r"^id: (\S+)", f"id: {sid}-copy{n}", text, count=1, flags=re.M)
        text = re.sub(r"^product: (.+)$", rf"product: \1 copy {n}", text, count=1, flags=re.M)
        text = re.sub(r"^aliases: .*$", "aliases: []", text, count=1, flags=re.M)
        # case ids (and their former ids) must stay unique across the bank
        text = re.sub(r"^(  - id: )(\S+)", rf"\1\2-c{n}", text, flags=re.M)
        text = re.sub(r"^(    aliases: \[)([^\]]*)\]",
                      lambda m, n=n: m.group(1) + ", ".join(f"{a.strip()}-c{n}" for a in m.group(2).split(",")
                                                            if a.strip()) + "]",
                      text, flags=re.M)
        (out / f"{sid}-copy{n}.yaml").write_text(text, encoding="utf-8")
        spoken = p.with_name(p.stem + ".spoken.md")
        if spoken.exists():
            shutil.copy(spoken, out / f"{sid}-copy{n}.spoken.md")
    return copies


def timed(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    subprocess.run(argv, env=env, capture_output=True, check=True)  # warm the cache
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.9 * (len(times) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--scale", type=int, default=0, metavar="N",
                    help="add N renamed copies of the built-in scenarios to the bank first")
    args = ap.parse_args()
    exe = shutil.which("pmcoach") or os.path.join(os.path.dirname(sys.executable), "pmcoach")
    home = Path(tempfile.mkdtemp(prefix="pmcoach-bench-"))
    env = {**os.environ, "PMCOACH_HOME": str(home)}
    if args.scale:
        scale_bank(home, args.scale)
    listing = subprocess.run([exe, "scenarios", "--json"], env=env, capture_output=True, text=True, check=True)
    print(f"bank: {len(json.loads(listing.stdout))} scenarios; runs={args.runs}")
    print(f"{'command':45} {'median ms':>10} {'p90 ms':>8}")
    for cmd in COMMANDS:
        med, p90 = timed([exe, *cmd], env, args.runs)
        print(f"{'pmcoach ' + ' '.join(cmd):45} {med:10.1f} {p90:8.1f}")
    med, p90 = timed([sys.executable, "-c", OPENING], env, args.runs)
    print(f"{'interviewer opening (new process)':45} {med:10.1f} {p90:8.1f}")
    med, p90 = timed([sys.executable, "-c", FIRST_REPLY], env, args.runs)
    print(f"{'first reply to a turn (new process)':45} {med:10.1f} {p90:8.1f}")
    # and with an empty cache (the very first command after install)
    times = []
    for _ in range(max(3, args.runs // 3)):
        shutil.rmtree(home / "cache", ignore_errors=True)
        t = time.perf_counter()
        subprocess.run([exe, "answer", "Facebook Groups"], env=env, capture_output=True, check=True)
        times.append((time.perf_counter() - t) * 1000)
    print(f"{'pmcoach answer (empty cache)':45} {statistics.median(times):10.1f}")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
