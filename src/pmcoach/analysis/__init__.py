"""Analysis: free text in, structure, pushback and rubric scores out.

Deterministic and offline: the same text (and scenario) always gives the same report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..models import Scenario, TradeoffCase
from ..rubric import AREAS, CORE_AREAS
from .diagnostics import classify, classify_with_spans
from .framework import Hit, find_parts
from .grading import Criterion, Mode, Signals, grade
from .metrics import Mention, find_mentions
from .structure import Doc, build
from .text import gradable, usable, words

__all__ = ["Report", "analyse", "caveat_probe", "warm_up", "classify", "classify_with_spans", "find_mentions",
           "interviewer_context", "people", "product_name", "pushback_for", "vanity_pushback"]


@dataclass
class Report:
    text: str
    mode: Mode
    mentions: list[Mention]
    parts: dict[str, list[Hit]]
    criteria: dict[str, Criterion]
    questions: list[tuple[int, int, list[str]]]
    pushback: list[str]
    issues: list[str] = field(default_factory=list)
    doc: Doc | None = None

    @property
    def overall(self) -> float:
        """Mean of the assessed scores, core areas counted twice; 0 when nothing was assessed."""
        total = weight = 0.0
        for a in AREAS:
            s = self.criteria[a].score
            if s is None:
                continue
            w = 2.0 if a in CORE_AREAS else 1.0
            total += s * w
            weight += w
        return round(total / weight, 3) if weight else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "metrics": [m.to_json() for m in self.mentions],
            "criteria": {a: c.to_json() for a, c in self.criteria.items()},
            "overall": self.overall,
            "framework": {
                k: [{"quote": h.quote(self.text), "start": h.start, "end": h.end} for h in v[:3]]
                for k, v in self.parts.items()
                if v
            },
            "questions": [
                {"text": self.text[a:b], "start": a, "end": b, "dimensions": ds} for a, b, ds in self.questions
            ],
            "pushback": self.pushback,
            "issues": self.issues,
        }


_QUESTION_SPLIT = re.compile(r"(?<=\?)\s+|\n+")


def split_questions(text: str) -> list[tuple[int, int]]:
    """Spans of the separate questions or statements in a troubleshooting turn."""
    out = []
    pos = 0
    for part in _QUESTION_SPLIT.split(text):
        idx = text.find(part, pos)
        if idx < 0:
            continue
        pos = idx + len(part)
        stripped = part.strip(" \t-*•")
        if len(stripped) >= 3:
            lead = part.find(stripped)
            out.append((idx + lead, idx + lead + len(stripped)))
    return out


def interviewer_context(scenario: Scenario | None, mode: Mode, case: TradeoffCase | None) -> str:
    """What the interviewer has told the candidate: numbers repeated from it are restatements."""
    if case is not None:
        return f"{case.prompt}\n{case.context}"
    if scenario is None:
        return ""
    if mode == "answer":
        return "\n".join([scenario.primary_question, *(c.answer for c in scenario.clarifications)])
    return ""


def analyse(text: str, scenario: Scenario | None = None, mode: Mode = "answer",
            case: TradeoffCase | None = None, context: str | None = None, stage: str | None = None) -> Report:
    """Analyse a candidate's text. Raises InputError when it cannot be graded at all.

    ``context`` is what the interviewer has said (numbers repeated from it are restatements,
    not proposals; by default the scenario's prompt and clarifications); ``stage`` is the
    interview stage the text answers, when known ("metrics" reads bare measures as proposals).
    """
    if not isinstance(text, str):
        raise InputError("expected text")
    why = gradable(text)
    if why:
        raise InputError(why)
    prepared, issues = usable(text)
    doc = build(prepared)
    if context is None:
        context = interviewer_context(scenario, mode, case)
    mentions = find_mentions(prepared, doc, scenario, context, stage)
    parts = find_parts(prepared, doc, scenario, context)
    questions: list[tuple[int, int, list[str]]] = []
    if mode == "troubleshooting":
        for a, b in split_questions(prepared):
            questions.append((a, b, classify(prepared[a:b])))
    n_words = words(prepared)
    sig = Signals(prepared, n_words, mode, parts, mentions, questions, scenario, case, doc, context)
    criteria = grade(sig)
    # evidence quotes are taken from the original text, so they are verbatim
    for c in criteria.values():
        for e in c.evidence:
            e.quote = text[e.start:e.end]
    if n_words < (60 if mode == "answer" else 25):
        issues.append(f"the answer is short ({n_words} words): scores are capped")
    if mode == "answer" and not mentions and not any(parts[k] for k in ("objectives", "why_exists", "mission")):
        issues.append("no goals, rationale or metrics found: is this an answer to the question?")
    report = Report(text, mode, mentions, parts, criteria, questions, [], issues, doc)
    report.pushback = pushback_for(report, scenario)
    return report


def pushback_for(report: Report, scenario: Scenario | None) -> list[str]:
    """What an interviewer would push back on, most important first."""
    lines: list[str] = []
    product = product_name(scenario)
    seen: set[str] = set()
    for m in report.mentions if report.mode == "answer" else []:  # follow-up prompts name such metrics themselves
        key = m.catalog_id or m.lexicon_id or m.text.lower()
        if key in seen:
            continue
        if m.vanity:
            seen.add(key)
            lines.append(vanity_pushback(m, scenario) + f" Something like: {m.suggestion.split(':')[0]}.")
        elif m.caveat:
            seen.add(key)
            lines.append(caveat_probe(m))
    if report.mode != "answer":
        return lines
    used = [m for m in report.mentions if m.used]
    ns = [m for m in used if m.tier == "north_star"]
    if used and not ns:
        lines.append("Which one of these is your north star, the single metric you would make a launch decision on?")
    ns_keys = {m.key for m in ns}
    if any(m.tier == "input" and m.tier_source == "label" and m.key in ns_keys for m in used):
        lines.append("Your north star shows up again as a secondary metric: how is the north star different from the secondaries?")
    if len({m.key for m in ns}) > 1:
        lines.append("You named more than one north star. If you could keep only one, which, and why?")
    if used and not any(m.tier == "guardrail" for m in used):
        lines.append(f"What could go wrong if you pushed hard on that? Which guardrails would you watch for {product}?")
    goals = report.parts["objectives"]
    if len(goals) >= 2 and not report.parts["prioritization"]:
        lines.append("You listed several goals. Which comes first, and why that one?")
    undefined = [m for m in used if not m.defined and m.tier in ("north_star",) and not m.catalog_id]
    if undefined:
        lines.append(f"How exactly would you define \"{undefined[0].text.strip()}\": who is counted, out of whom, over what window?")
    return lines


def warm_up(scenarios: list[Scenario] | None = None) -> None:
    """Load the model files and compile the lexicons now rather than on the first candidate
    turn (a server worker calls this at start; the CLI never does)."""
    sample = "North star: % of weekly members who post and get a reply within 48 hours. Guardrail: DAU."
    for s in (scenarios or [None])[:64]:  # type: ignore[list-item]
        analyse(sample, s)
    classify("Is it the same on phones and on computers?")


def caveat_probe(m: Mention) -> str:
    """The interviewer's question on a defensible but imperfect pick (a consumption product's time)."""
    return f"\"{m.text.strip()}\" is a defensible north star here: {m.caveat} What would you pair it with?"


def product_name(s: Scenario | None) -> str:
    """The product as it reads in a sentence: "Uber", not "Uber (rides)"."""
    return re.sub(r"\s*\(.*?\)", "", s.product).strip() if s else "the product"


def people(s: Scenario | None) -> str:
    """Who the product serves first, as a plural noun phrase ("members", "everyday riders")."""
    if s is None:
        return "its users"
    return re.sub(r"\s*\(.*?\)", "", s.segments[0].name).strip().lower()


def vanity_pushback(m: Mention, s: Scenario | None) -> str:
    """The interviewer's pushback on a vanity metric, in the scenario's terms."""
    reason = (m.reason or "it counts activity, not value").strip().rstrip(".")
    reason = reason[:1].upper() + reason[1:]
    return (f"Let me push back on \"{m.text.strip()}\". {reason}. "
            f"What would change for {people(s)} if {product_name(s)} worked better?")
