"""Check a labelled data file against benchmarks/data/LABELLING.md.

    python benchmarks/data/validate_data.py FILE [FILE ...]

Prints one line per problem and a summary; exits 1 when a file has problems.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

DIMS = {
    "definition", "time_period", "trend", "seasonality", "geography", "data_quality", "platform", "app_version",
    "industry", "competitor", "environment", "marketing", "tech_change", "segment", "channel", "funnel_step",
    "related_metrics", "user_feedback", "other",
}
STYLES = {"pm", "plain", "terse", "adversarial", "real"}
SCEN = Path(__file__).resolve().parents[2] / "src" / "pmcoach" / "data" / "scenarios"


def _bank() -> tuple[set[str], set[str], dict[str, set[str]]]:
    import yaml

    ids, cases, metrics = set(), set(), {}
    for f in SCEN.glob("*.yaml"):
        d = yaml.safe_load(f.read_text(encoding="utf-8"))
        ids.add(d["id"])
        cases |= {c["id"] for c in d.get("tradeoffs", []) + d.get("troubleshooting", [])}
        metrics[d["id"]] = {m["id"] for m in d.get("metrics", [])}
    return ids, cases, metrics


def check(path: Path) -> list[str]:
    kind = path.parent.name
    ids, cases, metrics = _bank()
    problems: list[str] = []
    seen: set[str] = set()
    styles: Counter[str] = Counter()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"{where}: not JSON ({e})")
            continue
        for f in ("id", "family", "style", "source", "product", "text"):
            if f not in r:
                problems.append(f"{where}: missing {f}")
        if r.get("id") in seen:
            problems.append(f"{where}: duplicate id {r.get('id')}")
        seen.add(r.get("id"))
        if r.get("style") not in STYLES:
            problems.append(f"{where}: style {r.get('style')!r} not in {sorted(STYLES)}")
        styles[r.get("style")] += 1
        if r.get("product") is not None and r.get("product") not in ids:
            problems.append(f"{where}: unknown product {r.get('product')!r}")
        if r.get("case") is not None and r.get("case") not in cases:
            problems.append(f"{where}: unknown case {r.get('case')!r}")
        if kind == "metrics":
            if r.get("metric") not in r.get("text", ""):
                problems.append(f"{where}: metric span is not an exact substring of text")
            if r.get("role") not in {"success", "guardrail", "rejected", "segment", "restatement", "context"}:
                problems.append(f"{where}: bad role {r.get('role')!r}")
            if r.get("tier") not in {"north_star", "input", "guardrail", "unclassified"}:
                problems.append(f"{where}: bad tier {r.get('tier')!r}")
            if not isinstance(r.get("vanity"), bool):
                problems.append(f"{where}: vanity must be true or false")
            if r.get("vanity") and r.get("role") != "success":
                problems.append(f"{where}: vanity is true only for role success")
            if r.get("role") == "guardrail" and r.get("tier") != "guardrail":
                problems.append(f"{where}: role guardrail needs tier guardrail")
            if r.get("role") in {"rejected", "segment", "restatement", "context"} and r.get("tier") != "unclassified":
                problems.append(f"{where}: role {r.get('role')} needs tier unclassified")
        elif kind == "questions":
            dims = r.get("dims")
            if not isinstance(dims, list) or not dims or set(dims) - DIMS:
                problems.append(f"{where}: dims must be a non-empty list of known dimensions")
            elif "other" in dims and len(dims) > 1:
                problems.append(f"{where}: 'other' cannot go with another dimension")
        elif kind == "answers":
            if r.get("label") not in {"strong", "medium", "weak"}:
                problems.append(f"{where}: label must be strong, medium or weak")
            if r.get("mode") not in {"answer", "tradeoff"}:
                problems.append(f"{where}: mode must be answer or tradeoff")
            if r.get("mode") == "tradeoff" and r.get("case") is None:
                problems.append(f"{where}: a tradeoff answer needs its case id")
        elif kind == "turns":
            if r.get("stage") not in {"rationale", "segments", "objectives", "metrics"}:
                problems.append(f"{where}: bad stage {r.get('stage')!r}")
            if not isinstance(r.get("pushback"), bool):
                problems.append(f"{where}: pushback must be true or false")
        elif kind == "paraphrases":
            if r.get("catalog_id") not in metrics.get(r.get("product"), set()):
                problems.append(f"{where}: catalog_id {r.get('catalog_id')!r} is not a metric of {r.get('product')!r}")
            if r.get("metric") not in r.get("text", ""):
                problems.append(f"{where}: metric span is not an exact substring of text")
    print(f"{path}: {len(seen)} items, styles {dict(styles)}, {len(problems)} problems")
    return problems


def main() -> None:
    bad = False
    for a in sys.argv[1:]:
        ps = check(Path(a))
        for p in ps[:50]:
            print("  " + p)
        bad |= bool(ps)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
