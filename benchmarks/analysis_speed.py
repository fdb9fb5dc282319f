"""In-process speed of the analysis engine on a 1,000-word answer.

    python benchmarks/analysis_speed.py [--runs 200]

Prints the median and p95 of analyse() on a 1,000-word answer for Facebook Groups ("warm":
the model files are loaded; "fresh": every run's text differs, so no cache holds its words),
and of classify() on one diagnostic question (the contextual model on each new question).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from pmcoach.analysis import analyse, classify
from pmcoach.kb import load_bank

PARAGRAPH = """Facebook Groups exists to help people build community, which is Meta's mission. For members it
answers questions the friend graph cannot; for Meta it keeps Facebook relevant. The threat is Reddit and Discord.
Segments: members, contributors, admins. Goals: 1. meaningful participation 2. admin health, prioritized because
participation is the mission. North star: % of weekly active group members who post or comment and get a reply within
48 hours. Secondary: posts answered within 24 hours, admin 4-week retention. Guardrails: prevalence of violating
content, notification opt-out rate, crash rate. Rather than DAU, which is vanity, I'd A/B test with a holdout.
"""


def words_of(n: int) -> str:
    out: list[str] = []
    while len(" ".join(out).split()) < n:
        out.append(PARAGRAPH)
    return " ".join(" ".join(out).split()[:n])


def timed(fn: Callable[[str], object], inputs: list[str]) -> str:
    """Run ``fn`` on each input; the median and p95 in milliseconds, as text."""
    ms = []
    for x in inputs:
        t = time.perf_counter()
        fn(x)
        ms.append((time.perf_counter() - t) * 1000)
    ms.sort()
    return f"median {statistics.median(ms):.2f} ms, p95 {ms[int(0.95 * (len(ms) - 1))]:.2f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    scen = load_bank(include_user=False).find("facebook-groups")
    text = words_of(1000)
    analyse(text, scen)  # warm caches (compiled patterns, catalog)

    def run(t: str) -> object:
        return analyse(t, scen)

    print(f"analyse() on 1,000 words, same text: {timed(run, [text] * args.runs)} (runs={args.runs})")
    fresh = [text.replace("48 hours", f"{i + 49} hours").replace("Reddit", f"Reddit{i}") for i in range(args.runs)]
    print(f"analyse() on 1,000 words, fresh text: {timed(run, fresh)}")
    questions = [f"Was it only iOS users in Brazil after release {i}?" for i in range(args.runs)]
    print(f"classify() one new question: {timed(classify, questions)}")


if __name__ == "__main__":
    main()
