"""Quality of the analysis engine on the team's labelled data sets.

    python benchmarks/quality.py [--split test|dev] [--show-errors N]

Data (benchmarks/data/):
- metric_mentions.jsonl: snippets with ONE labelled metric mention (tier, vanity).
- diagnostic_questions.jsonl: troubleshooting questions labelled with dimensions.
- diagnostic_questions_train.jsonl, diagnostic_questions_dev2.jsonl: two more sets, each
  written independently by another author, all dev.
- answers.jsonl: whole answers labelled strong / medium / weak.

Each item of the first, second and fourth files is put in dev or test by a hash of its
text (or id), so the split never changes; rules are tuned on dev and reported on test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from pmcoach.analysis import analyse, classify
from pmcoach.analysis.metrics import find_mentions
from pmcoach.analysis.text import units, usable
from pmcoach.kb import load_bank

DATA = Path(__file__).parent / "data"


def split_of(key: str) -> str:
    return "dev" if int(hashlib.sha1(key.encode()).hexdigest(), 16) % 2 == 0 else "test"


def load(name: str) -> list[dict[str, Any]]:
    path = DATA / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def metric_quality(split: str, show: int) -> dict[str, Any]:
    rows = [r for r in load("metric_mentions.jsonl") if split_of(r["text"]) == split]
    if not rows:
        return {}
    bank = load_bank(include_user=False)
    tp = fp = fn = tn = 0
    tier_ok = found = 0
    errors = []
    for r in rows:
        scen = bank.scenarios.get(r["product"]) if r.get("product") else None
        text, _ = usable(r["text"])
        mentions = find_mentions(text, units(text), scen)
        a = r["text"].find(r["metric"])
        b = a + len(r["metric"])
        hit = next((m for m in mentions if m.start < b and a < m.end), None)
        vanity = hit.vanity if hit else False
        tier = hit.tier if hit else "unclassified"
        found += hit is not None
        if r["vanity"] and vanity:
            tp += 1
        elif vanity and not r["vanity"]:
            fp += 1
        elif r["vanity"] and not vanity:
            fn += 1
        else:
            tn += 1
        tier_ok += tier == r["tier"]
        if (tier != r["tier"] or vanity != r["vanity"]) and len(errors) < show:
            errors.append((r["text"], r["metric"], r["tier"], r["vanity"], tier, vanity, hit.text if hit else None))
    p = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
    for e in errors:
        print("  metric error:", e, file=sys.stderr)
    return {
        "items": len(rows),
        "mention_found": round(found / len(rows), 3),
        "vanity_precision": round(p, 3),
        "vanity_recall": round(rc, 3),
        "vanity_f1": round(f1, 3),
        "tier_accuracy": round(tier_ok / len(rows), 3),
    }


def dimension_quality(split: str, show: int) -> dict[str, Any]:
    rows = [r for r in load("diagnostic_questions.jsonl") if split_of(r["text"]) == split]
    if split == "dev":
        rows += load("diagnostic_questions_train.jsonl") + load("diagnostic_questions_dev2.jsonl")
    if not rows:
        return {}
    exact = overlap = 0
    tp = fp = fn = 0
    per_dim: Counter[str] = Counter()
    per_dim_ok: Counter[str] = Counter()
    errors = []
    for r in rows:
        gold = set(r["dims"])
        pred = set(classify(r["text"]))
        exact += gold == pred
        overlap += bool(gold & pred)
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
        for d in gold:
            per_dim[d] += 1
            per_dim_ok[d] += d in pred
        if gold != pred and len(errors) < show:
            errors.append((r["text"], sorted(gold), sorted(pred)))
    for e in errors:
        print("  dimension error:", e, file=sys.stderr)
    p = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / (tp + fn) if tp + fn else 0.0
    return {
        "items": len(rows),
        "dimension_accuracy_exact_set": round(exact / len(rows), 3),
        "dimension_any_correct": round(overlap / len(rows), 3),
        "dimension_micro_precision": round(p, 3),
        "dimension_micro_recall": round(rc, 3),
        "dimension_micro_f1": round(2 * p * rc / (p + rc), 3) if p + rc else 0.0,
        "weakest_dimensions_recall": {
            d: round(per_dim_ok[d] / per_dim[d], 2)
            for d in sorted(per_dim, key=lambda d: per_dim_ok[d] / per_dim[d])[:4]
        },
    }


def answer_quality(split: str, show: int) -> dict[str, Any]:
    rows = [r for r in load("answers.jsonl") if split_of(r["id"]) == split]
    if not rows:
        return {}
    bank = load_bank(include_user=False)
    scored = []
    for r in rows:
        scen = bank.scenarios.get(r["product"]) if r.get("product") else None
        case = None
        if scen is not None and r.get("mode") == "tradeoff":
            case = next((c for c in scen.tradeoffs if c.prompt[:60] in r["text"]), None)
        rep = analyse(r["text"], scen, r.get("mode", "answer"), case)
        scored.append((r["label"], rep.overall, r["id"]))
    rank = {"weak": 0, "medium": 1, "strong": 2}
    pairs = ok = 0
    for la, sa, _ in scored:
        for lb, sb, _ in scored:
            if rank[la] > rank[lb]:
                pairs += 1
                ok += sa > sb
    strong = [s for lab, s, _ in scored if lab == "strong"]
    weak = [s for lab, s, _ in scored if lab == "weak"]
    medium = [s for lab, s, _ in scored if lab == "medium"]
    if show:
        for lab, sc, i in sorted(scored, key=lambda x: x[1]):
            print(f"  answer {i:30} {lab:7} {sc}", file=sys.stderr)
    return {
        "items": len(rows),
        "pairwise_order_accuracy": round(ok / pairs, 3) if pairs else None,
        "every_strong_above_every_weak": bool(strong and weak and min(strong) > max(weak)),
        "min_strong": min(strong) if strong else None,
        "max_weak": max(weak) if weak else None,
        "mean_by_label": {
            "strong": round(sum(strong) / len(strong), 2) if strong else None,
            "medium": round(sum(medium) / len(medium), 2) if medium else None,
            "weak": round(sum(weak) / len(weak), 2) if weak else None,
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=["dev", "test"], default="test")
    ap.add_argument("--show-errors", type=int, default=0, metavar="N")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out = {
        "split": args.split,
        "metrics": metric_quality(args.split, args.show_errors),
        "dimensions": dimension_quality(args.split, args.show_errors),
        "answers": answer_quality(args.split, args.show_errors),
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"split: {args.split}")
    for section in ("metrics", "dimensions", "answers"):
        print(f"[{section}]")
        for k, v in out[section].items():
            print(f"  {k:32} {v}")


if __name__ == "__main__":
    main()
