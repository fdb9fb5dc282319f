"""How often two labellers agree on the held-out (test) data.

    python benchmarks/agreement.py [--json]

The test files were labelled by their authors; a second labeller, who saw neither the
authors' labels nor the code, labelled the same items again (benchmarks/data/v2/agreement/).
Prints raw agreement and Cohen's kappa per label. quality.py can also score only the items
both labellers agree on (--agreed), which shows how much of the error is label noise.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "v2"

PAIRS = {
    "metrics": (["metrics/c.jsonl", "metrics/real.jsonl"], "agreement/metrics_l1.jsonl"),
    "turns": (["turns/c.jsonl"], "agreement/turns_l1.jsonl"),
    "questions": (["questions/e.jsonl", "questions/real.jsonl"], "agreement/questions_l2.jsonl"),
}


def _read(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["id"]: r for r in rows}


def kappa(a: list[Any], b: list[Any]) -> float:
    n = len(a)
    if not n:
        return 0.0
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    pe = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


def pairs(set_name: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    files, second = PAIRS[set_name]
    authors: dict[str, dict[str, Any]] = {}
    for f in files:
        authors.update(_read(DATA / f))
    other = _read(DATA / second)
    return [(authors[i], other[i]) for i in authors if i in other]


def agreed_ids(set_name: str) -> set[str]:
    """Items whose two labellings agree on every label the figures use."""
    out = set()
    for a, b in pairs(set_name):
        if set_name == "metrics":
            same = a["tier"] == b["tier"] and a["vanity"] == b["vanity"]
        elif set_name == "turns":
            same = a["pushback"] == b["pushback"]
        else:
            same = sorted(a["dims"]) == sorted(b["dims"])
        if same:
            out.add(a["id"])
    return out


def report() -> dict[str, Any]:
    out: dict[str, Any] = {}
    m = pairs("metrics")
    if m:
        out["metrics"] = {"items": len(m)}
        for key in ("role", "tier", "vanity"):
            xs, ys = [a[key] for a, _ in m], [b[key] for _, b in m]
            out["metrics"][key] = {"agreement": round(sum(x == y for x, y in zip(xs, ys, strict=True)) / len(m), 3),
                                   "kappa": round(kappa(xs, ys), 3)}
    t = pairs("turns")
    if t:
        xs, ys = [a["pushback"] for a, _ in t], [b["pushback"] for _, b in t]
        out["turns"] = {"items": len(t), "pushback": {
            "agreement": round(sum(x == y for x, y in zip(xs, ys, strict=True)) / len(t), 3), "kappa": round(kappa(xs, ys), 3)}}
    q = pairs("questions")
    if q:
        exact = sum(sorted(a["dims"]) == sorted(b["dims"]) for a, b in q) / len(q)
        overlap = sum(bool(set(a["dims"]) & set(b["dims"])) for a, b in q) / len(q)
        dims = sorted({d for a, b in q for d in a["dims"] + b["dims"]})
        per_dim = {}
        for d in dims:
            xs, ys = [d in a["dims"] for a, _ in q], [d in b["dims"] for _, b in q]
            per_dim[d] = round(kappa(xs, ys), 2)
        out["questions"] = {"items": len(q), "exact_set_agreement": round(exact, 3), "overlap_agreement": round(overlap, 3),
                            "mean_kappa_per_dimension": round(sum(per_dim.values()) / len(per_dim), 3),
                            "kappa_per_dimension": per_dim}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out = report()
    if args.json:
        print(json.dumps(out, indent=2))
        return
    for k, v in out.items():
        print(f"[{k}]")
        for kk, vv in v.items():
            print(f"  {kk:28} {vv}")


if __name__ == "__main__":
    main()
