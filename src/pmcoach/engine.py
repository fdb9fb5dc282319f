"""The interview engine: a deterministic state machine over the framework's stages.

The interviewer's every move is a function of the scenario, the session's configuration
and the candidate's turns so far (with the time each was sent), so a session can be
resumed, or re-scored, by replaying its stored candidate turns.
"""

from __future__ import annotations

import copy
import functools
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from .analysis import analyse, caveat_probe, classify, exercise, product_name, vanity_pushback
from .analysis.cues import load_yaml
from .analysis.diagnostics import classify_with_spans
from .analysis.diagnostics import parts as diagnostic_parts
from .analysis.facts import Judgement, dimension_scores, judge_conclusion, retrieve, retrieve_data
from .analysis.text import gradable
from .errors import InputError
from .models import (
    AnyCase,
    Scenario,
    TradeoffCase,
    TroubleshootingCase,
    case_kind,
)

MAIN_STAGES = ("clarify", "rationale", "segments", "objectives", "metrics")
#: Follow-up stages, one per case type.
CASE_STAGES = ("tradeoff", "troubleshooting", "launch", "experiment", "prioritization")
STAGES = (*MAIN_STAGES, *CASE_STAGES, "done")
#: Probes for missing parts a launch, experiment or prioritization answer gets before moving on.
EXERCISE_PROBES = 2

#: Minutes per stage in a timed (45-minute) interview.
BUDGET_MIN = {
    "clarify": 2,
    "rationale": 4,
    "segments": 3,
    "objectives": 5,
    "metrics": 15,
    "tradeoff": 8,
    "troubleshooting": 8,
    "launch": 8,
    "experiment": 8,
    "prioritization": 8,
}
TOTAL_MIN = 45

COMMANDS = {
    "/help": "show these commands",
    "/hint": "a nudge for the current stage (recorded in your feedback)",
    "/skip": "move on to the next stage",
    "/time": "time used, and the budget for this stage",
    "/quit": "leave now; the session is saved (pmcoach resume)",
}

MAX_TURNS = 120  # a session that reaches this ends, whatever the stage
MAX_CHARS = 20_000  # one turn, in characters
MANY_QUESTIONS = 4  # questions answered from one turn that asks several


@dataclass
class Reply:
    """One interviewer move."""

    text: str
    stage: str
    kind: str  # ask, probe, pushback, clarification, fact, transition, hint, help, time, end, quit
    analysis: dict[str, Any] = field(default_factory=dict)  # of the candidate turn that caused it


@dataclass
class Config:
    scenario_id: str
    followups: list[str]  # case ids in order
    start: str = "main"  # "main" or a case id
    timed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"scenario_id": self.scenario_id, "followups": self.followups, "start": self.start, "timed": self.timed}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Config:
        return cls(d["scenario_id"], list(d.get("followups", [])), d.get("start", "main"), bool(d.get("timed", False)))


@dataclass
class _CaseState:
    case_id: str
    kind: str  # "tradeoff" | "troubleshooting"
    probes: set[str] = field(default_factory=set)
    asked: list[str] = field(default_factory=list)  # troubleshooting dimensions, in order
    hints_used: int = 0
    hypothesis: str | None = None
    root_cause_correct: bool | None = None
    plan_given: bool = False
    plan_asked: bool = False
    wrong: int = 0  # wrong conclusions stated
    nudged: bool = False
    revealed: list[str] = field(default_factory=list)  # fact keys, in the order given
    turns: int = 0
    done: bool = False
    texts: list[str] = field(default_factory=list)


class Interview:
    """Plays the interviewer for one scenario."""

    def __init__(self, scenario: Scenario, config: Config) -> None:
        self.s = scenario
        self.config = config
        cases: dict[str, AnyCase] = {a: c for c in scenario.all_cases() for a in c.aliases}  # former ids
        cases.update({c.id: c for c in scenario.all_cases()})
        self.cases: list[AnyCase] = [cases[c] for c in config.followups if c in cases]
        self.case_index = -1
        self.case_state: dict[str, _CaseState] = {}
        self.stage = "clarify" if config.start == "main" else "followup"
        self.stage_started_at = 0.0
        self.main_text: list[str] = []  # candidate turns of the main question
        self.main_stages: list[str] = []  # the stage each of them answered
        self.probes: set[str] = set()
        self.pushed: set[str] = set()
        self.hints: dict[str, int] = {}
        self.finished = False
        self.candidate_turns = 0
        self.last_texts: list[str] = []
        if config.start != "main":
            self.case_index = next((i for i, c in enumerate(self.cases) if c.id == config.start), 0)

    # ------------------------------------------------------------------ public

    # ------------------------------------------------------------------ snapshots

    #: Bumped when the snapshot's shape changes; an older snapshot is ignored and the state is
    #: rebuilt from the transcript instead.
    SNAPSHOT_VERSION = 1

    def snapshot(self) -> dict[str, Any]:
        """The interviewer's whole state as JSON-able data: stored with each reply, so a worker
        that has not seen the session resumes it without replaying every turn's analysis."""
        return {
            "v": self.SNAPSHOT_VERSION,
            "case_index": self.case_index,
            "case_state": {k: {**{f: copy.deepcopy(getattr(st, f)) for f in st.__dataclass_fields__},
                               "probes": sorted(st.probes)}
                           for k, st in self.case_state.items()},
            "stage": self.stage,
            "stage_started_at": self.stage_started_at,
            "main_text": list(self.main_text),
            "main_stages": list(self.main_stages),
            "probes": sorted(self.probes),
            "pushed": sorted(self.pushed),
            "hints": dict(self.hints),
            "finished": self.finished,
            "candidate_turns": self.candidate_turns,
            "last_texts": list(self.last_texts),
        }

    @classmethod
    def restore(cls, scenario: Scenario, config: Config, snap: dict[str, Any]) -> Interview | None:
        """An interviewer in the state ``snapshot()`` recorded, or None when the snapshot is of
        another version (the caller then rebuilds the state from the transcript)."""
        if snap.get("v") != cls.SNAPSHOT_VERSION:
            return None
        iv = cls(scenario, config)
        iv.case_index = int(snap["case_index"])
        iv.case_state = {k: _CaseState(**{**copy.deepcopy(v), "probes": set(v["probes"])})
                         for k, v in snap["case_state"].items()}
        iv.stage = str(snap["stage"])
        iv.stage_started_at = float(snap["stage_started_at"])
        iv.main_text = list(snap["main_text"])
        iv.main_stages = list(snap["main_stages"])
        iv.probes = set(snap["probes"])
        iv.pushed = set(snap["pushed"])
        iv.hints = {str(k): int(v) for k, v in snap["hints"].items()}
        iv.finished = bool(snap["finished"])
        iv.candidate_turns = int(snap["candidate_turns"])
        iv.last_texts = list(snap["last_texts"])
        return iv

    def opening(self) -> list[Reply]:
        """The interviewer's first words."""
        if self.config.start != "main":
            return [self._open_case(0.0)]
        intro = (
            f"Let's do a product-execution interview. {self.s.primary_question} "
            "Feel free to ask clarifying questions first."
        )
        if self.config.timed:
            intro += f" We have {TOTAL_MIN} minutes."
        return [Reply(intro, "clarify", "ask")]

    def needs_reading(self, text: str) -> bool:
        """True when this turn is a troubleshooting question the rules cannot place (an
        optional LLM may read it; its reading is stored with the turn for replay)."""
        return (self.stage == "troubleshooting" and not text.strip().startswith("/")
                and not _hypothesis(text) and classify(text) == ["other"])

    def respond(self, text: str, at: float = 0.0, extra_dims: list[str] | None = None) -> Reply:
        """The interviewer's reply to one candidate turn sent ``at`` seconds into the session."""
        if self.finished:
            return Reply("The interview is over: your feedback is ready.", "done", "end")
        raw = text.strip()
        cmd = raw.split()[0].lower() if raw.startswith("/") else None
        if cmd:
            return self._command(cmd, at)
        if re.fullmatch(r"(?:ok(?:ay)?|k|yes|yep|yeah|no|nope|sure|fine|right|got it|cool)[.!]*", raw, re.I):
            return Reply("Go on.", self._stage_name(), "probe", {"acknowledgement": True})
        why = gradable(raw) if raw else "empty"
        if why:
            return Reply("I didn't catch that. Could you say it in words?", self._stage_name(), "probe",
                         {"issue": why if raw else "empty"})
        self.candidate_turns += 1
        if self.candidate_turns >= MAX_TURNS:
            self.finished = True
            self.stage = "done"
            return Reply("We're out of time. Thanks, that's the end of the interview.", "done", "end")
        if self.stage in MAIN_STAGES:
            return self._main(raw, at)
        case = self.cases[self.case_index]
        if isinstance(case, TroubleshootingCase):
            return self._troubleshoot(case, raw, at, extra_dims or [])
        if isinstance(case, TradeoffCase):
            return self._tradeoff(case, raw, at)
        return self._exercise(case, raw, at)

    @property
    def current_case(self) -> AnyCase | None:
        if 0 <= self.case_index < len(self.cases) and self.stage in CASE_STAGES:
            return self.cases[self.case_index]
        return None

    def budget_left(self, at: float) -> float | None:
        """Seconds left in this stage of a timed interview (negative when over)."""
        if not self.config.timed:
            return None
        return BUDGET_MIN.get(self._stage_name(), 5) * 60 - (at - self.stage_started_at)

    # ------------------------------------------------------------------ commands

    def _stage_name(self) -> str:
        return self.stage if self.stage != "followup" else "tradeoff"

    def _command(self, cmd: str, at: float) -> Reply:
        stage = self._stage_name()
        if cmd == "/help":
            lines = [f"{c}  {d}" for c, d in COMMANDS.items()]
            lines.append("Type your answer over as many lines as you like; an empty line sends it.")
            return Reply("\n".join(lines), stage, "help")
        if cmd == "/time":
            mins = at / 60
            msg = f"{mins:.0f} min in, stage: {stage}."
            left = self.budget_left(at)
            if left is not None:
                msg += f" About {max(0, left) / 60:.0f} min left for this stage of the {TOTAL_MIN}-minute interview."
            return Reply(msg, stage, "time")
        if cmd == "/hint":
            return self._hint(at)
        if cmd == "/skip":
            return self._advance(at, "Sure, let's move on.")
        if cmd == "/quit":
            return Reply("Saved: you can pick up where you left off later.", stage, "quit")
        return Reply(f"Unknown command {cmd}. Try /help.", stage, "help")

    def _hint(self, at: float) -> Reply:
        stage = self._stage_name()
        n = self.hints.get(stage, 0)
        self.hints[stage] = n + 1
        case = self.current_case
        if isinstance(case, TroubleshootingCase):
            st = self.case_state[case.id]
            st.hints_used += 1
            if n < len(case.hints):
                return Reply(f"Hint: {case.hints[n]}", stage, "hint", {"hint": n + 1, "case_id": case.id})
            return Reply("Hint: Work the checklist: pinpoint (when, where, which platform, is the data right), "
                         "then external, then internal causes.", stage, "hint", {"hint": n + 1, "case_id": case.id})
        generic = {
            "clarify": f"Ask about scope and the company's goal this year, then say why {self.s.product} exists.",
            "rationale": f"Tie {self.s.product} to the mission of {self.s.company}, name a threat, and place it in its lifecycle.",
            "segments": "Name the sides of the market or key segments, then walk one intent-based journey.",
            "objectives": "List a few goals per segment, then pick 2-3 and say why the first comes first.",
            "metrics": "One north star that measures value delivered (not activity), a secondary metric per goal, "
                       "and 2-3 guardrails.",
            "tradeoff": "Start with the north star, then secondaries and guardrails; pros and cons; 2-3 actions; a verdict "
                        "with conditions.",
            "launch": "Before (success criteria and baseline), the rollout in stages with gates, what you watch during it, "
                      "the read after launch, and what would make you stop.",
            "experiment": "Hypothesis, the unit you randomise and why, one primary metric, guardrails, the sample size and "
                          "days in numbers, the pitfalls, and what result ships it.",
            "prioritization": "Compare the three on their numbers, pick one out loud, tie it to the goal, say what you are "
                              "not doing, and how you'd de-risk the choice.",
        }
        return Reply("Hint: " + generic.get(stage, "Keep going."), stage, "hint", {"hint": n + 1})

    # ------------------------------------------------------------------ main question

    def _main(self, text: str, at: float) -> Reply:
        stage = self.stage
        # clarifying questions, answered from the scenario
        if stage in ("clarify", "rationale") and _asks(text):
            ans = self._clarification(text)
            if ans is not None:
                return Reply(ans, stage, "clarification", {"clarification": True})
        if _gives_up(text) and len(text) < 200:
            # "I don't know" / "just tell me": a nudge for this stage, never praise
            reply = self._hint(at)
            reply.text = "No problem, take a moment. " + reply.text
            reply.analysis = {**reply.analysis, "gave_up": True}
            return reply
        self.main_text.append(text)
        self.main_stages.append(stage if stage != "clarify" else "rationale")
        if self.stage == "clarify":
            self.stage = "rationale"
            stage = "rationale"
        turn_report = _analysed(text, self.s, "answer", stage=stage)
        analysis = _turn_analysis(turn_report)
        # vanity pushback the moment it is proposed as a measure of success (not while the
        # candidate explains why the product exists or who uses it); a defensible pick gets one
        # question on its caveat
        for m in turn_report.mentions:
            if stage in ("rationale", "segments") and not _proposes(text, m.start):
                continue  # a measure described while explaining the product, not proposed
            if m.caveat and not m.vanity and f"caveat:{m.key}" not in self.pushed:
                self.pushed.add(f"caveat:{m.key}")
                analysis["caveat"] = m.key
                return Reply(caveat_probe(m), stage, "probe", analysis)
            if m.vanity and not m.rejected:
                key = m.catalog_id or m.lexicon_id or m.text.lower()
                if key not in self.pushed:
                    self.pushed.add(key)
                    analysis["pushback"] = key
                    if len(self.pushed) == 1:
                        return Reply(vanity_pushback(m, self.s), stage, "pushback", analysis)
                    # the question was asked once already: say why, briefly
                    reason = (m.reason or "it counts activity, not value").strip().rstrip(".")
                    return Reply(f"\"{m.text.strip()}\" has the same problem: {reason[:1].upper()}{reason[1:]}. "
                                 "Which metric would show that people got value?", stage, "pushback", analysis)
        covered = self._covered()
        # time is up for this stage in a timed interview
        left = self.budget_left(at)
        if left is not None and left < 0:
            return self._advance(at, "In the interest of time, let's move on.", analysis, covered)
        probe = self._probe(self.stage, covered)
        if probe is not None:
            return Reply(probe, self.stage, "probe", analysis)
        return self._advance(at, None, analysis, covered)

    def _clarification(self, text: str) -> str | None:
        """The scenario's answer to the clarifying question(s) asked, or a nudge to assume."""
        answers = []
        for q in [p for p in re.split(r"(?<=\?)\s+", text) if p.strip()]:
            low = q.lower()
            best, score = None, 0
            for c in self.s.clarifications:
                # whole-word keyword hits, the longer keywords counting more
                hit = sum(len(k) for k in c.keywords if re.search(rf"\b{re.escape(k.lower())}\b", low))
                if hit > score:
                    best, score = c, hit
            if best is not None and score >= 4 and best.answer not in answers:
                answers.append(best.answer)
        if answers:
            return " ".join(answers)
        if "?" in text:
            return "That's your call: state your assumption and carry on."
        return None

    def _covered(self) -> dict[str, bool]:
        """What the main answer has covered so far: each turn is read once (and remembered), and
        the readings are pooled, so a long interview does not re-read its whole history."""
        return _coverage([_analysed(t, self.s, "answer", stage=st) for t, st in zip(self.main_text, self.main_stages, strict=True)])

    def _probe(self, stage: str, covered: dict[str, bool]) -> str | None:
        p = product_name(self.s)
        company = "the company" if self.s.company.lower() in p.lower() or p.lower() in self.s.company.lower() \
            else self.s.company
        wanted: list[tuple[str, str]] = []
        if stage == "rationale":
            wanted = [
                ("why_exists", f"Before we get to goals: why does {p} exist, for its users and for {company}?"),
                ("threats", f"What threatens {p} today, and how should that shape your goals?"),
                ("lifecycle", f"Where is {p} in its lifecycle, and what does that mean for what you focus on now?"),
            ]
        elif stage == "segments":
            wanted = [
                ("segments", f"Who are the main users or sides of the market for {p}?"),
                ("journeys", "Walk me through the journey of your most important segment, step by step."),
            ]
        elif stage == "objectives":
            wanted = [
                ("objectives", "What goals would you set?"),
                ("prioritization", "If you could only pursue two of those this half, which, and why that order?"),
            ]
        elif stage == "metrics":
            wanted = [
                ("metrics_any", "How would you measure success? Give me your north star, secondary metrics and guardrails."),
                ("north_star", "If you could pick only one metric to make launch decisions on, which would it be?"),
                ("ns_distinct", "How is your north star different from your secondary metrics?"),
                ("guardrails", f"What could go wrong if you pushed hard on that? Which guardrails would you watch for {p}?"),
                ("ns_defined", "How exactly would you define your north star: who is counted, out of whom, over what window?"),
                *self._north_star_probes(covered),
            ]
        for key, question in wanted:
            if covered.get(key, False):
                continue
            pid = f"{stage}:{key}"
            if pid in self.probes:
                continue
            self.probes.add(pid)
            return question
        return None

    def _north_star_probes(self, covered: dict[str, bool]) -> list[tuple[str, str]]:
        """Once a north star is on the table, what an interviewer asks about it: at most two,
        chosen from what the candidate left out."""
        deep = {"metrics:ns_alternative", "metrics:ns_gaming", "metrics:ns_conflict", "metrics:ns_ab"}
        if not covered.get("north_star") or len(deep & self.probes) >= 2:
            return []
        ns = self._stated_north_star()
        named = f"\"{ns}\"" if ns and len(ns.split()) <= 6 else "your north star"
        mentioned = {m.catalog_id for t, st in zip(self.main_text, self.main_stages, strict=True)
                     for m in _analysed(t, self.s, "answer", stage=st).mentions}
        alts = [a.metric for a in self.s.recommendation.north_star.alternatives
                if a.metric not in mentioned and a.metric in {m.id for m in self.s.metrics}]
        alt = self.s.metric(alts[0]).name if alts else None
        out: list[tuple[str, str]] = []
        if alt and not covered.get("alternatives"):
            out.append(("ns_alternative", f"Why {named} rather than, say, {alt.lower()}?"))
        if not covered.get("pros_cons"):
            out.append(("ns_gaming", f"How could a team game {named}, and what would you pair it with so they can't?"))
        if covered.get("guardrails"):
            out.append(("ns_conflict", f"Say {named} goes up 3% in a test but one of your guardrails drops. What do you do?"))
        out.append(("ns_ab", f"In an A/B test, how would you read {named}: over what window, and what would make you "
                             "distrust a win?"))
        return out[:2]

    def _acknowledge(self) -> str | None:
        """One specific phrase from the candidate's last answer, said back on moving on."""
        if not self.main_text:
            return None
        stage = self.main_stages[-1]
        if stage == "metrics":
            ns = self._stated_north_star()
            return f"OK, {ns} as the north star." if ns and len(ns.split()) <= 8 else "OK, noted your north star."
        rep = _analysed(self.main_text[-1], self.s, "answer", stage=stage)
        text = self.main_text[-1]
        for part in _STAGE_KEYS.get(stage, ()):
            for hit in rep.parts.get(part, []):
                words = text[hit.start:hit.end].strip().rstrip(".;:,").split()
                if len(words) >= 3:
                    phrase = " ".join(words[:10]) + ("..." if len(words) > 10 else "")
                    return f"Noted: \"{phrase}\"."
        return None

    def _stated_north_star(self) -> str | None:
        """The north star the candidate named: the first one under a label, else the latest."""
        found: list[tuple[bool, str]] = []
        for t, st in zip(self.main_text, self.main_stages, strict=True):
            rep = _analysed(t, self.s, "answer", stage=st)
            found += [(m.tier_source == "label", str(m.text.strip())) for m in rep.mentions
                      if m.used and m.tier == "north_star"]
        labelled = [t for lab, t in found if lab]
        return labelled[0] if labelled else (found[-1][1] if found else None)

    def _advance(self, at: float, preface: str | None, analysis: dict[str, Any] | None = None,
                 covered: dict[str, bool] | None = None) -> Reply:
        """Move to the next stage that still needs covering, or to the follow-ups."""
        analysis = analysis or {}
        if self.stage in MAIN_STAGES:
            if covered is None:
                covered = self._covered() if self.main_text else {}
            order = list(MAIN_STAGES)
            i = order.index(self.stage)
            for nxt in order[i + 1:]:
                if nxt == "clarify":
                    continue
                if not _stage_covered(nxt, covered):
                    ack = preface or self._acknowledge()
                    self.stage = nxt
                    self.stage_started_at = at
                    # a stage partly answered already: ask only for what is missing
                    partly = any(covered.get(k) for k in _STAGE_KEYS.get(nxt, ()))
                    opener = (self._probe(nxt, covered) if partly else None) or self._opener(nxt)
                    return Reply(f"{ack} {opener}" if ack else opener, nxt, "ask", analysis)
            return self._next_case(at, preface or self._acknowledge(), analysis)
        case = self.current_case
        if case is not None:
            self.case_state[case.id].done = True
        return self._next_case(at, preface, analysis)

    def _opener(self, stage: str) -> str:
        p = self.s.product
        return {
            "rationale": f"Let's start with the why. Why does {p} exist, and how does it serve {self.s.company}'s mission?",
            "segments": f"Who uses {p}? Break down the segments or sides of the market and their journeys.",
            "objectives": f"What goals would you set for {p}, and which come first?",
            "metrics": "How would you measure success? Give me one north star, secondary metrics and guardrails.",
        }[stage]

    # ------------------------------------------------------------------ follow-ups

    def _next_case(self, at: float, preface: str | None, analysis: dict[str, Any]) -> Reply:
        self.case_index += 1
        if self.case_index >= len(self.cases):
            self.finished = True
            self.stage = "done"
            text = "That's all I had: the interview is over and your feedback is ready."
            return Reply(f"{preface} {text}" if preface else text, "done", "end", analysis)
        reply = self._open_case(at)
        if preface:
            reply.text = f"{preface} {reply.text}"
        reply.analysis = analysis
        return reply

    def _open_case(self, at: float) -> Reply:
        case = self.cases[self.case_index]
        kind = case_kind(case)
        self.stage = kind
        self.stage_started_at = at
        self.case_state[case.id] = _CaseState(case.id, kind)
        lead = "Here's a follow-up." if self.main_text else ""
        extra = (" Ask me whatever you need to know; I'll answer from what we know."
                 if kind == "troubleshooting" else "")
        return Reply(f"{lead} {case.prompt}{extra}".strip(), kind, "ask", {"case_id": case.id})

    def _clarify(self, case: TradeoffCase | exercise.ExerciseCase, st: _CaseState, text: str) -> Reply | None:
        """A clarifying question about a case's data: the one or two data points that answer it
        (None when the turn is not a question)."""
        sents = [x for x in re.split(r"(?<=[.!?])\s+|\n+", text.strip()) if x.strip()]
        all_asked = bool(sents) and all(x.rstrip().endswith("?") or _QUESTION_START.match(x) for x in sents)
        if not (len(text) < 300 and (all_asked or ("?" in text and not _has_plan(text)))):
            return None
        stage = case_kind(case)
        hits = retrieve_data(case.fact_rows(), text)
        info: dict[str, Any] = {"case_id": case.id, "facts": [h.key for h in hits], "clarification": True}
        if not hits:
            return Reply("We don't have data on that. Work with what you have, and say what you'd want to "
                         "know.", stage, "clarification", info)
        new = [h for h in hits if h.key not in st.revealed]
        st.revealed.extend(h.key for h in new)
        if not new:
            info["repeat"] = True
        text_out = " ".join(h.text for h in new) if new else f"As I said: {hits[0].text}"
        return Reply(text_out, stage, "clarification", info)

    def _exercise(self, case: exercise.ExerciseCase, text: str, at: float) -> Reply:
        """A launch, experiment or prioritization case: data when asked; then the answer is read
        part by part, and up to two missing parts are asked for before moving on."""
        st = self.case_state[case.id]
        st.turns += 1
        kind = case_kind(case)
        if _gives_up(text):
            n = self.hints.get(kind, 0)
            self.hints[kind] = n + 1
            so_far = exercise.read(case, "\n\n".join(st.texts)) if st.texts else None
            missing = so_far.missing if so_far else list(exercise.parts(kind))
            first = exercise.parts(kind)[missing[0]] if missing else None
            lead = f"Start with {first['title']}. {first['question']}" if first else "Pull it together: what's your call?"
            return Reply(f"Let's take it one piece at a time. {lead}", kind, "hint",
                         {"case_id": case.id, "hint": n + 1, "gave_up": True})
        asked = self._clarify(case, st, text)
        if asked is not None:
            return asked
        st.texts.append(text)
        reading = exercise.read(case, "\n\n".join(st.texts))
        analysis: dict[str, Any] = {"case_id": case.id, "exercise": {
            "kind": kind, "score": reading.score, "found": reading.found, "missing": reading.missing,
            "choice": reading.choice}}
        left = self.budget_left(at)
        if left is not None and left < 0:
            return self._advance(at, "We're at time on this one.", analysis)
        if len(st.probes) < EXERCISE_PROBES:
            for miss in reading.missing:
                if miss in st.probes:
                    continue
                st.probes.add(miss)
                return Reply(str(exercise.parts(kind)[miss]["question"]), kind, "probe", analysis)
        got = [exercise.parts(kind)[f]["title"].split(" (")[0] for f in reading.found]
        preface = f"Noted: {', '.join(got)}. Let's move on." if got else "OK, let's move on."
        return self._advance(at, preface, analysis)

    def _tradeoff(self, case: TradeoffCase, text: str, at: float) -> Reply:
        st = self.case_state[case.id]
        st.turns += 1
        asked = self._clarify(case, st, text)
        if asked is not None:
            return asked
        st.texts.append(text)
        rep = _analysed("\n\n".join(st.texts), self.s, "tradeoff", case)
        crit = rep.criteria["tradeoffs"]
        analysis = {"case_id": case.id, "tradeoff": {"score": crit.score, "found": crit.found, "missing": crit.missing}}
        left = self.budget_left(at)
        if left is not None and left < 0:
            return self._advance(at, "We're at time on this one.", analysis)
        questions = {
            "impact on the north star": "What does this do to your north star?",
            "impact on secondary and guardrail metrics": "And your guardrails: retention, the other side of the market, revenue?",
            "actions to learn more or fix": "What would you do next to learn more or fix it?",
            "a verdict": "So: ship it, iterate, or roll it back?",
            "conditions on the verdict": "What would change your mind?",
            "pros and cons": "What are the pros and cons here?",
        }
        if len(st.probes - {"context"}) < 2:
            for miss in crit.missing:
                if miss in st.probes or miss not in questions:
                    continue
                st.probes.add(miss)
                return Reply(questions[miss], "tradeoff", "probe", analysis)
        return self._advance(at, "OK, let's move on.", analysis)

    def _troubleshoot(self, case: TroubleshootingCase, text: str, at: float, extra_dims: list[str]) -> Reply:
        st = self.case_state[case.id]
        st.turns += 1
        low = text.lower()
        if re.search(r"\b(?:a|another|any|one more|give me a|can i (?:get|have) a) hint\b|^hint\??$", low):
            return self._hint(at)
        spans = classify_with_spans(text)
        dims, scores = dimension_scores(text)
        dims = _case_dimensions(self.s, case, text, [d for d in dims if d != "other"])
        if not dims and extra_dims:
            # a model's reading of a question the rules could not place: at most two known dimensions
            dims = [str(d) for d in extra_dims if d in case.facts][:2]
        analysis: dict[str, Any] = {"case_id": case.id, "dimensions": dims or ["other"],
                                    "signals": {d: w for d, w in spans}}
        if _gives_up(text):
            return self._nudge(case, st, analysis, "I can't give you the cause: finding it is the exercise.")
        conclusion = _concludes(text)
        plan = _has_plan(text)
        if conclusion:
            return self._conclusion(case, st, text, plan, at, analysis)
        asking = "?" in text
        if st.hypothesis and st.root_cause_correct and st.plan_asked and (plan or not asking):
            # the answer to "what would you do about it?"
            st.plan_asked = False
            st.plan_given = plan
            st.done = True
            analysis["plan"] = plan
            return self._advance(at, "Thanks, that's a clear plan." if plan else "Thanks.", analysis)
        st.plan_asked = False
        asks = [p for p in diagnostic_parts(text) if "?" in p or _QUESTION_START.match(p)]
        if len(asks) > 1:
            return self._many_questions(case, st, asks, analysis)
        found = retrieve(case.fact_rows(), text, dims or ["other"], scores)
        if not found.hits:
            if not dims:
                return Reply("We don't have data on that. You can ask about when and how it moved, where, on which "
                             "platforms, for whom, or what changed, inside or outside the company.",
                             "troubleshooting", "clarification", analysis)
            return Reply("We don't have data on that.", "troubleshooting", "fact", analysis)
        new = [h for h in found.hits if h.key not in st.revealed]
        analysis["facts"] = [h.key for h in found.hits]
        st.asked.extend(dict.fromkeys(h.dimension for h in found.hits))
        if new:
            st.revealed.extend(h.key for h in new)
            answer = " ".join(h.text for h in new)
        else:
            analysis["repeat"] = True
            answer = f"As I said: {found.hits[0].text}"
        left = self.budget_left(at)
        if left is not None and left < 0:
            return self._advance(at, answer + " We're at time: what's your root cause and plan? "
                                 "(Tell me in your feedback.)", analysis)
        if st.turns >= 25 and "wrap" not in st.probes:
            st.probes.add("wrap")
            answer += " We're running short on time: what do you think the root cause is?"
        elif not st.nudged and _stuck(case, st):
            st.nudged = True
            area = _uncovered_area(case, st)
            if area:
                analysis["nudge"] = area
                answer += f" You've asked a lot; what about {area}?"
        return Reply(answer, "troubleshooting", "fact", analysis)

    def _many_questions(self, case: TroubleshootingCase, st: _CaseState, asks: list[str],
                        analysis: dict[str, Any]) -> Reply:
        """Several questions in one turn: the closest fact for each of the first few, each once."""
        answered: list[str] = []
        keys: list[str] = []
        for q in asks[:MANY_QUESTIONS]:
            for h in retrieve(case.fact_rows(), q).hits[:1]:
                if h.key not in keys:
                    keys.append(h.key)
                    st.asked.append(h.dimension)
                    answered.append(h.text if h.key not in st.revealed else f"As I said, {h.text[0].lower()}{h.text[1:]}")
        st.revealed.extend(k for k in keys if k not in st.revealed)
        analysis["facts"] = keys
        analysis["dimensions"] = sorted({k.split(".")[0] for k in keys}) or ["other"]
        text = " ".join(answered) or "We don't have data on those."
        if len(asks) > MANY_QUESTIONS:
            text += f" That's {len(asks)} questions at once: ask me the rest one or two at a time."
        return Reply(text, "troubleshooting", "fact", analysis)

    def _nudge(self, case: TroubleshootingCase, st: _CaseState, analysis: dict[str, Any], lead: str) -> Reply:
        """A candidate who gives up or asks for the answer: a nudge toward what they have not
        looked at, or the next hint when they have looked everywhere."""
        area = _uncovered_area(case, st)
        analysis["nudge"] = area or "hint"
        if area:
            return Reply(f"{lead} You haven't looked at {area} yet: what would you ask there?",
                         "troubleshooting", "probe", analysis)
        n = min(st.hints_used, len(case.hints) - 1)
        st.hints_used += 1
        self.hints["troubleshooting"] = self.hints.get("troubleshooting", 0) + 1
        analysis["hint"] = n + 1
        return Reply(f"{lead} Here's a hint: {case.hints[n]}", "troubleshooting", "hint", analysis)

    def _conclusion(self, case: TroubleshootingCase, st: _CaseState, text: str, plan: bool, at: float,
                    analysis: dict[str, Any]) -> Reply:
        """A stated root cause, judged by meaning. Right with a plan closes the case; right
        without one gets one request for the plan; wrong is challenged, never praised, and
        never ends the case (a hint after the second)."""
        verdict = root_cause_judgement(case, text)
        st.hypothesis = text
        st.root_cause_correct = verdict.right
        analysis["hypothesis"] = True
        analysis["conclusion"] = "right" if verdict.right else "wrong"
        if verdict.right:
            if plan or st.plan_asked:
                st.plan_given = plan
                st.done = True
                analysis["plan"] = plan
                return self._advance(at, "That's it. Thanks, that's a clear plan." if plan else "Thanks.", analysis)
            st.plan_asked = True
            return Reply("What would you do about it, and how would you confirm it?", "troubleshooting", "probe",
                         analysis)
        st.wrong += 1
        st.plan_asked = False
        if st.wrong == 2 or (st.wrong > 2 and st.wrong % 2 == 0):
            n = min(st.hints_used, len(case.hints) - 1)
            st.hints_used += 1
            self.hints["troubleshooting"] = self.hints.get("troubleshooting", 0) + 1
            analysis["hint"] = n + 1
            return Reply(f"I'm not convinced. Here's a hint: {case.hints[n]}", "troubleshooting", "hint", analysis)
        against = _contradicting(case, st, [*verdict.dimensions, *analysis["dimensions"]])
        if against:
            analysis["challenge"] = against
            fact = case.fact(against)
            said = fact.text if fact else ""
            return Reply(f"How does that square with what I told you: \"{said}\"?", "troubleshooting", "probe",
                         analysis)
        analysis["challenge"] = "data"
        return Reply("What data would rule that in or out? Ask me for it.", "troubleshooting", "probe", analysis)


# ---------------------------------------------------------------------- helpers

_MEMO: OrderedDict[tuple[int, str, str], tuple[Scenario, Any]] = OrderedDict()
_MEMO_LOCK = threading.Lock()


def _analysed(text: str, s: Scenario, mode: str, case: TradeoffCase | None = None, stage: str | None = None) -> Any:
    """analyse(), remembered: rebuilding a session from its turns (another worker, a
    resume) then costs one analysis per new turn, not one per turn so far. The engine
    only reads reports, so sharing them is safe."""
    key = (id(s), f"{mode}:{case.id if case else ''}:{stage or ''}", text)
    with _MEMO_LOCK:
        hit = _MEMO.get(key)
        if hit is not None and hit[0] is s:
            _MEMO.move_to_end(key)
            return hit[1]
    rep = analyse(text, s, mode, case, stage=stage)  # type: ignore[arg-type]
    with _MEMO_LOCK:
        _MEMO[key] = (s, rep)
        while len(_MEMO) > 2048:
            _MEMO.popitem(last=False)
    return rep



def _names(text: str) -> set[str]:
    """Capitalised names in a text (Reddit, Lyft, HBO Max), for spotting rivals by name. A word
    capitalised only because it opens a sentence ("Any", "Does", "Why") is not a name."""
    common = {"The", "A", "An", "In", "On", "No", "Not", "Only", "Our", "We", "It", "Its", "This", "That", "Android",
              "iOS", "Web", "Desktop", "Meta", "Facebook", "Google", "Apple", "Play", "Store", "US", "EU", "UK"}
    return {m.group(0) for m in re.finditer(r"\b[A-Z][A-Za-z0-9+]{2,}\b", text)
            if m.group(0) not in common and not _SENTENCE_START.search(text, 0, m.start())}


_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|[\"'“‘(]\s*|\n\s*)$")


_RIVALS: dict[tuple[str, str], frozenset[str]] = {}


def _rivals(s: Scenario, case: TroubleshootingCase) -> frozenset[str]:
    """Names of rivals in the case's competitor facts and the product's threats (once per case):
    not the product's own names, nor names the case's other facts use too (a region, a device,
    a partner)."""
    key = (s.id, case.id)
    if key not in _RIVALS:
        elsewhere = _names(" ".join(case.sheet(d) for d in case.facts if d not in ("competitor", "industry")))
        _RIVALS[key] = frozenset((_names(case.sheet("competitor")) | _names(" ".join(s.rationale.weaknesses_threats)))
                                 - _names(f"{s.product} {s.company}") - elsewhere)
    return _RIVALS[key]


def _case_dimensions(s: Scenario, case: TroubleshootingCase, text: str, dims: list[str]) -> list[str]:
    """Correct the rules with what the scenario knows: a rival named in the case's competitor
    fact or the product's threats is the competitor dimension, not a launch of ours; launching
    a campaign is marketing."""
    low = text.lower()
    said = {w for w in _rivals(s, case) if re.search(rf"\b{re.escape(w)}\b", text)}
    out = list(dims)
    if said:
        out = [d for d in out if d not in ("tech_change", "marketing", "other")] + ["competitor"]
        if not re.search(r"\b(?:we|our|us)\b", low):
            out = [d for d in out if d not in ("app_version",)]
    if "marketing" in out and "tech_change" in out and re.search(
            r"\blaunch\w* (?:\w+ ){0,3}(?:campaign|promo\w*|ads?|sale|discount|offer)", low):
        out.remove("tech_change")
    return sorted(dict.fromkeys(out))


def _turn_analysis(rep: Any) -> dict[str, Any]:
    return {
        "metrics": [
            {"text": m.text, "tier": m.tier, "vanity": m.vanity, "catalog_id": m.catalog_id, "rejected": m.rejected,
             "role": m.role}
            for m in rep.mentions
        ],
        "parts": sorted(k for k, v in rep.parts.items() if v),
    }


def _coverage(reports: list[Any]) -> dict[str, bool]:
    p = {k: any(r.parts.get(k) for r in reports) for k in reports[0].parts} if reports else {}
    used = [m for r in reports for m in r.mentions if m.used]
    ns = [m for m in used if m.tier == "north_star"]
    ns_keys = {m.key for m in ns}
    inputs = [m for m in used if m.tier == "input"]
    return {
        "why_exists": bool(p["why_exists"] or p["mission"]),
        "threats": bool(p["threats"]),
        "lifecycle": bool(p["lifecycle"]),
        "segments": bool(p["segments"]),
        "journeys": bool(p["journeys"]),
        "objectives": bool(p["objectives"]),
        "prioritization": bool(p["prioritization"]) or any(
            "a stated order" in r.criteria["prioritization"].found for r in reports),
        "metrics_any": bool(used),
        "north_star": bool(ns),
        "ns_distinct": not any(m.key in ns_keys for m in inputs if m.tier_source == "label"),
        "guardrails": any(m.tier == "guardrail" for m in used),
        "ns_defined": any(m.defined or m.catalog_id for m in ns) if ns else False,
        "pros_cons": bool(p["pros_cons"]),
        "alternatives": any(m.rejected for r in reports for m in r.mentions),
    }


#: What each main stage asks for (keys of ``_coverage``).
_STAGE_KEYS: dict[str, tuple[str, ...]] = {
    "rationale": ("why_exists", "threats"),
    "segments": ("segments", "journeys"),
    "objectives": ("objectives", "prioritization"),
    "metrics": ("north_star", "guardrails"),
}


def _stage_covered(stage: str, c: dict[str, bool]) -> bool:
    return {
        "rationale": c.get("why_exists", False) and c.get("threats", False),
        "segments": c.get("segments", False) and c.get("journeys", False),
        "objectives": c.get("objectives", False) and c.get("prioritization", False),
        "metrics": c.get("north_star", False) and c.get("guardrails", False) and c.get("ns_distinct", False),
    }.get(stage, False)


@functools.lru_cache(maxsize=1)
def _conclusion_pattern() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in load_yaml("diagnostics.yaml")["conclusion"]), re.I)


_PLAN = re.compile(
    r"\b(?:roll ?back|revert|hotfix|patch|fix|ship a fix|pause|alert|monitor|communicate|post-?mortem|escalate|"
    r"talk to|reach out|work with|add (?:an? )?(?:alert|test|check|monitor)|do nothing|no action|wait|re-?run|backfill|"
    r"restore|re-?enable|launch|counter|respond|lobby|adjust|reallocate|re-?invest|re-?instate|update)\w*\b|\bnext steps?\b|\baction plan\b",
    re.I,
)
_GIVE_UP = re.compile(
    r"\b(?:i (?:don'?t|do not) know|no idea|not sure what to ask|i'?m stuck|i give up|(?:just )?tell me (?:the )?(?:answer|cause|root cause)|"
    r"what(?:'s| is| was) the (?:root )?cause|can you (?:just )?tell me|give me the answer|tell me what happened|reveal)\b",
    re.I,
)
_QUESTION_START = re.compile(r"\s*(?:is|are|was|were|did|do|does|has|have|can|could|any|which|what|when|where|who|how)\b", re.I)


def _proposes(text: str, at: int) -> bool:
    """The sentence around ``at`` proposes a measure ("I'd measure ...", "success means ...")."""
    from .analysis import cues

    a = max(text.rfind(". ", 0, at), text.rfind("\n", 0, at)) + 1
    ends = [i for i in (text.find(". ", at), text.find("\n", at)) if i >= 0]
    return bool(cues.pattern("propose").search(text[a:min(ends) if ends else len(text)]))


def _asks(text: str) -> bool:
    """A short turn that asks rather than answers: its last sentence is a question, and it is
    not a set of notes or a long answer with a quoted question inside."""
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return len(text) < 400 and len(lines) <= 2 and text.rstrip().endswith("?")


def _hypothesis(text: str) -> bool:
    return bool(_conclusion_pattern().search(text))


def _concludes(text: str) -> bool:
    """A turn that states a root cause: a sentence that concludes, not one that asks; or a
    claim with no question in the turn followed by what to do about it ("A product change: the
    new toolbar hid commenting, so I'd restore the button"; "It's the OS update. Roll it back")."""
    sents = [x for x in re.split(r"(?<=[.!?])\s+|\n+", text) if x.strip()]
    for sent in sents:
        if not sent.rstrip().endswith("?") and not _QUESTION_START.match(sent) and _hypothesis(sent):
            return True
    if "?" in text or not sents or _QUESTION_START.match(sents[0]) or _GIVE_UP.search(text):
        return False
    first = re.search(r"(?:^|[.;:!,]\s*|\b(?:and|so|then)\s+)(?:i(?:'d| would| will|'ll)|we(?:'d| would| should| will|'ll)|let's)\s+"
                      r"|(?:^|[.;!]\s+)(?:" + _PLAN_IMPERATIVE + r")\b", text, re.I)
    if first is None or not _PLAN.search(text, first.start()):
        return False
    claim = text[:first.start()]
    return len(re.findall(r"[A-Za-z]\w*", claim)) >= 4 and not re.search(
        r"\b(?:check|look|ask|see|dig|investigate|compare|break (?:it )?down|segment|split)\w*\b", text[first.start():first.end() + 12], re.I)


#: Plan verbs a candidate uses as commands at the start of a sentence ("Roll back the update").
_PLAN_IMPERATIVE = "roll ?back|revert|hotfix|patch|fix|pause|restore|re-?enable|ship a fix|add an alert"


def _gives_up(text: str) -> bool:
    return bool(_GIVE_UP.search(text)) and not _concludes(text)


@functools.lru_cache(maxsize=1)
def _plan_frame() -> re.Pattern[str]:
    return re.compile(load_yaml("diagnostics.yaml")["plan_frame"], re.I)


def _has_plan(text: str) -> bool:
    """Says what the candidate would do: an action verb in a plan frame, or any action after a
    first-person modal in a sentence that is not a question ("I'd confirm it with the carrier")."""
    if re.search(r"\b(?:i'?d|i would|we should|we'd|we would|plan|next|then|first)\b", text, re.I) and _PLAN.search(text):
        return True
    return any(_plan_frame().search(sent) or re.match(rf"\W*(?:{_PLAN_IMPERATIVE})\b", sent, re.I)
               for sent in re.split(r"(?<=[.!?])\s+|\n+", text) if sent.strip() and not sent.rstrip().endswith("?"))


#: The troubleshooting checklist's areas (DESIGN.md), in the order a candidate works them.
AREAS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("when it started and whether the data is right", ("definition", "time_period", "trend", "data_quality")),
    ("where and on which platforms", ("geography", "platform", "app_version")),
    ("who is affected and how they arrive", ("segment", "channel", "funnel_step")),
    ("the same time last year", ("seasonality",)),
    ("what changed inside the company", ("tech_change", "marketing")),
    ("what changed outside it", ("industry", "competitor", "environment")),
    ("what users say and what else moved", ("user_feedback", "related_metrics")),
)


def _uncovered_area(case: TroubleshootingCase, st: _CaseState) -> str | None:
    """The checklist area the candidate has not asked about, the one holding a decisive fact first."""
    asked = set(st.asked)
    open_areas = [(name, dims) for name, dims in AREAS if not asked & set(dims)]
    if not open_areas:
        return None
    key_dims = {d for d, _ in case.decisive()}
    open_areas.sort(key=lambda a: not (set(a[1]) & key_dims))
    return open_areas[0][0]


def _stuck(case: TroubleshootingCase, st: _CaseState) -> bool:
    """Many questions and no decisive fact yet."""
    decisive = {f"{d}.{i}" for d, fs in case.facts.items() for i, f in enumerate(fs) if f.decisive}
    return len(st.asked) >= 8 and not decisive & set(st.revealed)


def _contradicting(case: TroubleshootingCase, st: _CaseState, dims: list[str]) -> str | None:
    """A fact already given that a wrong conclusion must explain: a decisive one (it points
    elsewhere), else the latest one from the dimension the conclusion blames."""
    given = [k for k in st.revealed if case.fact(k) is not None]
    decisive = [k for k in given if case.fact(k).decisive]  # type: ignore[union-attr]
    if decisive:
        return decisive[-1]
    same = [k for k in given if k.split(".")[0] in dims]
    return same[-1] if same else None


def root_cause_judgement(case: TroubleshootingCase, text: str) -> Judgement:
    """Judge a stated root cause against the case (see ``analysis.facts.judge_conclusion``);
    a version or build number only the root cause names counts on its own."""
    names = {w for w in re.findall(r"\b[\w.+-]*\d[\w.+-]*\b", case.root_cause) if len(w) >= 3}
    herrings = " ".join(case.red_herrings)
    telling = [w for w in names if not re.search(rf"\b{re.escape(w)}\b", herrings) and w.lower() not in case.prompt.lower()]
    # judge the claim, not the plan that follows it
    sentences = [x for x in re.split(r"(?<=[.!?])\s+|\n+", text) if x.strip()]
    claim = " ".join(x for x in sentences if _hypothesis(x) or not _has_plan(x)) or text
    return judge_conclusion(case.root_cause, case.root_cause_dimension, [(d, f.text) for d, f in case.decisive()],
                            case.red_herrings, claim, telling)


def root_cause_reached(case: TroubleshootingCase, asked: list[str]) -> int | None:
    """How many questions it took to ask about the root cause's dimension (None if never)."""
    for i, d in enumerate(asked, start=1):
        if d == case.root_cause_dimension:
            return i
    return None


def check_text(text: str) -> None:
    """Raise InputError for text that cannot be a turn."""
    if len(text) > MAX_CHARS:
        raise InputError(f"a turn is limited to {MAX_CHARS:,} characters (this one has {len(text):,})")
