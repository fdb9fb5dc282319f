"""The practice service: sessions over the store, the engine and feedback.

The CLI and the web app both call this; neither holds interview state of its own. An
interview is rebuilt from its stored turns whenever it is not in this process's cache, so
any worker can carry any session.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .engine import Config, Interview, Reply, check_text
from .errors import InputError, PmcoachError
from .feedback import build_feedback
from .kb import Bank
from .models import ExperimentCase, PrioritizationCase, Scenario, TradeoffCase, TroubleshootingCase, case_kind
from .rubric import AREAS, CORE_AREAS
from .store import SessionRow, Store, TurnRow

#: An unfinished interview with no turn for this long is shown as paused.
PAUSED_AFTER_S = 30 * 60


@dataclass
class Started:
    session_id: str
    scenario: Scenario
    replies: list[Reply]
    why: str


class Coach:
    def __init__(self, store: Store, bank: Bank, cache_size: int = 256, assist: Any = None) -> None:
        self.store = store
        self.bank = bank
        self.assist = assist  # an optional pmcoach.llm.Assist
        self._cache: OrderedDict[str, tuple[int, Interview]] = OrderedDict()
        self._cache_size = cache_size
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # ------------------------------------------------------------------ starting

    def choose(self, user_id: str | None = None) -> tuple[Scenario, str | None, str]:
        """A scenario for 'surprise me': the weakest area's follow-up, else the least practised."""
        past = [s for s in self.store.sessions(user_id) if s.scenario_id in self.bank.scenarios]
        counts = Counter(s.scenario_id for s in past)
        ids = sorted(self.bank.scenarios, key=lambda i: (counts[i], i))
        pick = self.bank.scenarios[ids[0]]
        finished = [s for s in past if s.feedback]
        if finished:
            totals: dict[str, list[int]] = {}
            for s in finished[-5:]:
                for a, c in (s.feedback or {}).get("criteria", {}).items():
                    # the areas a session can train directly
                    if c.get("score") is not None and a in (*CORE_AREAS, "problem_diagnosis", "launch_plan",
                                                             "prioritization"):
                        totals.setdefault(a, []).append(c["score"])
            if totals:
                weakest = min(totals, key=lambda a: (sum(totals[a]) / len(totals[a]), AREAS.index(a)))
                if weakest == "problem_diagnosis":
                    return pick, pick.troubleshooting[0].id, f"your weakest area lately is problem diagnosis, and you have practised {pick.product} least"
                if weakest == "tradeoffs":
                    return pick, pick.tradeoffs[0].id, f"your weakest area lately is trade-offs, and you have practised {pick.product} least"
                drill = {"launch_plan": self._with("launch", "experiment"),
                         "prioritization": self._with("prioritization")}.get(weakest, [])
                if drill:
                    sid, case_id = min(drill, key=lambda sc: (counts[sc[0]], sc[1]))
                    s_pick = self.bank.scenarios[sid]
                    return s_pick, case_id, (f"your weakest area lately is {weakest.replace('_', ' ')}, and "
                                             f"{s_pick.product} has a case that drills it")
                return pick, None, f"your weakest area lately is {weakest.replace('_', ' ')}; {pick.product} is the product you have practised least"
        return pick, None, f"{pick.product} is the product you have practised least"

    def _with(self, *kinds: str) -> list[tuple[str, str]]:
        """(scenario id, case id) of every case of these kinds, in bank order, from the index
        (no scenario is read)."""
        return [(sid, cid) for sid in sorted(self.bank.scenarios) for cid, kind, _ in self.bank.entry(sid).listing
                if kind in kinds]

    def start(self, product: str | None = None, followup: str | None = None, timed: bool = False,
              user_id: str | None = None) -> Started:
        why = ""
        if followup:
            scenario, case = self.bank.case(followup)
            if product and self.bank.find(product).id != scenario.id:
                raise InputError(f"case {followup!r} belongs to {scenario.product}, not {product!r}")
            config = Config(scenario.id, [case.id], start=case.id, timed=timed)
        else:
            if product:
                scenario = self.bank.find(product)
            else:
                scenario, case_id, why = self.choose(user_id)
                if case_id:
                    started = self.start(None, case_id, timed, user_id)
                    started.why = why
                    return started
            config = Config(scenario.id, self._followups(scenario, user_id), timed=timed)
        sid = self.store.create_session(scenario.id, config.to_json(), user_id)
        iv = Interview(scenario, config)
        replies = iv.opening()
        for r in replies:
            self.store.add_turn(sid, "interviewer", r.stage, r.text, {"kind": r.kind, **r.analysis}, 0.0)
        self._remember(sid, iv)
        return Started(sid, scenario, replies, why)

    def _followups(self, s: Scenario, user_id: str | None) -> list[str]:
        """One trade-off and one troubleshooting case: those this user has seen least."""
        seen: Counter[str] = Counter()
        for row in self.store.sessions(user_id, s.id):
            seen.update(row.config.get("followups", []))
        t = min(s.tradeoffs, key=lambda c: (seen[c.id], s.tradeoffs.index(c)))
        ts = min(s.troubleshooting, key=lambda c: (seen[c.id], s.troubleshooting.index(c)))
        return [t.id, ts.id]

    # ------------------------------------------------------------------ turns

    def _lock(self, sid: str) -> threading.Lock:
        with self._locks_guard:
            if len(self._locks) > 4 * self._cache_size:
                # forget locks nobody holds; a held one stays, so its session is still serialised
                self._locks = {k: v for k, v in self._locks.items() if v.locked()}
            return self._locks.setdefault(sid, threading.Lock())

    def _remember(self, sid: str, iv: Interview) -> None:
        n = len(self.store.turns(sid))
        self._cache[sid] = (n, iv)
        self._cache.move_to_end(sid)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def interview(self, sid: str, user_id: str | None = None) -> tuple[SessionRow, Interview, list[TurnRow]]:
        """The session's interviewer, rebuilt from stored turns unless cached and current."""
        row = self.store.session(sid, user_id)
        turns = self.store.turns(sid)
        cached = self._cache.get(sid)
        if cached and cached[0] == len(turns):
            return row, cached[1], turns
        scenario = self.bank.scenarios.get(row.scenario_id)
        if scenario is None:
            raise PmcoachError(f"session {sid} uses scenario {row.scenario_id!r}, which is no longer in the bank")
        config = Config.from_json(row.config)
        iv = None
        latest = self.store.latest_state(sid)
        if latest is not None and turns and latest[0] == turns[-1].seq:
            # the state stored with the latest reply: no turn is analysed again
            iv = Interview.restore(scenario, config, latest[1])
        if iv is None:  # an older session, or one whose latest turn carries no state: replay it
            iv = Interview(scenario, config)
            iv.opening()  # sets up a session that starts at a follow-up
            for t in turns:
                if t.role == "candidate":
                    iv.respond(t.text, t.at, t.analysis.get("llm_dimensions"))
        self._cache[sid] = (len(turns), iv)
        return row, iv, turns

    def say(self, sid: str, text: str, user_id: str | None = None, at: float | None = None,
            on_token: Callable[[str], None] | None = None) -> Reply:
        """Store the candidate's turn (committed first), then the interviewer's reply.

        With an LLM configured, ``on_token`` receives the reworded reply as it streams; the
        engine still decides the move, and its words are used whenever the model fails."""
        check_text(text)
        with self._lock(sid):
            row, iv, turns = self.interview(sid, user_id)
            if row.status == "finished" or iv.finished:
                raise InputError(f"session {sid} is finished: see 'pmcoach feedback {sid}'")
            when = at if at is not None else time.time() - row.created_at
            stage = iv._stage_name()
            seq = self.store.add_turn(sid, "candidate", stage, text, {}, when)
            llm_info: dict[str, Any] = {}
            extra = None
            if self.assist is not None and iv.needs_reading(text):
                extra, notice = self.assist.interpret_dimensions(text)
                llm_info["llm_dimensions"] = extra
                if notice:
                    llm_info["llm_notice"] = notice
            reply = iv.respond(text, when, extra)
            cand_analysis = dict(reply.analysis) | llm_info
            meta: dict[str, Any] = {"kind": reply.kind}
            for key in ("case_id", "hint", "facts", "pushback", "conclusion", "challenge", "nudge"):
                if key in reply.analysis:
                    meta[key] = reply.analysis[key]
            shown = reply.text
            if self.assist is not None and not iv.finished:
                out = self.assist.reword(reply.text, stage=reply.stage, kind=reply.kind,
                                         product=iv.s.product, on_token=on_token)
                shown = out.text
                meta["llm"] = {"used": out.used_llm, "notice": out.notice}
                if out.used_llm:
                    meta["engine_text"] = reply.text
            self.store.reply_to(sid, seq, cand_analysis, "interviewer", reply.stage, shown, meta, when,
                                state=iv.snapshot())
            reply = Reply(shown, reply.stage, reply.kind, cand_analysis | {"llm": meta.get("llm")})
            self._cache[sid] = (len(turns) + 2, iv)
            if iv.finished:
                self.finish(sid, user_id)
            return reply

    def finish(self, sid: str, user_id: str | None = None) -> dict[str, Any]:
        """Compute, store and return the feedback (also for a session left unfinished)."""
        row = self.store.session(sid, user_id)
        fb = self.feedback(sid, user_id, row=row, final=True)
        self.store.finish(sid, fb, fb["overall"])
        return fb

    def feedback(self, sid: str, user_id: str | None = None, row: SessionRow | None = None,
                 final: bool = False) -> dict[str, Any]:
        row = row or self.store.session(sid, user_id)
        scenario = self.bank.scenarios.get(row.scenario_id)
        if scenario is None:
            if row.feedback:
                return row.feedback
            raise PmcoachError(f"session {sid} uses scenario {row.scenario_id!r}, which is no longer in the bank")
        turns = self.store.turns(sid)
        previous = [(s.id, s.created_at, s.overall) for s in self.store.sessions(row.user_id, row.scenario_id)
                    if s.created_at < row.created_at and s.id != sid]
        fb = build_feedback(scenario, row.config, turns, previous, finished=final or row.status == "finished")
        fb["session_id"] = sid
        fb["date"] = time.strftime("%Y-%m-%d %H:%M", time.gmtime(row.created_at))
        return fb

    def latest_unfinished(self, user_id: str | None = None) -> SessionRow | None:
        rows = [s for s in self.store.sessions(user_id) if s.status == "active"]
        return rows[-1] if rows else None

    def discard(self, sid: str, user_id: str | None = None) -> None:
        """Delete an unfinished session and its turns (a finished one keeps its feedback)."""
        row = self.store.session(sid, user_id)
        if row.status == "finished":
            raise InputError(f"session {sid} is finished; its feedback and scores stay in your history")
        self.store.delete_session(sid)

    def transcript(self, sid: str, user_id: str | None = None) -> dict[str, Any]:
        """The session's turns in order, with pushbacks and the facts given marked."""
        from .feedback import transcript

        row = self.store.session(sid, user_id)
        scen = self.bank.scenarios.get(row.scenario_id)
        return {
            "session_id": sid,
            "scenario": row.scenario_id,
            "product": scen.product if scen else row.scenario_id,
            "date": time.strftime("%Y-%m-%d %H:%M", time.gmtime(row.created_at)),
            "status": row.status,
            "turns": transcript(scen, self.store.turns(sid)),
        }

    # ------------------------------------------------------------------ progress

    def history(self, user_id: str | None = None, *, everything: bool = True,
                now: float | None = None) -> list[dict[str, Any]]:
        """Sessions, oldest first. An unfinished one idle for PAUSED_AFTER_S is "paused";
        without ``everything``, starts that were left before any answer are not listed."""
        now = time.time() if now is None else now
        out = []
        for s in self.store.sessions(user_id):
            scen = self.bank.scenarios.get(s.scenario_id)
            status = s.status
            answers = None
            if status != "finished":
                answers = sum(1 for t in self.store.turns(s.id) if t.role == "candidate" and not t.text.startswith("/"))
                if now - s.updated_at >= PAUSED_AFTER_S:
                    status = "paused"
                    if not everything and answers == 0:
                        continue  # an abandoned start
            out.append({
                "session_id": s.id,
                "date": time.strftime("%Y-%m-%d %H:%M", time.gmtime(s.created_at)),
                "scenario": s.scenario_id,
                "product": scen.product if scen else s.scenario_id,
                "status": status,
                "answers": answers,
                "overall": s.overall,
                "followups": s.config.get("followups", []),
                "scores": {a: c.get("score") for a, c in (s.feedback or {}).get("criteria", {}).items()},
            })
        return out


def cheatsheet(bank: Bank, case_id: str) -> dict[str, Any]:
    """Everything a peer needs to play the interviewer for one follow-up case."""
    from .answer import build_answer
    from .rubric import QUESTIONS, TITLES

    s, case = bank.case(case_id)
    doc: dict[str, Any] = {
        "case_id": case.id,
        "scenario": s.id,
        "product": s.product,
        "kind": case_kind(case),
        "title": case.title,
        "question": case.prompt,
        "rubric": {a: {"title": TITLES[a], "question": QUESTIONS[a]} for a in AREAS},
        "model_answer": build_answer(s),
    }
    if isinstance(case, TroubleshootingCase):
        doc.update({
            "metric": case.metric,
            "change": case.change,
            "facts": {d: [f.text for f in fs] for d, fs in case.facts.items()},
            "decisive_facts": [f.text for _, f in case.decisive()],
            "root_cause": case.root_cause,
            "root_cause_dimension": case.root_cause_dimension,
            "red_herrings": case.red_herrings,
            "action_plan": case.action_plan,
            "hints": case.hints,
            "how_to_play": "Give only the one or two facts that answer what was asked, in a sentence; never "
                           "volunteer another dimension's facts; never state the root cause. Challenge a wrong "
                           "conclusion with a fact already given.",
        })
    elif isinstance(case, TradeoffCase):
        doc.update({
            "movements": [m.model_dump() for m in case.movements],
            "data": [f.text for f in case.data],
            "strong_points": case.strong_points,
            "verdict": case.verdict,
            "conditions": case.conditions,
            "actions": case.actions,
        })
    else:
        # launch, experiment, prioritization: the data given when asked, and the model answer part by part
        from .analysis import exercise

        kind = case_kind(case)
        own = exercise.case_prototypes(case)
        doc.update({
            "data": [f.text for f in case.data],
            "strong_points": case.strong_points,
            "parts": [{"part": name, "title": spec["title"], "ask_if_missing": spec["question"],
                       "model": own.get(name, [])} for name, spec in exercise.parts(kind).items()],
            "how_to_play": "Give data only when asked, one or two facts at a time. When the answer leaves a part "
                           "out, ask for it (at most two such questions), then move on.",
        })
        if isinstance(case, PrioritizationCase):
            doc.update({"initiatives": [i.model_dump() for i in case.initiatives], "choice": case.choice,
                        "reasoning": case.reasoning, "not_doing": case.not_doing})
        if isinstance(case, ExperimentCase):
            doc["power"] = case.power.model_dump()
    return doc
