"""Quality of the analysis on labelled data, per split, per data set and per wording style.

    python benchmarks/quality.py [--split test|dev|train] [--set metrics|questions|answers|turns]
                                 [--show-errors N] [--json]

The files and their splits are listed in benchmarks/data/manifest.yaml; how they were
written and labelled is in benchmarks/data/LABELLING.md. Splits are by author or source and
by wording family, never by row. Errors are shown for train and dev only: the test split is
written by authors whose wording the rules' author never reads, and is for reporting.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from pmcoach.analysis import analyse, classify
from pmcoach.engine import Config, Interview
from pmcoach.errors import InputError
from pmcoach.kb import load_bank

DATA = Path(__file__).parent / "data"
SETS = ("metrics", "questions", "answers", "turns", "paraphrases")


def family_split(family: str) -> str:
    return "dev" if int(hashlib.sha1(family.encode()).hexdigest(), 16) % 2 == 0 else "train"


def load(set_name: str, split: str) -> list[dict[str, Any]]:
    manifest = yaml.safe_load((DATA / "manifest.yaml").read_text(encoding="utf-8"))
    out = []
    for f in manifest["files"]:
        if f["set"] != set_name:
            continue
        path = DATA / f["path"]
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            s = f["split"] if f["split"] != "family" else family_split(r.get("family") or r.get("id") or r["text"])
            if s == split:
                r["_file"] = f["path"]
                r.setdefault("style", "team")
                out.append(r)
    return out


_BANK = None


def bank() -> Any:
    global _BANK
    if _BANK is None:
        _BANK = load_bank(include_user=False)
    return _BANK


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _by(rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], str]) -> dict[str, list[dict[str, Any]]]:
    g: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        g[key(r)].append(r)
    return dict(sorted(g.items()))


# --------------------------------------------------------------------------- metrics


def _predict_mention(r: dict[str, Any]) -> dict[str, Any]:
    scen = bank().scenarios.get(r["product"]) if r.get("product") else None
    try:
        rep = analyse(r["text"], scen, "answer")
    except InputError:
        return {"found": False, "tier": "unclassified", "vanity": False, "role": None, "text": None}
    a = r["text"].find(r["metric"])
    b = a + len(r["metric"])
    hits = [m for m in rep.mentions if m.start < b and a < m.end]
    # the mention that covers most of the labelled span
    hit = max(hits, key=lambda m: min(b, m.end) - max(a, m.start), default=None)
    if hit is None:
        return {"found": False, "tier": "unclassified", "vanity": False, "role": None, "text": None}
    return {"found": True, "tier": hit.tier, "vanity": hit.vanity, "role": hit.role, "text": hit.text,
            "defensible": hit.defensible}


def _metric_scores(rows: list[dict[str, Any]], preds: list[dict[str, Any]]) -> dict[str, Any]:
    tp = fp = fn = 0
    tier_ok = found = proposals = found_proposals = 0
    for r, p in zip(rows, preds, strict=True):
        tp += r["vanity"] and p["vanity"]
        fp += p["vanity"] and not r["vanity"]
        fn += r["vanity"] and not p["vanity"]
        tier_ok += p["tier"] == r["tier"]
        found += p["found"]
        if r["role"] in ("success", "guardrail"):
            proposals += 1
            found_proposals += p["found"]
    prec, rec, f1 = _prf(tp, fp, fn)
    return {
        "items": len(rows),
        "vanity_precision": round(prec, 3),
        "vanity_recall": round(rec, 3),
        "vanity_f1": round(f1, 3),
        "tier_accuracy": round(tier_ok / len(rows), 3) if rows else None,
        "proposals_found": round(found_proposals / proposals, 3) if proposals else None,
    }


def metric_quality(split: str, show: int) -> dict[str, Any]:
    rows = load("metrics", split)
    if not rows:
        return {}
    preds = [_predict_mention(r) for r in rows]
    out = _metric_scores(rows, preds)
    out["by_style"] = {s: _metric_scores([r for r, _ in g], [p for _, p in g])
                       for s, g in _by(list(zip(rows, preds, strict=True)), lambda x: x[0]["style"]).items()}
    adv = [(r, p) for r, p in zip(rows, preds, strict=True) if r.get("kind")]
    out["by_kind"] = {k: _metric_scores([r for r, _ in g], [p for _, p in g]) for k, g in _by(adv, lambda x: x[0]["kind"]).items()}
    errors = [(r, p) for r, p in zip(rows, preds, strict=True) if p["tier"] != r["tier"] or p["vanity"] != r["vanity"]]
    _show(split, show, [f"{r['id']} [{r['style']}] {r['text']!r}\n      gold {r['role']}/{r['tier']}/vanity={r['vanity']} "
                        f"span {r['metric']!r}\n      got  {p['role']}/{p['tier']}/vanity={p['vanity']} span {p['text']!r}"
                        for r, p in errors])
    return out


# --------------------------------------------------------------------------- questions


def _dim_scores(rows: list[dict[str, Any]], preds: list[set[str]]) -> dict[str, Any]:
    exact = overlap = tp = fp = fn = 0
    for r, pred in zip(rows, preds, strict=True):
        gold = set(r["dims"])
        exact += gold == pred
        overlap += bool(gold & pred)
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
    p, rc, f1 = _prf(tp, fp, fn)
    return {
        "items": len(rows),
        "exact_set": round(exact / len(rows), 3) if rows else None,
        "at_least_one_right": round(overlap / len(rows), 3) if rows else None,
        "micro_f1": round(f1, 3),
    }


def _fact_answered(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Played in the troubleshooting game: does the reply hold the fact of a dimension asked?"""
    total = ok = 0
    for r in rows:
        if not r.get("case") or r["dims"] == ["other"]:
            continue
        try:
            s, case = bank().case(r["case"])
        except KeyError:
            continue
        if not hasattr(case, "facts"):
            continue
        iv = Interview(s, Config(s.id, [case.id], start=case.id))
        iv.opening()
        reply = iv.respond(r["text"])
        total += 1
        ok += any(f.text in reply.text for d in r["dims"] for f in case.facts.get(d, []))
    return {"played": total, "fact_given": round(ok / total, 3) if total else None}


def dimension_quality(split: str, show: int) -> dict[str, Any]:
    rows = load("questions", split)
    if not rows:
        return {}
    preds = [set(classify(r["text"])) for r in rows]
    out = _dim_scores(rows, preds)
    out["by_style"] = {s: _dim_scores([r for r, _ in g], [p for _, p in g])
                       for s, g in _by(list(zip(rows, preds, strict=True)), lambda x: x[0]["style"]).items()}
    out["in_the_game"] = _fact_answered(rows)
    per_dim: Counter[str] = Counter()
    per_dim_ok: Counter[str] = Counter()
    for r, p in zip(rows, preds, strict=True):
        for d in r["dims"]:
            per_dim[d] += 1
            per_dim_ok[d] += d in p
    out["weakest_dimensions_recall"] = {d: round(per_dim_ok[d] / per_dim[d], 2)
                                        for d in sorted(per_dim, key=lambda d: per_dim_ok[d] / per_dim[d])[:5]}
    _show(split, show, [f"{r.get('id', '')} [{r['style']}] {r['text']!r}: gold {sorted(r['dims'])} got {sorted(p)}"
                        for r, p in zip(rows, preds, strict=True) if set(r["dims"]) != p])
    return out


# --------------------------------------------------------------------------- answers


def _score_answer(r: dict[str, Any]) -> tuple[float, int | None]:
    scen = bank().scenarios.get(r["product"]) if r.get("product") else None
    case = None
    if r.get("mode") == "tradeoff" and r.get("case"):
        try:
            scen, case = bank().case(r["case"])
        except KeyError:
            case = None
    rep = analyse(r["text"], scen, r.get("mode", "answer"), case)
    area = "tradeoffs" if r.get("mode") == "tradeoff" else "metrics"
    return rep.overall, rep.criteria[area].score


def answer_quality(split: str, show: int) -> dict[str, Any]:
    rows = load("answers", split)
    if not rows:
        return {}
    scored = [(r, *_score_answer(r)) for r in rows]
    rank = {"weak": 0, "medium": 1, "strong": 2}
    pairs = ok = 0
    for ra, sa, _ in scored:
        for rb, sb, _ in scored:
            if ra.get("mode", "answer") == rb.get("mode", "answer") and rank[ra["label"]] > rank[rb["label"]]:
                pairs += 1
                ok += sa > sb
    out: dict[str, Any] = {"items": len(rows), "pairwise_order": round(ok / pairs, 3) if pairs else None}
    # every strong wording above every weak wording, per product (or case)
    groups = _by(scored, lambda x: f"{x[0].get('mode', 'answer')}:{x[0].get('case') or x[0].get('product')}")
    beat = total = 0
    for _, g in groups.items():
        strong = [s for r, s, _ in g if r["label"] == "strong"]
        weak = [s for r, s, _ in g if r["label"] == "weak"]
        if strong and weak:
            total += 1
            beat += min(strong) > max(weak)
    out["strong_above_weak_groups"] = f"{beat}/{total}"
    # paraphrase invariance: one family's content in three styles
    fams = _by([x for x in scored if x[0].get("family") and x[0]["style"] in ("pm", "plain", "terse")],
               lambda x: x[0]["family"])
    inv = n = 0
    lines = []
    for fam, g in fams.items():
        if len(g) < 3:
            continue
        n += 1
        overall = [s for _, s, _ in g]
        area = {a for _, _, a in g}
        same = len(area) == 1 and max(overall) - min(overall) <= 0.25
        inv += same
        if not same:
            lines.append(f"{fam}: " + ", ".join(f"{r['style']} {s:.2f}/{a}" for r, s, a in g))
    out["invariant_families"] = f"{inv}/{n}" + (f" ({inv / n:.2f})" if n else "")
    by_label = _by(scored, lambda x: x[0]["label"])
    out["mean_by_label"] = {k: round(sum(s for _, s, _ in g) / len(g), 2) for k, g in by_label.items()}
    out["mean_by_style"] = {k: round(sum(s for _, s, _ in g) / len(g), 2) for k, g in _by(scored, lambda x: x[0]["style"]).items()}
    _show(split, show, lines)
    return out


# --------------------------------------------------------------------------- turns


def turn_quality(split: str, show: int) -> dict[str, Any]:
    """Each turn played at its stage of a live interview: did the interviewer push back?"""
    rows = load("turns", split)
    if not rows:
        return {}
    ordinary = vanity = ordinary_hit = vanity_hit = 0
    errors = []
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        s = bank().scenarios[r["product"]]
        iv = Interview(s, Config(s.id, []))
        iv.opening()
        iv.stage = r["stage"]
        reply = iv.respond(r["text"])
        pushed = reply.kind == "pushback"
        by_kind[r["kind"]][0] += 1
        by_kind[r["kind"]][1] += pushed
        if r["pushback"]:
            vanity += 1
            vanity_hit += pushed
        else:
            ordinary += 1
            ordinary_hit += pushed
        if pushed != r["pushback"]:
            errors.append(f"{r['id']} [{r['kind']}] {r['text']!r}\n      -> {reply.kind}: {reply.text[:160]!r}")
    _show(split, show, errors)
    return {
        "items": len(rows),
        "ordinary_turns_pushed_back": round(ordinary_hit / ordinary, 3) if ordinary else None,
        "vanity_proposals_pushed_back": round(vanity_hit / vanity, 3) if vanity else None,
        "pushed_back_by_kind": {k: f"{v[1]}/{v[0]}" for k, v in sorted(by_kind.items())},
    }


# --------------------------------------------------------------------------- paraphrases


def paraphrase_quality(split: str, show: int) -> dict[str, Any]:
    """Catalog metrics said in other words: found as a measure put forward, and judged vanity
    or not as the catalog's author judged it."""
    rows = load("paraphrases", split)
    if not rows:
        return {}
    found = agree = judged = 0
    metrics: dict[tuple[str, str], bool] = {}
    errors = []
    for r in rows:
        p = _predict_mention(r)
        ok = p["found"] and p["role"] in ("success", "guardrail")
        found += ok
        key = (r["product"], r["catalog_id"])
        metrics[key] = metrics.get(key, False) or ok
        if ok and p["role"] == "success" and not p.get("defensible"):
            judged += 1
            agree += p["vanity"] == r["vanity"]
        if not ok or (p["role"] == "success" and p["vanity"] != r["vanity"]):
            errors.append(f"{r['id']} {r['text']!r}: got {p['role']}/vanity={p['vanity']} span {p['text']!r}")
    _show(split, show, errors)
    return {"items": len(rows), "found_as_a_measure": round(found / len(rows), 3),
            "catalog_metrics_recognised": f"{sum(metrics.values())}/{len(metrics)}",
            "vanity_agrees_with_catalog": round(agree / judged, 3) if judged else None}


# --------------------------------------------------------------------------- main


def _show(split: str, n: int, lines: list[str]) -> None:
    if not n:
        return
    if split == "test":
        print("  (errors are not shown for the test split)", file=sys.stderr)
        return
    for line in lines[:n]:
        print("  " + line, file=sys.stderr)


RUNNERS = {"metrics": metric_quality, "questions": dimension_quality, "answers": answer_quality, "turns": turn_quality,
           "paraphrases": paraphrase_quality}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=["train", "dev", "test"], default="test")
    ap.add_argument("--set", choices=SETS, action="append")
    ap.add_argument("--show-errors", type=int, default=0, metavar="N")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out: dict[str, Any] = {"split": args.split}
    for name in args.set or SETS:
        out[name] = RUNNERS[name](args.split, args.show_errors)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"split: {args.split}")
    for name in args.set or SETS:
        print(f"[{name}]")
        for k, v in out[name].items():
            if isinstance(v, dict) and v and all(isinstance(x, dict) for x in v.values()):
                print(f"  {k}:")
                for kk, vv in v.items():
                    print(f"    {kk:22} " + "  ".join(f"{a}={b}" for a, b in vv.items()))
            else:
                print(f"  {k:32} {v}")


if __name__ == "__main__":
    main()
