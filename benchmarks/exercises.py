"""How well the parts of launch, experiment and prioritization answers are read.

    python benchmarks/exercises.py [--set ea|eb] [--prototypes [--encoder static|contextual] [--sweep]]

The sets are candidate answers written by two authors who never read pmcoach's code or
bank (benchmarks/data/v2/exercises/, LABELLING.md): ``ea`` fits the shipped heads
(scripts/train_models.py), ``eb`` is the held-out test and is only reported. ``--prototypes``
measures the fallback without heads (nearest prototype; ``--sweep`` fits its threshold on ea). Each sentence is
labelled with the parts it covers; an answer covers the union of its sentences' parts,
which is what the interviewer's probes and the feedback use.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "src"))

from pmcoach.analysis import exercise  # noqa: E402


def load(name: str) -> list[dict]:
    path = ROOT / "data" / "v2" / "exercises" / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(rows: list[dict], threshold: float, margin: float, encoder: str, heads: bool = True) -> dict:
    lex = exercise.lexicon()
    old = lex.get("encoder")
    lex["encoder"] = encoder
    try:
        by_kind: dict[str, list[dict]] = defaultdict(list)
        for r in rows:
            by_kind[r["kind"]].append(r)
        tp = fp = fn = 0
        exact = 0
        ans_true: dict[str, set[str]] = defaultdict(set)
        ans_pred: dict[str, set[str]] = defaultdict(set)
        ans_kind: dict[str, str] = {}
        per_area: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
        for kind, rs in by_kind.items():
            got = exercise.label_sentences(kind, [r["text"] for r in rs], None, threshold, margin, heads)
            for r, g in zip(rs, got, strict=True):
                truth = {a for a in r["areas"] if a != "none"}
                pred = set(g)
                exact += truth == pred
                tp += len(truth & pred)
                fp += len(pred - truth)
                fn += len(truth - pred)
                for a in truth | pred:
                    per_area[f"{kind}.{a}"][0] += a in truth and a in pred
                    per_area[f"{kind}.{a}"][1] += a in pred and a not in truth
                    per_area[f"{kind}.{a}"][2] += a in truth and a not in pred
                ans_true[r["answer"]] |= truth
                ans_pred[r["answer"]] |= pred
                ans_kind[r["answer"]] = kind
    finally:
        lex["encoder"] = old
    f1 = 2 * tp / max(1, 2 * tp + fp + fn)
    # answer level: for each (answer, part), is "covered" read right?
    right = total = 0
    for a, kind in ans_kind.items():
        for part in exercise.parts(kind):
            total += 1
            right += (part in ans_true[a]) == (part in ans_pred[a])
    return {"sentences": len(rows), "micro_f1": round(f1, 3), "exact": round(exact / max(1, len(rows)), 3),
            "answers": len(ans_kind), "part_accuracy": round(right / max(1, total), 3),
            "weakest": sorted(((k, round(2 * v[0] / max(1, 2 * v[0] + v[1] + v[2]), 2)) for k, v in per_area.items()),
                              key=lambda x: x[1])[:5]}


def latency(rows: list[dict]) -> None:
    """Each answer, joined, is sent as one turn to a bank case of its kind (a fresh interview
    each time, so nothing is cached but the models); prints the reply-time median and p95."""
    import statistics
    import time

    from pmcoach.engine import Config, Interview
    from pmcoach.kb import load_bank
    from pmcoach.models import case_kind

    bank = load_bank(include_user=False)
    cases = {}
    for s in bank.scenarios.values():
        for c in s.all_cases():
            cases.setdefault(case_kind(c), []).append((s, c))
    answers: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        answers[r["answer"]].append(r)
    times = []
    for i, (_, rs) in enumerate(sorted(answers.items())):
        s, c = cases[rs[0]["kind"]][i % len(cases[rs[0]["kind"]])]
        iv = Interview(s, Config(s.id, [c.id], start=c.id))
        iv.opening()
        text = " ".join(r["text"] for r in rs)
        t0 = time.perf_counter()
        iv.respond(text)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(f"{len(times)} answers as turns: reply p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, "
          f"max {times[-1]:.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default="eb", choices=["ea", "eb"])
    ap.add_argument("--encoder", default=None, choices=["static", "contextual"])
    ap.add_argument("--sweep", action="store_true", help="threshold sweep (on ea only)")
    ap.add_argument("--prototypes", action="store_true", help="the fallback: nearest prototype, no heads")
    ap.add_argument("--latency", action="store_true",
                    help="interviewer reply time when each answer of the set is one turn of a bank case")
    args = ap.parse_args()
    if args.latency:
        latency(load(args.set))
        return
    encoder = args.encoder or str(exercise.lexicon().get("encoder", "static"))
    if args.sweep:
        rows = load("ea")
        for t in [x / 100 for x in range(40, 86, 5)]:
            for m in (0.0, 0.03, 0.06):
                r = evaluate(rows, t, m, encoder, heads=False)
                print(f"threshold {t:.2f} margin {m:.2f}: micro_f1 {r['micro_f1']}  exact {r['exact']}  "
                      f"part_accuracy {r['part_accuracy']}")
        return
    r = evaluate(load(args.set), exercise.THRESHOLD, exercise.MARGIN, encoder, heads=not args.prototypes)
    how = (f"nearest prototype, encoder {encoder}, threshold {exercise.THRESHOLD}, margin {exercise.MARGIN}"
           if args.prototypes else f"trained heads, probability >= {exercise.PROBABILITY}")
    print(f"set {args.set} ({'fit' if args.set == 'ea' else 'held out'}): {how}")
    for k, v in r.items():
        print(f"  {k:14} {v}")


if __name__ == "__main__":
    main()
