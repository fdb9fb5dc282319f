"""Documents the pages and the JSON API share, built from the library core only."""

from __future__ import annotations

import time
from typing import Any

from ..coach import Coach
from ..engine import MAIN_STAGES, Interview
from ..kb import Bank, company_group
from ..models import TroubleshootingCase, case_kind
from ..store import SessionRow, TurnRow

#: The troubleshooting checklist the framework teaches, in order.
CHECKLIST: dict[str, list[str]] = {
    "pinpoint": ["definition", "time_period", "trend", "seasonality", "geography", "data_quality", "platform",
                 "app_version"],
    "external": ["industry", "competitor", "environment"],
    "internal": ["marketing", "tech_change", "segment", "channel", "funnel_step", "related_metrics", "user_feedback"],
}


def scenarios(bank: Bank, q: str = "", company: str = "", kind: str = "") -> list[dict[str, Any]]:
    """The bank's products, optionally filtered: ``q`` matches a product, company, alias or case
    title; ``company`` a company; ``kind`` a case type (only those cases are kept)."""
    out = []
    needle = q.strip().lower()
    for sid in bank.ids():
        e = bank.entry(sid)  # the compiled index: the home page never reads whole scenarios
        if company and company.strip().lower() not in {e.company.lower(), company_group(e.company).lower()}:
            continue
        if kind and not any(k == kind for _, k, _ in e.listing):
            continue
        if needle and not any(needle in t.lower() for t in [e.id, e.product, e.company, *e.aliases,
                                                              *(title for _, _, title in e.listing)]):
            continue
        out.append({
            "id": e.id,
            "product": e.product,
            "company": e.company,
            "kind": e.kind,
            "scope": e.scope,
            "tradeoffs": [{"id": c, "title": t, "kind": k} for c, k, t in e.listing if k == "tradeoff"],
            "troubleshooting": [{"id": c, "title": t, "kind": k} for c, k, t in e.listing if k == "troubleshooting"],
            "cases": [{"id": c, "title": t, "kind": k} for c, k, t in e.listing if not kind or k == kind],
        })
    return out


def turn(t: TurnRow) -> dict[str, Any]:
    kind = t.analysis.get("kind") if t.role == "interviewer" else None
    return {"seq": t.seq, "role": t.role, "stage": t.stage, "text": t.text, "kind": kind, "analysis": t.analysis}


def links(sid: str) -> dict[str, str]:
    return {
        "page": f"/sessions/{sid}",
        "self": f"/api/sessions/{sid}",
        "turns": f"/api/sessions/{sid}/turns",
        "finish": f"/api/sessions/{sid}/finish",
        "feedback": f"/api/sessions/{sid}/feedback",
        "feedback_page": f"/sessions/{sid}/feedback",
    }


def stages(iv: Interview) -> list[str]:
    """The stages this session will go through, in order."""
    plan: list[str] = list(MAIN_STAGES) if iv.config.start == "main" else []
    first = 0 if iv.config.start == "main" else next(
        (i for i, c in enumerate(iv.cases) if c.id == iv.config.start), 0)
    for c in iv.cases[first:]:
        plan.append(case_kind(c))
    return [*plan, "done"]


def game(iv: Interview) -> dict[str, Any] | None:
    case = iv.current_case
    if not isinstance(case, TroubleshootingCase) or iv.finished:
        return None
    st = iv.case_state[case.id]
    asked = list(dict.fromkeys(st.asked))
    facts = [{"dimension": k.split(".")[0], "fact": f.text} for k in st.revealed if (f := case.fact(k)) is not None]
    return {
        "case_id": case.id,
        "prompt": case.prompt,
        "metric": case.metric,
        "change": case.change,
        "checklist": CHECKLIST,
        "asked": asked,
        "facts": facts,
        "questions": st.turns,
        "hints_used": st.hints_used,
    }


def state(coach: Coach, row: SessionRow, iv: Interview, now: float | None = None) -> dict[str, Any]:
    now = time.time() if now is None else now
    finished = row.status == "finished" or iv.finished
    end = row.updated_at if finished else now
    elapsed = max(0.0, end - row.created_at)
    scen = coach.bank.scenarios.get(row.scenario_id)
    return {
        "session_id": row.id,
        "scenario": row.scenario_id,
        "product": scen.product if scen else row.scenario_id,
        "status": "finished" if finished else row.status,
        "stage": "done" if finished else iv._stage_name(),
        "stages": stages(iv),
        "finished": finished,
        "timed": iv.config.timed,
        "created_at": row.created_at,
        "elapsed_s": round(elapsed, 1),
        "budget_left_s": None if finished or iv.budget_left(elapsed) is None else round(iv.budget_left(elapsed) or 0.0, 1),
        "game": None if finished else game(iv),
        "links": links(row.id),
    }


def session(coach: Coach, row: SessionRow, iv: Interview, turns: list[TurnRow]) -> dict[str, Any]:
    return {**state(coach, row, iv), "turns": [turn(t) for t in turns]}
