"""Feedback for a finished (or interrupted) interview, computed from its transcript alone.

Deterministic: the same stored turns always give the same scores.
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from typing import Any, Protocol

from .analysis import analyse, exercise
from .analysis.grading import Criterion, Evidence, strong_points_made
from .engine import MAIN_STAGES, root_cause_judgement, root_cause_reached
from .errors import InputError
from .models import AnyCase, PrioritizationCase, Scenario, TradeoffCase, TroubleshootingCase
from .rubric import AREAS, CORE_AREAS, SCORE_LABELS, TITLES


class TurnLike(Protocol):
    @property
    def seq(self) -> int: ...
    @property
    def role(self) -> str: ...
    @property
    def stage(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def analysis(self) -> dict[str, Any]: ...


def _joined(turns: Sequence[TurnLike]) -> tuple[str, list[tuple[int, int, int]]]:
    """Candidate turns joined by blank lines, with (offset, length, seq) for each."""
    parts: list[str] = []
    index: list[tuple[int, int, int]] = []
    off = 0
    for t in turns:
        index.append((off, len(t.text), t.seq))
        parts.append(t.text)
        off += len(t.text) + 2
    return "\n\n".join(parts), index


def _relocate(ev: Evidence, index: list[tuple[int, int, int]]) -> dict[str, Any]:
    for off, n, seq in index:
        if off <= ev.start < off + n:
            return {"quote": ev.quote, "turn": seq, "start": ev.start - off, "end": min(ev.end, off + n) - off, "why": ev.why}
    return {"quote": ev.quote, "turn": None, "start": ev.start, "end": ev.end, "why": ev.why}


def _crit_json(c: Criterion, index: list[tuple[int, int, int]]) -> dict[str, Any]:
    return {
        "score": c.score,
        "label": SCORE_LABELS.get(c.score or 0, "not assessed"),
        "evidence": [_relocate(e, index) for e in c.evidence],
        "advice": c.advice,
        "found": c.found,
        "missing": c.missing,
    }


def _is_command(t: TurnLike) -> bool:
    return t.text.strip().startswith("/")


#: Areas a follow-up answer can show as well as the main answer (the best reading counts).
FOLLOWUP_AREAS = ("prioritization", "attention_to_detail", "data_analysis")


def build_feedback(
    s: Scenario,
    config: dict[str, Any],
    turns: Sequence[TurnLike],
    previous: Sequence[tuple[str, float, float | None]] = (),
    finished: bool = True,
) -> dict[str, Any]:
    """The feedback document. ``previous`` holds (session id, created_at, overall) of
    earlier attempts at the same scenario, oldest first. For an unfinished session the
    answers of a follow-up case still in play (its root cause, its verdict) are withheld."""
    cand = [t for t in turns if t.role == "candidate" and not _is_command(t) and t.text.strip()]
    main = [t for t in cand if t.stage in MAIN_STAGES and not t.analysis.get("clarification")]
    criteria: dict[str, dict[str, Any]] = {}
    out: dict[str, Any] = {"scenario": s.id, "product": s.product}
    vanity: list[dict[str, Any]] = []
    diff: list[str] = []

    if main:
        text, index = _joined(main)
        try:
            rep = analyse(text, s, "answer")
        except InputError:
            rep = None
        if rep is not None:
            for a in AREAS:
                if a in ("tradeoffs", "problem_diagnosis"):
                    continue
                criteria[a] = _crit_json(rep.criteria[a], index)
            seen: set[str] = set()
            for m in rep.mentions:
                key = m.catalog_id or m.text.lower()
                if m.vanity and not m.rejected and key not in seen:
                    seen.add(key)
                    vanity.append({"text": m.text, "reason": m.reason, "better": m.suggestion})
            diff = _model_diff(s, rep)
            if rep.criteria["tradeoffs"].score is not None:
                criteria["tradeoffs"] = _crit_json(rep.criteria["tradeoffs"], index)

    cases: dict[str, AnyCase] = {a: c for c in s.all_cases() for a in c.aliases}
    cases.update({c.id: c for c in s.all_cases()})
    tradeoffs = []
    troubles = []
    exercises = []
    followups = list(config.get("followups", []))
    touched = [cid for cid in followups if any(t.analysis.get("case_id") == cid for t in turns)]
    for cid in followups:
        case = cases.get(cid)
        if case is None:
            continue
        ct = [t for t in cand if t.analysis.get("case_id") == cid]
        if not ct:
            continue  # never played: its answers stay hidden for another session
        over = finished or (bool(touched) and touched[-1] != cid)
        hint_turns = [t for t in turns if t.role == "interviewer" and t.analysis.get("case_id") == cid
                      and t.analysis.get("hint")]
        if isinstance(case, TradeoffCase):
            if not ct:
                continue
            text, index = _joined(ct)
            try:
                rep_t = analyse(text, s, "tradeoff", case)
            except InputError:
                continue
            criteria["tradeoffs"] = _crit_json(rep_t.criteria["tradeoffs"], index)
            # the whole conversation counts: a follow-up answer can show an area better than the main one
            for a in ("launch_plan", *FOLLOWUP_AREAS):
                got = rep_t.criteria[a].score
                if got is not None and got > (criteria.get(a, {}).get("score") or 0):
                    criteria[a] = _crit_json(rep_t.criteria[a], index)
            made = strong_points_made(case, text)
            tradeoffs.append({
                "case_id": cid,
                "prompt": case.prompt,
                "you_covered": rep_t.criteria["tradeoffs"].found,
                "you_missed": rep_t.criteria["tradeoffs"].missing,
                "strong_points": [p for i, p in enumerate(case.strong_points) if i not in made] if over else [],
                "strong_points_made": [case.strong_points[i] for i in made] if over else [],
                "verdict": case.verdict if over else "(shown when you finish this case)",
            })
        elif not isinstance(case, TroubleshootingCase):
            answers = [t for t in ct if not (t.analysis.get("clarification") or t.analysis.get("gave_up"))]
            if not answers:
                continue
            text, index = _joined(answers)
            exercises.append(_exercise(case, text, index, criteria, over))
        else:
            t_out = _troubleshooting(case, ct, turns, criteria, len(hint_turns))
            if not over:
                t_out.update(root_cause="(shown when you finish this case)", expected_action_plan=[], red_herrings=[],
                             root_cause_correct=None, root_cause_dimension=None, reached_root_dimension_after=None)
            troubles.append(t_out)

    for a in AREAS:
        criteria.setdefault(a, {"score": None, "label": "not assessed", "evidence": [], "advice": "", "found": [], "missing": []})
        _agree(criteria[a])
    # no evidence, no credit (already applied per report); a weak area is never averaged away
    out["criteria"] = {a: criteria[a] for a in AREAS}
    out["interim"] = not finished
    overall = _overall(out["criteria"])
    out["overall"] = overall
    out["vanity"] = vanity
    out["model_answer_diff"] = diff
    out["tradeoffs"] = tradeoffs
    out["troubleshooting"] = troubles
    out["exercises"] = exercises
    out["hints_used"] = sum(1 for t in turns if t.role == "candidate" and t.text.strip().lower() == "/hint")
    out["previous"] = [
        {"session_id": sid, "date": time.strftime("%Y-%m-%d", time.gmtime(at)), "overall": ov}
        for sid, at, ov in previous
    ]
    prev_scores = [ov for _, _, ov in previous if ov is not None]
    out["change_since_last"] = round(overall - prev_scores[-1], 2) if prev_scores else None
    out["transcript"] = transcript(s, turns)
    out["weakest"] = _weakest(out["criteria"])
    out["next_drill"] = _next_drill(s, out["weakest"])
    return out


def _exercise(case: exercise.ExerciseCase, text: str, index: list[tuple[int, int, int]],
              criteria: dict[str, dict[str, Any]], over: bool) -> dict[str, Any]:
    """A launch, experiment or prioritization answer: the parts covered, each with the
    candidate's own sentence, scored into its rubric area when it reads better than before."""
    kind = exercise.kind_of(case)
    reading = exercise.read(case, text)
    spec = exercise.parts(kind)
    area = exercise.rubric_area(kind)
    evidence = []
    for name, quote in reading.evidence.items():
        start = text.find(quote)
        evidence.append(_relocate(Evidence(quote, start, start + len(quote), str(spec[name]["title"])), index))
    advice = str(spec[reading.missing[0]]["advice"]) if reading.missing else (
        "Every part is there: make each one sharper with the case's numbers.")
    crit = {"score": reading.score, "label": SCORE_LABELS.get(reading.score, "not assessed"), "evidence": evidence,
            "advice": advice, "found": [str(spec[n]["title"]) for n in reading.found],
            "missing": [str(spec[n]["title"]) for n in reading.missing]}
    if reading.score > (criteria.get(area, {}).get("score") or 0):
        criteria[area] = crit
    own = exercise.case_prototypes(case)
    doc: dict[str, Any] = {
        "case_id": case.id, "kind": kind, "prompt": case.prompt, "score": reading.score,
        "you_covered": crit["found"], "you_missed": crit["missing"],
        "model": [{"part": str(spec[n]["title"]), "items": own.get(n, [])} for n in spec] if over else [],
        "strong_points": case.strong_points if over else [],
    }
    if isinstance(case, PrioritizationCase):
        names = {i.id: i.name for i in case.initiatives}
        doc["your_choice"] = names.get(reading.choice or "")
        doc["model_choice"] = names[case.choice] if over and case.choice in names else None
        doc["model_reasoning"] = case.reasoning if over else None
    return doc


def _agree(c: dict[str, Any]) -> None:
    """Nothing is reported missing that the candidate's own quoted words show: an item found,
    or the reason a quote was taken as evidence, is not also missing."""
    shown = {x.lower() for x in c.get("found", [])} | {e.get("why", "").lower() for e in c.get("evidence", [])}
    c["missing"] = [m for m in c.get("missing", []) if m.lower() not in shown]


def _overall(criteria: dict[str, dict[str, Any]]) -> float:
    total = weight = 0.0
    for a, c in criteria.items():
        if c["score"] is None:
            continue
        w = 2.0 if a in CORE_AREAS else 1.0
        total += c["score"] * w
        weight += w
    return round(total / weight, 2) if weight else 0.0


def _weakest(criteria: dict[str, dict[str, Any]]) -> list[str]:
    scored = [(c["score"], a) for a, c in criteria.items() if c["score"] is not None]
    if not scored:
        return []
    low = min(sc for sc, _ in scored)
    return [a for sc, a in scored if sc == low]


def _next_drill(s: Scenario, weakest: list[str]) -> str:
    if not weakest:
        return f"Run a full mock: pmcoach practice \"{s.product}\""
    area = weakest[0]
    drills = {
        "product_rationale": f"Say in 60 seconds why {s.product} exists, the threat it faces and its lifecycle stage; "
                             f"then compare with 'pmcoach answer \"{s.product}\"' part 1.",
        "goals": "List 5 goals across segments, then cut to 2-3 and say why the first comes first.",
        "metrics": f"Write one north star for {s.product} as numerator / denominator / window, with two guardrails; "
                   f"check it with 'pmcoach check --product \"{s.product}\"'.",
        "tradeoffs": f"Drill a trade-off: pmcoach practice \"{s.product}\" --followup {s.tradeoffs[0].id}",
        "problem_diagnosis": f"Drill a troubleshooting case: pmcoach practice \"{s.product}\" --followup {s.troubleshooting[0].id}",
        "data_analysis": "Define every metric you name (who, out of whom, what window) and give a baseline and target.",
        "prioritization": (f"Drill a prioritization case: pmcoach practice \"{s.product}\" --followup {s.prioritizations[0].id}"
                           if s.prioritizations else
                           "For every list you make, say what comes first, why, and what you are not doing yet."),
        "launch_plan": (f"Drill a launch plan: pmcoach practice \"{s.product}\" --followup {s.launches[0].id}"
                        if s.launches else
                        "Describe the experiment: unit, holdout, duration, launch criteria on the north star and guardrails."),
        "attention_to_detail": "For your top goal, name two segments or ecosystem effects that could move the other way.",
    }
    return f"{TITLES[area]}: {drills[area]}"


def _model_diff(s: Scenario, rep: Any) -> list[str]:
    out: list[str] = []
    rec = s.recommendation
    ns = s.metric(rec.north_star.metric)
    said = {m.catalog_id for m in rep.mentions if m.catalog_id and m.used}
    ns_said = [m for m in rep.mentions if m.tier == "north_star" and m.used]
    if ns.id not in said:
        why = rec.north_star.why.split(". ")[0].rstrip(".")
        if ns_said:
            out.append(f"Your north star was \"{ns_said[0].text.strip()}\". The model answer uses {ns.name} "
                       f"({ns.definition.split('. ')[0].rstrip('.')}), because {why[:1].lower()}{why[1:]}.")
        else:
            out.append(f"Name one north star. The model answer uses {ns.name}: {ns.definition.split('. ')[0].rstrip('.')}.")
    missing_guards = [s.metric(g.metric).name for g in rec.guardrails if g.metric not in said]
    if missing_guards and len(missing_guards) == len(rec.guardrails):
        out.append("Guardrails a strong answer watches: " + "; ".join(missing_guards) + ".")
    text = rep.text.lower()
    missed_segments = [seg.name for seg in s.segments
                       if not any(w.lower() in text for w in seg.name.replace("(", " ").replace(")", " ").split() if len(w) > 4)]
    if missed_segments:
        out.append("Segments you did not mention: " + "; ".join(missed_segments) + ".")
    if not rep.parts["threats"]:
        out.append(f"A threat that shapes the goals: {s.rationale.weaknesses_threats[0].split('. ')[0].rstrip('.')}.")
    top = s.objective(s.prioritization.objectives[0])
    if not rep.parts["prioritization"] and "a stated order" not in rep.criteria["prioritization"].found:
        out.append(f"Prioritize: the model answer puts first \"{top.statement.split(':')[0]}\". "
                   f"{s.prioritization.reason.split('. ')[0].rstrip('.')}.")
    return out


def root_cause_verdict(t: dict[str, Any]) -> str:
    """How the candidate's root cause is reported: judged once the case is over; stated but
    not yet judged while it is still open (the judgement would hint at the answer)."""
    if t["root_cause_correct"] is None:
        return "stated, judged when you finish this case" if t.get("root_cause_stated") else "not stated"
    return "right" if t["root_cause_correct"] else "not right"


def _troubleshooting(
    case: TroubleshootingCase, ct: Sequence[TurnLike], turns: Sequence[TurnLike],
    criteria: dict[str, dict[str, Any]], hints: int,
) -> dict[str, Any]:
    asked: list[str] = []
    for t in ct:
        for d in t.analysis.get("dimensions", []):
            if d != "other":
                asked.append(d)
    ordered = list(dict.fromkeys(asked))
    hyp_turns = [t for t in ct if t.analysis.get("hypothesis")]
    correct: bool | None = None
    if hyp_turns:
        # the conclusion that counts is the last one; a right one stated earlier still counts
        judged = [t.analysis.get("conclusion") for t in hyp_turns]
        if all(j in ("right", "wrong") for j in judged):
            correct = "right" in judged
        else:  # turns stored before conclusions were judged in the engine
            correct = any(root_cause_judgement(case, t.text).right for t in hyp_turns)
    if ct:
        text, index = _joined(ct)
        try:
            rep = analyse(text, None, "troubleshooting")
            crit = rep.criteria["problem_diagnosis"]
            score = crit.score
            notes = []
            if score is not None:
                if correct is None:
                    score = min(score, 2)
                    notes.append("no root cause stated")
                elif correct is False:
                    score = min(score, 2)
                    notes.append("the root cause stated was not the real one")
                if hints >= 2:
                    score = min(score, 3)
                    notes.append(f"{hints} hints used")
                crit.score = max(1, score)
                if notes:
                    crit.advice = crit.advice + " (" + "; ".join(notes) + ".)"
            criteria["problem_diagnosis"] = _crit_json(crit, index)
            if "data_analysis" not in criteria or criteria["data_analysis"]["score"] is None:
                criteria["data_analysis"] = _crit_json(rep.criteria["data_analysis"], index)
        except InputError:
            pass
    questions = sum(1 for t in ct if not t.analysis.get("hypothesis"))
    return {
        "case_id": case.id,
        "prompt": case.prompt,
        "dimensions_asked": ordered,
        "questions": questions,
        "root_cause_dimension": case.root_cause_dimension,
        "reached_root_dimension_after": root_cause_reached(case, asked),
        "root_cause_stated": bool(hyp_turns),
        "root_cause_correct": correct,
        "root_cause": case.root_cause,
        "hints_used": hints,
        "expected_action_plan": case.action_plan,
        "red_herrings": case.red_herrings,
    }


# ---------------------------------------------------------------------- transcript


def transcript(s: Scenario | None, turns: Sequence[TurnLike]) -> list[dict[str, Any]]:
    """Every turn in order, the interviewer's marked with what it was (a pushback, a probe,
    a fact...) and the facts it gave, each with its dimension."""
    cases: dict[str, TradeoffCase | TroubleshootingCase] = {}
    if s is not None:
        cases = {c.id: c for c in s.tradeoffs} | {c.id: c for c in s.troubleshooting}
    out = []
    for t in turns:
        row: dict[str, Any] = {"seq": t.seq, "role": t.role, "stage": t.stage, "text": t.text}
        if t.role == "interviewer":
            row["kind"] = t.analysis.get("kind", "")
            case = cases.get(t.analysis.get("case_id", ""))
            given = []
            for key in t.analysis.get("facts", []) if row["kind"] in ("fact", "clarification") else []:
                if isinstance(case, TroubleshootingCase):
                    f = case.fact(key)
                    if f is not None:
                        given.append({"key": key, "dimension": key.split(".")[0], "text": f.text})
                elif isinstance(case, TradeoffCase):
                    text = case.fact_text(key)
                    if text is not None:
                        given.append({"key": key, "dimension": "data", "text": text})
            row["facts"] = given
        out.append(row)
    return out


def render_transcript(rows: list[dict[str, Any]]) -> list[str]:
    """Markdown lines for a transcript: pushbacks and facts marked."""
    out = []
    for r in rows:
        if r["role"] == "candidate":
            out.append(f"**You** ({r['stage']}): {r['text']}")
        else:
            mark = {"pushback": " (pushback)", "hint": " (hint)", "probe": " (probe)"}.get(r.get("kind", ""), "")
            facts = r.get("facts") or []
            given = f" [facts given: {', '.join(f['dimension'].replace('_', ' ') for f in facts)}]" if facts else ""
            out.append(f"**Interviewer**{mark}{given}: {r['text']}")
        out.append("")
    return out


# ---------------------------------------------------------------------- rendering


def render_markdown(fb: dict[str, Any]) -> str:
    out = [f"# Feedback: {fb['product']}", ""]
    if fb.get("interim"):
        out += ["> Interim feedback: this interview is not finished (pmcoach resume to carry on).", ""]
    out.append(f"Overall: **{fb['overall']:.2f} / 4**")
    if fb.get("change_since_last") is not None:
        out.append(f" ({fb['change_since_last']:+.2f} since your last attempt at this scenario)")
    out += ["", "| Area | Score | Your words | Next time |", "|---|---|---|---|"]
    for a in AREAS:
        c = fb["criteria"][a]
        if c["score"] is None:
            continue
        ev = "<br>".join(f"\"{_md_quote(e['quote'])}\"" for e in c["evidence"]) or "(none)"
        out.append(f"| {TITLES[a]} | {c['score']} ({c['label']}) | {_cell(ev)} | {_cell(c['advice'])} |")
    skipped = [TITLES[a] for a in AREAS if fb["criteria"][a]["score"] is None]
    if skipped:
        out += ["", "Not assessed: " + ", ".join(skipped) + "."]
    if fb["vanity"]:
        out += ["", "## Vanity metrics you used", ""]
        out += [f"- \"{v['text']}\": {v['reason']} Better: {v['better']}" for v in fb["vanity"]]
    if fb["model_answer_diff"]:
        out += ["", "## What a strong answer would have added", ""]
        out += [f"- {d}" for d in fb["model_answer_diff"]]
    for t in fb["tradeoffs"]:
        out += ["", f"## Trade-off: {t['prompt']}", "", "You covered: " + (", ".join(t["you_covered"]) or "nothing yet"),
                "", "You missed: " + (", ".join(t["you_missed"]) or "nothing")]
        if t.get("strong_points_made"):
            out += ["", "Points of a strong answer you made:"] + [f"- {p}" for p in t["strong_points_made"]]
        if t["strong_points"]:
            out += ["", "Points a strong answer also makes:"] + [f"- {p}" for p in t["strong_points"]]
        out += ["", f"A defensible verdict: {t['verdict']}"]
    for t in fb["troubleshooting"]:
        out += ["", f"## Troubleshooting: {t['prompt']}", ""]
        out.append("Your path: " + (" -> ".join(d.replace("_", " ") for d in t["dimensions_asked"])
                                    or "no diagnostic questions"))
        reached = t["reached_root_dimension_after"]
        if t["root_cause_dimension"]:
            dim = t["root_cause_dimension"].replace("_", " ")
            out += ["", f"You reached the root cause's dimension ({dim}) after {reached} checks." if reached
                    else f"You never asked about the root cause's dimension ({dim})."]
        out += ["", f"Your root cause: {root_cause_verdict(t)}. The root cause: {t['root_cause']}"]
        if t["expected_action_plan"]:
            out += ["", "Expected action plan:"] + [f"- {p}" for p in t["expected_action_plan"]]
        if t["hints_used"]:
            out += ["", f"Hints used: {t['hints_used']}"]
    for x in fb.get("exercises", []):
        out += ["", f"## {x['kind'].capitalize()}: {x['prompt']}", "",
                "You covered: " + (", ".join(x["you_covered"]) or "nothing yet"),
                "", "You missed: " + (", ".join(x["you_missed"]) or "nothing")]
        if x.get("your_choice") or x.get("model_choice"):
            out += ["", f"Your choice: {x.get('your_choice') or 'not stated'}."
                    + (f" The model answer's: {x['model_choice']}. {x['model_reasoning']}" if x.get("model_choice") else "")]
        for part in x["model"]:
            if part["items"]:
                out += ["", f"A strong answer, {part['part']}:"] + [f"- {i}" for i in part["items"]]
    if fb["previous"]:
        out += ["", "## Your earlier attempts at this scenario", ""]
        out += [f"- {p['date']} ({p['session_id']}): {p['overall'] if p['overall'] is not None else 'unfinished'}"
                for p in fb["previous"]]
    out += ["", f"**Next drill.** {fb['next_drill']}", ""]
    if fb.get("transcript"):
        out += ["## Transcript", ""] + render_transcript(fb["transcript"])
    return "\n".join(out)


def _md_quote(q: str, limit: int = 160) -> str:
    q = " ".join(q.split())
    if len(q) > limit:
        q = q[:limit].rsplit(" ", 1)[0] + "…"
    return html.escape(q, quote=False).replace('"', "'")


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def score_chart_svg(criteria: dict[str, dict[str, Any]], width: int = 640) -> str:
    """A horizontal bar chart of the rubric scores, as inline SVG."""
    rows = [(TITLES[a], c["score"]) for a, c in criteria.items()]
    h = 26 * len(rows) + 30
    x0 = 290
    bar_w = width - x0 - 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" role="img" '
             f'aria-label="Rubric scores" font-family="sans-serif" font-size="12">']
    for i in range(5):
        x = x0 + bar_w * i / 4
        parts.append(f'<line x1="{x:.0f}" y1="8" x2="{x:.0f}" y2="{h - 20}" stroke="#ddd"/>')
        parts.append(f'<text x="{x:.0f}" y="{h - 6}" text-anchor="middle" fill="#666">{i}</text>')
    for i, (title, score) in enumerate(rows):
        y = 12 + i * 26
        parts.append(f'<text x="{x0 - 8}" y="{y + 13}" text-anchor="end">{html.escape(title)}</text>')
        if score is None:
            parts.append(f'<text x="{x0 + 4}" y="{y + 13}" fill="#999">not assessed</text>')
            continue
        colour = {1: "#c0392b", 2: "#e67e22", 3: "#27ae60", 4: "#1e8449"}[score]
        parts.append(f'<rect x="{x0}" y="{y}" width="{bar_w * score / 4:.0f}" height="18" fill="{colour}" rx="3"/>')
        parts.append(f'<text x="{x0 + bar_w * score / 4 + 4:.0f}" y="{y + 13}">{score}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(fb: dict[str, Any]) -> str:
    """One self-contained HTML file: no external CSS, scripts or fonts."""
    e = html.escape
    rows = []
    for a in AREAS:
        c = fb["criteria"][a]
        if c["score"] is None:
            continue
        ev = "".join(f"<blockquote>{e(x['quote'].strip()[:300])}</blockquote>" for x in c["evidence"]) or "<em>none</em>"
        rows.append(f"<tr><th>{e(TITLES[a])}</th><td class='s{c['score']}'>{c['score']}<br><small>{e(c['label'])}</small>"
                    f"</td><td>{ev}</td><td>{e(c['advice'])}</td></tr>")
    sections = []
    if fb["vanity"]:
        items = "".join(f"<li><b>{e(v['text'])}</b>: {e(v['reason'])} <i>Better:</i> {e(v['better'])}</li>" for v in fb["vanity"])
        sections.append(f"<h2>Vanity metrics you used</h2><ul>{items}</ul>")
    if fb["model_answer_diff"]:
        items = "".join(f"<li>{e(d)}</li>" for d in fb["model_answer_diff"])
        sections.append(f"<h2>What a strong answer would have added</h2><ul>{items}</ul>")
    for t in fb["tradeoffs"]:
        pts = "".join(f"<li>{e(p)}</li>" for p in t["strong_points"])
        made = "".join(f"<li>{e(p)}</li>" for p in t.get("strong_points_made", []))
        sections.append(f"<h2>Trade-off</h2><p>{e(t['prompt'])}</p><p>You missed: {e(', '.join(t['you_missed']) or 'nothing')}</p>"
                        + (f"<p>Points of a strong answer you made:</p><ul>{made}</ul>" if made else "")
                        + (f"<p>Points a strong answer also makes:</p><ul>{pts}</ul>" if pts else "")
                        + f"<p><b>Verdict:</b> {e(t['verdict'])}</p>")
    for t in fb["troubleshooting"]:
        verdict = root_cause_verdict(t)
        plan = "".join(f"<li>{e(p)}</li>" for p in t["expected_action_plan"])
        sections.append(f"<h2>Troubleshooting</h2><p>{e(t['prompt'])}</p><p>Your path: {e(' → '.join(t['dimensions_asked']) or 'none')}</p>"
                        f"<p>Your root cause: <b>{verdict}</b>. Root cause: {e(t['root_cause'])}</p><ul>{plan}</ul>")
    for x in fb.get("exercises", []):
        model = "".join(f"<li><b>{e(p['part'])}</b>: {e(' '.join(p['items']))}</li>" for p in x["model"] if p["items"])
        choice = (f"<p>Your choice: {e(x.get('your_choice') or 'not stated')}."
                  + (f" The model answer's: <b>{e(x['model_choice'])}</b>. {e(x['model_reasoning'] or '')}" if x.get("model_choice") else "")
                  + "</p>") if "your_choice" in x else ""
        sections.append(f"<h2>{e(x['kind'].capitalize())}</h2><p>{e(x['prompt'])}</p>"
                        f"<p>You covered: {e(', '.join(x['you_covered']) or 'nothing yet')}</p>"
                        f"<p>You missed: {e(', '.join(x['you_missed']) or 'nothing')}</p>{choice}"
                        + (f"<ul>{model}</ul>" if model else ""))
    prev = ""
    if fb["previous"]:
        prev = "<h2>Earlier attempts</h2><ul>" + "".join(
            f"<li>{e(p['date'])}: {p['overall'] if p['overall'] is not None else 'unfinished'}</li>" for p in fb["previous"]
        ) + "</ul>"
    css = ("body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}"
           "table{border-collapse:collapse;width:100%}th,td{border:1px solid #ddd;padding:6px;vertical-align:top;text-align:left}"
           "blockquote{margin:0 0 4px;padding:2px 8px;border-left:3px solid #999;background:#f7f7f7}"
           ".s1{background:#f9d6d2}.s2{background:#fde8d0}.s3{background:#d5f0dd}.s4{background:#b9e4c6}")
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>pmcoach feedback: {e(fb['product'])}</title>"
            f"<style>{css}</style></head><body><h1>Feedback: {e(fb['product'])}</h1>"
            f"<p>Overall: <b>{fb['overall']:.2f} / 4</b></p>{score_chart_svg(fb['criteria'])}"
            f"<table><tr><th>Area</th><th>Score</th><th>Your words</th><th>Next time</th></tr>{''.join(rows)}</table>"
            f"{''.join(sections)}{prev}<p><b>Next drill.</b> {e(fb['next_drill'])}</p>{_html_transcript(fb)}</body></html>")


def _html_transcript(fb: dict[str, Any]) -> str:
    e = html.escape
    rows = []
    for r in fb.get("transcript") or []:
        if r["role"] == "candidate":
            rows.append(f"<p><b>You</b> ({e(r['stage'])}): {e(r['text'])}</p>")
            continue
        mark = {"pushback": " (pushback)", "hint": " (hint)", "probe": " (probe)"}.get(r.get("kind", ""), "")
        facts = "".join(f"<li>{e(f['dimension'].replace('_', ' '))}: {e(f['text'])}</li>" for f in r.get("facts") or [])
        rows.append(f"<p><b>Interviewer</b>{e(mark)}: {e(r['text'])}</p>" + (f"<ul class='facts'>{facts}</ul>" if facts else ""))
    return "<h2>Transcript</h2>" + "".join(rows) if rows else ""
