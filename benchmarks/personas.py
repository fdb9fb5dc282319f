"""Scripted candidates playing whole troubleshooting cases, read as a transcript would be.

    python benchmarks/personas.py [--case ID] [--persona NAME] [--show NAME:CASE] [--json]

Every persona plays every troubleshooting case of the bank (or the one given). Each run
reports: turns to finish (or "open" when the persona stopped first), pushbacks and how many
were unwarranted, facts reached and whether a decisive one was, praise given to a wrong
conclusion, a wrong conclusion that ended the case, whether a right conclusion with a plan
closed it at once, and the feedback scores. The personas' questions are generic
(benchmarks/data/personas.yaml) so no case is played with words written for it.

Personas:
  strong      works the checklist in order, concludes with the root cause and a plan once a
              decisive fact is on the table
  vanity      opens with a vanity-metric framing of the drop, then plays as strong
  wanderer    drifts off topic between questions, then concludes
  wrong       states two wrong conclusions (a red herring, then a generic guess), then the right one
  plain       plain everyday questions, then the root cause in plain words with a plan
  terse       note-style questions and a terse conclusion
  idk         says "I don't know" until nudged, then asks
  paste       pastes every question in one turn, then the conclusion and plan in one turn
  answer      asks the interviewer for the answer, then plays as strong
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pmcoach.engine import Config, Interview, Reply
from pmcoach.feedback import build_feedback
from pmcoach.kb import load_bank
from pmcoach.models import Scenario, TroubleshootingCase

DATA = yaml.safe_load((Path(__file__).parent / "data" / "personas.yaml").read_text(encoding="utf-8"))
PRAISE = re.compile(r"\b(?:good|great|nice|well done|exactly|correct|that's it|clear plan|spot on|perfect)\b", re.I)
MAX_TURNS = 40


@dataclass
class Turn:
    seq: int
    role: str
    stage: str
    text: str
    analysis: dict[str, Any] = field(default_factory=dict)


@dataclass
class Run:
    persona: str
    case_id: str
    turns: int = 0
    finished: bool = False
    pushbacks: int = 0
    unwarranted: int = 0
    facts: int = 0
    decisive: bool = False
    wrong_conclusions: int = 0
    wrong_praised: int = 0
    wrong_ended: int = 0
    right_with_plan: int = 0
    right_with_plan_closed: int = 0
    scores: dict[str, int | None] = field(default_factory=dict)
    transcript: list[tuple[str, str]] = field(default_factory=list)


Script = Callable[[Scenario, TroubleshootingCase, "Game"], Iterator[str]]


class Game:
    """The interviewer, the stored turns, and what a persona can see of the replies."""

    def __init__(self, s: Scenario, case: TroubleshootingCase, persona: str) -> None:
        self.s, self.case = s, case
        self.iv = Interview(s, Config(s.id, [case.id], start=case.id))
        self.turns: list[Turn] = []
        self.run = Run(persona, case.id)
        for r in self.iv.opening():
            self._store("interviewer", r)
        self.last: Reply | None = None
        self.decisive_keys = {k for k, _, _ in case.fact_rows() if case.fact(k).decisive}  # type: ignore[union-attr]

    def _store(self, role: str, r: Reply | str, analysis: dict[str, Any] | None = None) -> None:
        text = r.text if isinstance(r, Reply) else r
        stage = r.stage if isinstance(r, Reply) else self.iv._stage_name()
        self.turns.append(Turn(len(self.turns) + 1, role, stage, text, analysis or {}))
        self.run.transcript.append((role, text))

    def say(self, text: str, *, vanity: bool = False) -> Reply:
        stage = self.iv._stage_name()
        r = self.iv.respond(text)
        self.turns.append(Turn(len(self.turns) + 1, "candidate", stage, text, r.analysis))
        self.run.transcript.append(("candidate", text))
        self._store("interviewer", r)
        self.last = r
        run = self.run
        run.turns += 1
        if r.kind == "pushback":
            run.pushbacks += 1
            run.unwarranted += not vanity
        got = r.analysis.get("facts", [])
        run.facts = len(self.iv.case_state[self.case.id].revealed)
        run.decisive = run.decisive or bool(self.decisive_keys & set(got))
        concl = r.analysis.get("conclusion")
        if concl == "wrong":
            run.wrong_conclusions += 1
            run.wrong_praised += bool(PRAISE.search(r.text))
            run.wrong_ended += self.iv.finished
        if concl == "right" and r.analysis.get("plan") is not None or (concl == "right" and _plan_in(text)):
            run.right_with_plan += 1
            run.right_with_plan_closed += self.iv.finished
        return r

    @property
    def decisive_seen(self) -> bool:
        return self.run.decisive

    @property
    def over(self) -> bool:
        return self.iv.finished or self.run.turns >= MAX_TURNS


def _plan_in(text: str) -> bool:
    return "I'd fix it first" in text or "I'd" in text and "then" in text.lower()


def _fill(q: str, s: Scenario, case: TroubleshootingCase) -> str:
    return q.format(product=s.product, metric=case.metric)


def _conclusion(case: TroubleshootingCase, style: str = "pm") -> str:
    cause = re.split(r"(?<=[.!?])\s+", case.root_cause)[0].rstrip(".")
    cause = cause[0].lower() + cause[1:]
    if style == "terse":
        return f"root cause: {cause}."
    return f"I think the root cause is this: {cause}."


def _plan(case: TroubleshootingCase) -> str:
    return DATA["plan"].format(action=case.action_plan[0])


def _questions(style: str, s: Scenario, case: TroubleshootingCase) -> list[str]:
    qs = DATA["questions"][style]
    return [_fill(qs[d], s, case) for d in DATA["order"]]


def methodical(style: str) -> Script:
    def play(s: Scenario, case: TroubleshootingCase, g: Game) -> Iterator[str]:
        for q in _questions(style, s, case):
            yield q
            if g.decisive_seen:
                break
        yield f"{_conclusion(case, style)} {_plan(case)}"
        if not g.over:
            yield _plan(case)
    return play


def vanity(s: Scenario, case: TroubleshootingCase, g: Game) -> Iterator[str]:
    yield ("Before digging in: to judge the fix I'd make total page views and likes our north star, "
           "since more views means more engagement.")
    yield from methodical("pm")(s, case, g)


def wanderer(s: Scenario, case: TroubleshootingCase, g: Game) -> Iterator[str]:
    wander = [_fill(w, s, case) for w in DATA["wander"]]
    for i, q in enumerate(_questions("plain", s, case)):
        if i < len(wander):
            yield wander[i]
        yield q
        if g.decisive_seen:
            break
    yield f"{_conclusion(case, 'plain')} {_plan(case)}"


def wrong(s: Scenario, case: TroubleshootingCase, g: Game) -> Iterator[str]:
    qs = _questions("pm", s, case)
    yield from qs[:4]
    herring = case.red_herrings[0] if case.red_herrings else DATA["wrong_generic"][1]
    first = re.split(r"(?<=[.!?])\s+|, while |, which ", herring)[0].rstrip(".")
    yield f"I think the root cause is {first[0].lower() + first[1:]}. I'd respond to it and move on."
    yield DATA["wrong_generic"][0] if case.root_cause_dimension != "seasonality" else DATA["wrong_generic"][1]
    for q in qs[4:]:
        yield q
        if g.decisive_seen:
            break
    yield f"{_conclusion(case)} {_plan(case)}"


def idk(s: Scenario, case: TroubleshootingCase, g: Game) -> Iterator[str]:
    for line in DATA["give_up"]:
        yield line
    yield from methodical("plain")(s, case, g)


def paste(s: Scenario, case: TroubleshootingCase, g: Game) -> Iterator[str]:
    yield "\n".join(_questions("pm", s, case))
    yield f"{_conclusion(case)} {_plan(case)}"
    if not g.over:
        yield _plan(case)


def answer(s: Scenario, case: TroubleshootingCase, g: Game) -> Iterator[str]:
    yield from DATA["ask_answer"]
    yield from methodical("pm")(s, case, g)


PERSONAS: dict[str, Script] = {
    "strong": methodical("pm"), "vanity": vanity, "wanderer": wanderer, "wrong": wrong,
    "plain": methodical("plain"), "terse": methodical("terse"), "idk": idk, "paste": paste, "answer": answer,
}


def play(persona: str, s: Scenario, case: TroubleshootingCase) -> Run:
    g = Game(s, case, persona)
    for text in PERSONAS[persona](s, case, g):
        if g.over:
            break
        g.say(text, vanity=persona == "vanity" and g.run.turns == 0)
    g.run.finished = g.iv.finished
    fb = build_feedback(s, g.iv.config.to_json(), g.turns, finished=g.iv.finished)
    g.run.scores = {a: c.get("score") for a, c in fb["criteria"].items() if c.get("score") is not None}
    return g.run


def cases(only: str | None = None) -> list[tuple[Scenario, TroubleshootingCase]]:
    bank = load_bank(include_user=False)
    out = []
    for sid in bank.ids():
        s = bank.find(sid)
        out += [(s, c) for c in s.troubleshooting if only is None or c.id == only]
    return out


def table(runs: list[Run]) -> dict[str, dict[str, Any]]:
    by: dict[str, list[Run]] = {}
    for r in runs:
        by.setdefault(r.persona, []).append(r)
    out = {}
    for p, rs in by.items():
        done = [r.turns for r in rs if r.finished]
        out[p] = {
            "cases": len(rs),
            "finished": len(done),
            "median_turns": sorted(done)[len(done) // 2] if done else None,
            "pushbacks": sum(r.pushbacks for r in rs),
            "unwarranted": sum(r.unwarranted for r in rs),
            "max_unwarranted_per_interview": max(r.unwarranted for r in rs),
            "mean_facts": round(sum(r.facts for r in rs) / len(rs), 1),
            "decisive_reached": sum(r.decisive for r in rs),
            "wrong_conclusions": sum(r.wrong_conclusions for r in rs),
            "wrong_praised": sum(r.wrong_praised for r in rs),
            "wrong_ended": sum(r.wrong_ended for r in rs),
            "right_with_plan": sum(r.right_with_plan for r in rs),
            "right_with_plan_closed": sum(r.right_with_plan_closed for r in rs),
            "mean_scores": {a: round(sum(r.scores[a] for r in rs if a in r.scores)
                                     / max(1, sum(1 for r in rs if a in r.scores)), 2)
                            for a in sorted({a for r in rs for a in r.scores})},
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--case", help="play only this case id")
    ap.add_argument("--persona", choices=sorted(PERSONAS), help="play only this persona")
    ap.add_argument("--show", metavar="PERSONA:CASE", help="print one transcript")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.show:
        persona, case_id = a.show.split(":", 1)
        s, case = cases(case_id)[0]
        for role, text in play(persona, s, case).transcript:
            print(f"{'>' if role == 'candidate' else ' '} {text}")
        return
    runs = [play(p, s, c) for s, c in cases(a.case) for p in PERSONAS if a.persona in (None, p)]
    t = table(runs)
    if a.json:
        print(json.dumps({"table": t, "runs": [asdict(r) | {"transcript": None} for r in runs]}, indent=1))
        return
    head = (f"{'persona':<9} {'cases':>5} {'done':>4} {'turns':>5} {'push':>4} {'unwar':>5} {'facts':>5} "
            f"{'decis':>5} {'wrong':>5} {'praised':>7} {'ended':>5} {'R+plan':>6} {'closed':>6}  scores")
    print(head)
    for p, v in t.items():
        sc = " ".join(f"{k[:4]} {x}" for k, x in v["mean_scores"].items())
        print(f"{p:<9} {v['cases']:>5} {v['finished']:>4} {v['median_turns'] or '-':>5} {v['pushbacks']:>4} "
              f"{v['unwarranted']:>5} {v['mean_facts']:>5} {v['decisive_reached']:>5} {v['wrong_conclusions']:>5} "
              f"{v['wrong_praised']:>7} {v['wrong_ended']:>5} {v['right_with_plan']:>6} {v['right_with_plan_closed']:>6}  {sc}")
    print(f"({len(runs)} interviews; turns is the median over finished ones)", file=sys.stderr)


if __name__ == "__main__":
    main()
