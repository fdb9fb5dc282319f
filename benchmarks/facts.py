"""How well the interviewer answers diagnostic questions from a case's atomic facts.

    python benchmarks/facts.py [--set blind|dev|test|train] [--show-errors N] [--json]

For each labelled question, the facts the interviewer would give (``analysis.facts.retrieve``
over the question's own case) are compared with the dimensions the question's author meant:

- own: at least one fact given is of a dimension the question asks about (target >= 0.90);
- other: a fact of a dimension it does not ask about was given (target <= 0.05);
- none: nothing was given.

Sets: ``blind`` is benchmarks/data/v2/blind/questions.yaml, one question per dimension per
case written from the case prompts alone, without reading any fact sheet (the case keys were
mapped to case ids afterwards, in cases.yaml). ``dev``/``test``/``train`` are the diagnostic
question splits of benchmarks/quality.py, each asked of the case it was written for.

It also reports, per case, whether a decisive fact is reached by the blind questions.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from quality import bank, load  # noqa: E402

from pmcoach.analysis.facts import retrieve  # noqa: E402
from pmcoach.models import TroubleshootingCase  # noqa: E402

BLIND = Path(__file__).parent / "data" / "v2" / "blind"


def blind_rows() -> list[dict[str, Any]]:
    qs = yaml.safe_load((BLIND / "questions.yaml").read_text(encoding="utf-8"))["cases"]
    ids = yaml.safe_load((BLIND / "cases.yaml").read_text(encoding="utf-8"))["cases"]
    return [{"case": ids[key], "dims": [dim], "text": text, "style": "blind"}
            for key, by_dim in qs.items() for dim, text in by_dim.items()]


def rows_for(set_name: str) -> list[dict[str, Any]]:
    if set_name == "blind":
        return blind_rows()
    return [r for r in load("questions", set_name) if r.get("case") and r["dims"] != ["other"]]


def case_of(case_id: str) -> TroubleshootingCase | None:
    try:
        _, case = bank().case(case_id)
    except Exception:
        return None
    return case if isinstance(case, TroubleshootingCase) else None


def run(rows: list[dict[str, Any]]) -> dict[str, Any]:
    own = other = none = n = 0
    errors: list[dict[str, Any]] = []
    decisive: dict[str, bool] = {}
    by_style: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        case = case_of(r["case"])
        if case is None:
            continue
        got = retrieve(case.fact_rows(), r["text"])
        dims = {h.dimension for h in got.hits}
        want = set(r["dims"])
        n += 1
        is_own = bool(dims & want)
        is_other = bool(dims - want)
        own += is_own
        other += is_other
        none += not got.hits
        st = by_style[r.get("style", "team")]
        st[0] += 1
        st[1] += is_own
        st[2] += is_other
        keys = {k for k, _, _ in case.fact_rows() if case.fact(k) is not None and case.fact(k).decisive}  # type: ignore[union-attr]
        if not keys:
            keys = {k for k, d, _ in case.fact_rows() if d == case.root_cause_dimension}
        decisive.setdefault(case.id, False)
        if any(h.key in keys for h in got.hits):
            decisive[case.id] = True
        if not is_own or is_other:
            errors.append({"case": case.id, "text": r["text"], "want": sorted(want), "read": got.dimensions,
                           "given": [f"{h.dimension}: {h.text}" for h in got.hits]})
    return {
        "questions": n,
        "own": own / n if n else 0.0,
        "other": other / n if n else 0.0,
        "none": none / n if n else 0.0,
        "by_style": {k: {"n": v[0], "own": v[1] / v[0], "other": v[2] / v[0]} for k, v in sorted(by_style.items())},
        "decisive_reached": sum(decisive.values()),
        "cases": len(decisive),
        "decisive_missed": sorted(k for k, v in decisive.items() if not v),
        "errors": errors,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default="blind", choices=["blind", "dev", "test", "train"])
    ap.add_argument("--show-errors", type=int, default=0, metavar="N")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    res = run(rows_for(a.set))
    if a.set in ("test", "blind"):
        res["errors"] = []  # held out: for reporting only
    if a.json:
        print(json.dumps(res, indent=1))
        return
    print(f"set {a.set}: {res['questions']} questions")
    print(f"  own dimension's fact given   {res['own']:.3f}   (target >= 0.90)")
    print(f"  other dimension's fact given {res['other']:.3f}   (target <= 0.05)")
    print(f"  nothing given                {res['none']:.3f}")
    for style, v in res["by_style"].items():
        print(f"    {style:<12} n={v['n']:<4} own {v['own']:.3f}  other {v['other']:.3f}")
    print(f"  cases whose decisive fact these questions reach: {res['decisive_reached']}/{res['cases']}"
          + (f" (missed: {', '.join(res['decisive_missed'])})" if res["decisive_missed"] else ""))
    for e in res["errors"][: a.show_errors]:
        print(f"- [{e['case']}] {e['text']}\n    want {e['want']} read {e['read']} gave {e['given']}")


if __name__ == "__main__":
    main()
