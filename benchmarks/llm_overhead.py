"""Latency the LLM path adds over the model server's own response time.

    python benchmarks/llm_overhead.py [--delay-ms 50] [--sessions 6]

Runs the simulated candidates through the Coach twice, once with no LLM and once with a
real chat-completions server on 127.0.0.1 (tests/llm_server.py) that takes --delay-ms to
answer each request. Added latency per turn = (reply time with LLM) - (reply time without)
- (server time for the requests that turn made).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from llm_server import FakeLLM  # noqa: E402

from pmcoach.coach import Coach  # noqa: E402
from pmcoach.kb import load_bank  # noqa: E402
from pmcoach.llm import Assist  # noqa: E402
from pmcoach.llm.openai_compat import CompatOptions, OpenAICompatible  # noqa: E402
from pmcoach.store import Store  # noqa: E402

DATA = Path(__file__).parent.parent / "tests" / "data"


def run(coach: Coach, sessions: int, fake: FakeLLM | None, delay: float) -> list[float]:
    out = []
    for _i in range(sessions):
        turns = [t.strip() for t in (DATA / "strong_groups.txt").read_text().split("\n---\n") if t.strip()]
        st = coach.start("Facebook Groups")
        for t in turns:
            _, iv, _ = coach.interview(st.session_id)
            if iv.finished:
                break
            before = len(fake.requests) if fake else 0
            t0 = time.perf_counter()
            coach.say(st.session_id, t)
            took = (time.perf_counter() - t0) * 1000
            made = (len(fake.requests) - before) if fake else 0
            out.append(took - made * delay * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--delay-ms", type=float, default=50)
    ap.add_argument("--sessions", type=int, default=6)
    args = ap.parse_args()
    bank = load_bank(include_user=False)
    tmp = Path(tempfile.mkdtemp(prefix="pmcoach-llm-"))
    base = run(Coach(Store(tmp / "a.sqlite"), bank), args.sessions, None, 0)
    with FakeLLM(delay=args.delay_ms / 1000) as fake:
        backend = OpenAICompatible(CompatOptions(base_url=fake.url, model="bench"))
        with_llm = run(Coach(Store(tmp / "b.sqlite"), bank, assist=Assist(backend)), args.sessions, fake, args.delay_ms / 1000)
    added = statistics.median(with_llm) - statistics.median(base)
    print(f"turns: {len(base)}; server delay {args.delay_ms:.0f} ms per request")
    print(f"reply without LLM: median {statistics.median(base):.1f} ms")
    print(f"reply with LLM, server time removed: median {statistics.median(with_llm):.1f} ms")
    print(f"added by the LLM path (HTTP, JSON, guards): median {added:.1f} ms")


if __name__ == "__main__":
    main()
