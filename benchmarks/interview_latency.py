"""Interviewer reply latency with no LLM, and the memory of a running session.

    python benchmarks/interview_latency.py [--sessions 20]

Replays the simulated candidates in tests/data through the real Coach (SQLite store on
disk, each turn committed before the reply) and prints p50/p95/max of the time from
receiving a candidate turn to having the stored reply, plus the engine alone. Every session's
turns are made unique (an invisible mark), so no analysis or model vector is reused from an
earlier session: each reply pays for its own reading, the contextual model included.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from pmcoach.coach import Coach
from pmcoach.engine import Config, Interview
from pmcoach.kb import load_bank
from pmcoach.store import Store

DATA = Path(__file__).parent.parent / "tests" / "data"
SCRIPTS = [("Facebook Groups", None, "strong_groups.txt"), ("Facebook Groups", None, "vanity_groups.txt"),
           (None, "groups-ts-1", "wanderer_troubleshooting.txt")]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sessions", type=int, default=20)
    args = ap.parse_args()
    bank = load_bank(include_user=False)
    tmp = Path(tempfile.mkdtemp(prefix="pmcoach-lat-"))
    coach = Coach(Store(tmp / "db.sqlite"), bank)
    full: list[float] = []
    engine: list[float] = []
    for i in range(args.sessions):
        product, followup, name = SCRIPTS[i % len(SCRIPTS)]
        turns = [t.strip() for t in (DATA / name).read_text().split("\n---\n") if t.strip()]
        st = coach.start(product, followup)
        scen = st.scenario
        iv = Interview(scen, Config.from_json(coach.store.session(st.session_id).config))
        iv.opening()
        for t in turns:
            if iv.finished:
                break
            t0 = time.perf_counter()
            iv.respond(t + "\u200b" * (2 * i + 1))
            engine.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            coach.say(st.session_id, t + "\u200b" * (2 * i + 2))
            full.append((time.perf_counter() - t0) * 1000)
    print(f"turns measured: {len(full)} over {args.sessions} sessions")
    print(f"reply incl. store (SQLite, fsync): p50 {statistics.median(full):.1f} ms, p95 {pct(full, 0.95):.1f} ms, "
          f"max {max(full):.1f} ms")
    print(f"engine alone:                      p50 {statistics.median(engine):.1f} ms, p95 {pct(engine, 0.95):.1f} ms")
    # memory of one running session (its interviewer, the store's cache and the analysis
    # memo), measured fresh: the memo is emptied first so the session pays for its own reports
    from pmcoach import engine

    engine._MEMO.clear()
    tracemalloc.start()
    fresh = Coach(Store(tmp / "mem.sqlite"), bank)
    st = fresh.start("Facebook Groups")
    for t in (DATA / "strong_groups.txt").read_text().split("\n---\n")[:6]:
        fresh.say(st.session_id, t)
    cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"one running session: {cur / 1e6:.1f} MB traced now, {peak / 1e6:.1f} MB traced peak; process max RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
