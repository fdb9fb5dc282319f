"""Scripted candidates playing whole troubleshooting cases, read as a transcript would be.

    python benchmarks/personas.py [--case ID] [--persona NAME] [--show NAME:CASE] [--json]

Every persona plays a whole interview for every troubleshooting case of the bank (or the one
given): the main question of the case's product in its own wording (answers built from the
scenario's facts, so a strong candidate says true things), then the case. Each run
reports: turns to finish (or "open" when the persona stopped first), pushbacks and how many
were unwarranted, facts reached and whether a decisive one was, praise given to a wrong
conclusion, a wrong conclusion that ended the case, whether a right conclusion with a plan
closed it at once, and the feedback scores. The personas' questions are generic
(benchmarks/data/personas.yaml) so no case is played with words written for it.

Personas:
  strong      works the checklist in order, concludes with the root cause and a plan once a
              decisive fact is on the table
  vanity      proposes DAU, likes and time as success in the main question, then plays as strong
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
import time
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
PRAISE = re.compile(r"\b(?:good|great|nice|well done|exactly right|correct|that's it|clear plan|spot on|perfect|"
                    r"you got it|agreed)\b", re.I)


def _own_words(reply: str) -> str:
    """The interviewer's own words: not a quoted fact, not the text of a hint."""
    return re.sub(r"\"[^\"]*\"", "", re.split(r"[Hh]int:", reply)[0])
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
    main_turns: int = 0
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
    reply_ms: list[float] = field(default_factory=list)
    transcript: list[tuple[str, str]] = field(default_factory=list)


Script = Callable[[Scenario, TroubleshootingCase, "Game"], Iterator[str]]


class Game:
    """The interviewer, the stored turns, and what a persona can see of the replies."""

    def __init__(self, s: Scenario, case: TroubleshootingCase, persona: str, main: bool = True) -> None:
        self.s, self.case = s, case
        self.iv = Interview(s, Config(s.id, [case.id], start="main" if main else case.id))
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
        t0 = time.perf_counter()
        r = self.iv.respond(text)
        self.run.reply_ms.append((time.perf_counter() - t0) * 1000)
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
        state = self.iv.case_state.get(self.case.id)
        run.facts = len(state.revealed) if state else 0
        run.decisive = run.decisive or bool(self.decisive_keys & set(got))
        concl = r.analysis.get("conclusion")
        if concl == "wrong":
            run.wrong_conclusions += 1
            run.wrong_praised += bool(PRAISE.search(_own_words(r.text)))
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


# --------------------------------------------------------------------------- the main question


def _first(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+", text.strip())[0].rstrip(".")


def _low(text: str) -> str:
    return text[:1].lower() + text[1:]


def _names(s: Scenario, ids: list[str]) -> list[str]:
    return [s.metric(i).name for i in ids]


def main_answers(style: str, s: Scenario) -> list[str]:
    """A candidate's answers to the four parts of the main question, in a wording style."""
    r, rec = s.rationale, s.recommendation
    j = s.journeys[0]
    seg_of_j = s.segment(j.segment).name
    segs = [x.name for x in s.segments]
    objs = [_first(s.objective(o).statement) for o in s.prioritization.objectives]
    ns = s.metric(rec.north_star.metric)
    sec = _names(s, [x.metric for x in rec.secondary])
    guard = _names(s, [x.metric for x in rec.guardrails])
    steps = [st.name.lower() for st in j.steps]
    if style == "plain":
        return [
            f"People use {s.product} because {_low(_first(r.why_exists[0]))}. What worries me is "
            f"{_low(_first(r.weaknesses_threats[0]))}.",
            f"The people who use it are {', '.join(segs[:-1])} and {segs[-1]}. Someone in the {seg_of_j} group would "
            f"usually {', then '.join(steps[:4])}.",
            f"What I'd aim for, most important first: {_low(objs[0])}. After that, {_low(objs[1])}. "
            f"{_first(s.prioritization.reason)}.",
            f"The main number I'd watch: {_low(_first(ns.definition))}. I'd also follow {', '.join(sec[:2]).lower()}, "
            f"and I'd keep an eye on {' and '.join(guard[:2]).lower()} so we don't break anything.",
        ]
    if style == "terse":
        return [
            f"- why: {_low(_first(r.why_exists[0]))}\n- threat: {_low(_first(r.weaknesses_threats[0]))}\n"
            f"- stage: {r.lifecycle_stage}",
            f"- segs: {' / '.join(segs)}\n- journey ({seg_of_j}): {' -> '.join(steps[:5])}",
            f"- goals: 1) {_low(objs[0])} 2) {_low(objs[1])} 3) {_low(objs[2]) if len(objs) > 2 else ''}\n"
            f"- why 1st: {_low(_first(s.prioritization.reason))}",
            f"- NS: {ns.name}\n- inputs: {', '.join(sec[:3])}\n- guardrails: {', '.join(guard[:3])}",
        ]
    return [
        f"{s.product} exists because {_low(_first(r.why_exists[0]))}. It serves {s.company}'s mission: "
        f"{_low(_first(r.mission))}. The biggest threat is {_low(_first(r.weaknesses_threats[0]))}. It is "
        f"{r.lifecycle_stage}, so {_low(_first(r.lifecycle_note))}.",
        f"The key segments are {', '.join(segs[:-1])} and {segs[-1]}. Take {seg_of_j}: {' -> '.join(steps)}.",
        f"My goals, in order: first, {_low(objs[0])}; second, {_low(objs[1])}"
        + (f"; third, {_low(objs[2])}" if len(objs) > 2 else "") + f". {_first(s.prioritization.reason)}.",
        f"My north star is {ns.name.lower()}: {_low(_first(ns.definition))}. Secondary metrics: "
        f"{', '.join(sec).lower()}. Guardrails: {', '.join(guard).lower()}.",
    ]


def probe_answer(s: Scenario, question: str) -> str:
    """What a prepared candidate says to one of the interviewer's probes."""
    rec = s.recommendation
    guard = _names(s, [x.metric for x in rec.guardrails])
    for alt in rec.north_star.alternatives:
        if s.metric(alt.metric).name.lower() in question.lower():
            return f"Because {s.metric(alt.metric).name.lower()} falls short: {_low(alt.why_not)}"
    low = question.lower()
    if "game" in low:
        return f"A team could push low-quality activity to inflate it, so I'd pair it with {guard[0].lower()}."
    if "guardrail" in low and "drop" in low:
        return ("I wouldn't ship on the north star alone: I'd size the guardrail loss, see which segment it hits, "
                "and launch only if it stays within its threshold.")
    if "a/b" in low or "test" in low:
        return ("Per user, over at least two to four weeks to wash out novelty; I'd distrust a win that sits in one "
                "segment or comes with a guardrail loss.")
    if "define" in low:
        return f"{_first(s.metric(rec.north_star.metric).definition)}."
    return f"I'd also watch {', '.join(guard).lower()} so that pushing on it doesn't break anything."


def main_script(persona: str, s: Scenario) -> list[tuple[str, bool]]:
    """(text, proposes a vanity metric as success) for each main-question turn of a persona."""
    style = {"plain": "plain", "terse": "terse"}.get(persona, "pm")
    ans = [(a, False) for a in main_answers(style, s)]
    if persona == "vanity":
        ans[3] = ("North star: DAU. I'd also track likes and total time spent, because more of them means "
                  "people love the product.", True)
        ans.append((main_answers("pm", s)[3], False))
    elif persona == "paste":
        ans = [("\n\n".join(a for a, _ in ans), False)]
    elif persona == "idk":
        ans.insert(0, ("I don't know.", False))
    elif persona == "wanderer":
        ans.insert(1, ("Before that, I'd love to know how the team is organised and who I'd work with.", False))
    elif persona == "answer":
        ans.insert(0, ("Can you just tell me what a good answer looks like?", False))
    return ans


def play_main(g: Game, persona: str) -> None:
    queue = main_script(persona, g.s)
    stages = ("clarify", "rationale", "segments", "objectives", "metrics")
    while g.iv.stage in stages and g.run.turns < 30:
        last = g.last
        if last is not None and last.kind in ("probe", "pushback") and last.stage == "metrics" and (
                not queue or persona != "vanity" or last.kind == "probe"):
            if last.kind == "pushback" and queue:
                text, vain = queue.pop(0)
                g.say(text, vanity=vain)
                continue
            g.say(probe_answer(g.s, last.text))
            continue
        if queue:
            text, vain = queue.pop(0)
            g.say(text, vanity=vain)
        else:
            g.say("/skip")


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
    yield from DATA["give_up"]
    yield from methodical("plain")(s, case, g)


def paste(s: Scenario, case: TroubleshootingCase, g: Game) -> Iterator[str]:
    qs = _questions("pm", s, case)
    yield "\n".join(qs)
    rest = qs[4:]  # the interviewer answers the first few and asks for the rest one or two at a time
    while rest and not g.decisive_seen:
        yield "\n".join(rest[:2])
        rest = rest[2:]
    yield f"{_conclusion(case)} {_plan(case)}"
    if not g.over:
        yield _plan(case)


def answer(s: Scenario, case: TroubleshootingCase, g: Game) -> Iterator[str]:
    yield from DATA["ask_answer"]
    yield from methodical("pm")(s, case, g)


PERSONAS: dict[str, Script] = {
    "strong": methodical("pm"), "vanity": methodical("pm"), "wanderer": wanderer, "wrong": wrong,
    "plain": methodical("plain"), "terse": methodical("terse"), "idk": idk, "paste": paste, "answer": answer,
}


def play(persona: str, s: Scenario, case: TroubleshootingCase, main: bool = True) -> Run:
    """One persona, one whole interview: the main question (unless ``main`` is False), then
    the troubleshooting case."""
    g = Game(s, case, persona, main)
    if main:
        play_main(g, persona)
    g.run.main_turns = g.run.turns
    for text in PERSONAS[persona](s, case, g):
        if g.over:
            break
        g.say(text)
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
        print(json.dumps({"table": t, "runs": [asdict(r) | {"transcript": None, "reply_ms": None} for r in runs]},
                         indent=1))
        return
    head = (f"{'persona':<9} {'cases':>5} {'done':>4} {'turns':>5} {'push':>4} {'unwar':>5} {'facts':>5} "
            f"{'decis':>5} {'wrong':>5} {'praised':>7} {'ended':>5} {'R+plan':>6} {'closed':>6}  scores")
    print(head)
    for p, v in t.items():
        sc = " ".join(f"{k[:4]} {x}" for k, x in v["mean_scores"].items())
        print(f"{p:<9} {v['cases']:>5} {v['finished']:>4} {v['median_turns'] or '-':>5} {v['pushbacks']:>4} "
              f"{v['unwarranted']:>5} {v['mean_facts']:>5} {v['decisive_reached']:>5} {v['wrong_conclusions']:>5} "
              f"{v['wrong_praised']:>7} {v['wrong_ended']:>5} {v['right_with_plan']:>6} {v['right_with_plan_closed']:>6}  {sc}")
    ms = sorted(x for r in runs for x in r.reply_ms)
    print(f"({len(runs)} interviews; turns is the median over finished ones; engine reply p50 "
          f"{ms[len(ms) // 2]:.1f} ms, p95 {ms[int(len(ms) * 0.95)]:.1f} ms over {len(ms)} replies)")


if __name__ == "__main__":
    main()
