"""Play one follow-up case blind, one question per line, as a reviewer does.

    python scripts/playthrough.py CASE_ID < questions.txt
    python scripts/playthrough.py CASE_ID "When did it start?" "Is it all platforms?" ...

Prints the interviewer's opening and each reply, and nothing of the case's fact sheet or root
cause (read those afterwards with 'pmcoach cheatsheet CASE_ID'). A blind playthrough is
recorded in '<scenario>.reviews.yaml' beside the scenario file (docs/authoring-scenarios.md).
"""

from __future__ import annotations

import sys

from pmcoach.engine import Config, Interview
from pmcoach.errors import PmcoachError
from pmcoach.kb import load_bank


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    try:
        s, case = load_bank().case(argv[0])
    except PmcoachError as exc:
        print(f"playthrough: error: {exc}", file=sys.stderr)
        return 2
    questions = argv[1:] or [line.strip() for line in sys.stdin if line.strip()]
    iv = Interview(s, Config(s.id, [case.id], start=case.id))
    for r in iv.opening():
        print(f"INTERVIEWER: {r.text}\n")
    for q in questions:
        r = iv.respond(q)
        print(f"YOU: {q}\nINTERVIEWER ({r.kind}): {r.text}\n")
        if iv.finished:
            print("(the case is closed)")
            break
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
