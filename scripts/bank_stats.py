"""Counts of the built-in bank, for the README and closing notes.

    python scripts/bank_stats.py [--markdown]

Scenarios by company and scope, follow-up cases by type, the trade-off mix, blind reviews
and spoken-version lengths.
"""

from __future__ import annotations

import sys
from collections import Counter

import yaml


def main(argv: list[str]) -> int:
    from pmcoach.kb import company_group, load_bank, spoken_text
    from pmcoach.models import case_kind

    bank = load_bank(include_user=False)
    scen = [bank.scenarios[i] for i in bank.ids()]
    by_company = Counter(company_group(s.company) for s in scen)
    by_type: Counter[str] = Counter(case_kind(c) for s in scen for c in s.all_cases())
    features = [s.product for s in scen if s.scope == "feature"]
    tos = [t for s in scen for t in s.tradeoffs]
    rev = sum(t.tension == "revenue_vs_engagement" for t in tos)
    ship = sum(t.decision in ("ship", "ship_with_conditions") for t in tos)
    ts = [c for s in scen for c in s.troubleshooting]
    reviewed = sum(bool(c.reviewed) for c in ts)
    reviewers: Counter[str] = Counter()
    for s in scen:
        rf = bank.sources[s.id].with_name(bank.sources[s.id].stem + ".reviews.yaml")
        if rf.exists():
            doc = yaml.safe_load(rf.read_text(encoding="utf-8")) or {}
            for r in (doc.get("reviews") or {}).values():
                reviewers[str(r.get("reviewer"))] += 1
    words = []
    for s in scen:
        text = spoken_text(bank.sources[s.id])
        if text:
            words.append(len([w for line in text.splitlines() if not line.startswith("#") for w in line.split()]))
    print(f"scenarios: {len(scen)} ({len(scen) - len(features)} products, {len(features)} feature-level)")
    print("by company: " + ", ".join(f"{c} {n}" for c, n in sorted(by_company.items(), key=lambda x: (-x[1], x[0]))))
    print(f"follow-up cases: {sum(by_type.values())}: " + ", ".join(f"{n} {t}" for t, n in by_type.most_common()))
    print(f"trade-offs: {rev} of {len(tos)} revenue vs engagement ({100 * rev / len(tos):.0f}%), "
          f"{ship} of {len(tos)} ship or ship with conditions ({100 * ship / len(tos):.0f}%)")
    print(f"troubleshooting: {reviewed} of {len(ts)} played blind and reviewed, by {len(reviewers)} reviewers")
    if words:
        print(f"spoken versions: {len(words)}, {min(words):,}-{max(words):,} words")
    if "--markdown" in argv:
        print("\nfeature-level: " + ", ".join(sorted(features)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
