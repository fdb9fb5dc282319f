"""How the interviewer judges stated root causes: right ones must be read as right, wrong ones
(the case's red herrings, generic guesses of another kind) as wrong.

    python benchmarks/conclusions.py [--json]

Right conclusions are the root cause's first sentence and the whole root cause, prefixed as a
candidate would say them. Wrong ones are each red herring's first clause stated as the cause,
and five generic guesses (the season, a competitor, a logging bug, an app release, an
outage), each skipped for the case whose root cause is of that kind. Prints the counts and
every misjudged conclusion.
"""

from __future__ import annotations

import argparse
import json
import re

from pmcoach.engine import root_cause_judgement
from pmcoach.kb import load_bank

CLAUSE = re.compile(r"(?<=[.!?])\s+|, while |, which ")
GENERIC = {
    "seasonality": "I think it's probably seasonality, nothing to worry about.",
    "competitor": "My guess is a competitor took our users.",
    "data_quality": "I think it's a logging bug, the data is wrong.",
    "app_version": "I think the root cause is a bug in the latest app release.",
    "environment": "I think it's an outage at our data center.",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    bank = load_bank(include_user=False)
    right = wrong = right_ok = wrong_ok = 0
    misjudged = []
    for sid in bank.ids():
        for case in bank.find(sid).troubleshooting:
            first = re.split(r"(?<=[.!?])\s+", case.root_cause)[0]
            for text in (f"I think the root cause is this: {first}", f"My conclusion: {case.root_cause}"):
                right += 1
                j = root_cause_judgement(case, text)
                right_ok += j.right
                if not j.right:
                    misjudged.append({"case": case.id, "said": text, "should_be": "right", "read_as": j.dimensions})
            guesses = [f"I think the root cause is {CLAUSE.split(h)[0]}" for h in case.red_herrings]
            guesses += [g for kind, g in GENERIC.items() if kind != case.root_cause_dimension]
            for text in guesses:
                wrong += 1
                j = root_cause_judgement(case, text)
                wrong_ok += not j.right
                if j.right:
                    misjudged.append({"case": case.id, "said": text, "should_be": "wrong", "read_as": j.dimensions})
    res = {"right_read_right": right_ok, "right": right, "wrong_read_wrong": wrong_ok, "wrong": wrong,
           "misjudged": misjudged}
    if a.json:
        print(json.dumps(res, indent=1))
        return
    print(f"right conclusions judged right: {right_ok}/{right}")
    print(f"wrong conclusions judged wrong: {wrong_ok}/{wrong}")
    for m in misjudged:
        print(f"- [{m['case']}] should be {m['should_be']}: {m['said'][:100]} (read as {m['read_as']})")


if __name__ == "__main__":
    main()
