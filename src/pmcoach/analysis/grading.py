"""Rubric scores (1-4 or not assessed) from what the analysis found, each with the
candidate's own words as evidence. No evidence, no credit."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from ..models import Scenario, TradeoffCase
from ..rubric import AREAS
from .framework import Hit, quote_span
from .metrics import Mention
from .structure import Doc
from .text import Unit, content_tokens, stem

Mode = Literal["answer", "tradeoff", "troubleshooting"]

PINPOINT = {"definition", "time_period", "trend", "seasonality", "geography", "data_quality", "platform", "app_version"}
EXTERNAL = {"industry", "competitor", "environment"}
INTERNAL = {"marketing", "tech_change", "segment", "channel", "funnel_step", "related_metrics", "user_feedback"}


@dataclass
class Evidence:
    quote: str
    start: int
    end: int
    why: str

    def to_json(self) -> dict[str, Any]:
        return {"quote": self.quote, "start": self.start, "end": self.end, "why": self.why}


@dataclass
class Criterion:
    area: str
    score: int | None
    evidence: list[Evidence] = field(default_factory=list)
    advice: str = ""
    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "evidence": [e.to_json() for e in self.evidence],
            "advice": self.advice,
            "found": self.found,
            "missing": self.missing,
        }


@dataclass
class Signals:
    """Everything grading needs, gathered by the analysis."""

    text: str
    words: int
    mode: Mode
    parts: dict[str, list[Hit]]
    mentions: list[Mention]
    questions: list[tuple[int, int, list[str]]]  # (start, end, dimensions) for troubleshooting
    scenario: Scenario | None
    case: TradeoffCase | None = None
    doc: Doc | None = None
    context: str | None = None


def _ev(text: str, hits: list[Hit], why: str, limit: int = 2) -> list[Evidence]:
    out: list[Evidence] = []
    seen: set[int] = set()
    for h in hits:
        if h.start in seen:
            continue
        seen.add(h.start)
        out.append(Evidence(text[h.start:h.end], h.start, h.end, why))
        if len(out) >= limit:
            break
    return out


def _line(text: str, pos: int) -> tuple[int, int]:
    a = text.rfind("\n", 0, pos) + 1
    b = text.find("\n", pos)
    return a, b if b >= 0 else len(text)


def _mev(doc: Doc | None, text: str, ms: list[Mention], why: str, limit: int = 2) -> list[Evidence]:
    """Evidence for metric mentions: the sentence each is said in."""
    out = []
    for m in [m for m in ms if text.count("|", *_line(text, m.start)) < 2][:limit]:
        a, b = quote_span(doc, m.start, keep=m.start) if doc is not None else (m.start, m.end)
        if not (a <= m.start and m.end <= b):
            a, b = m.start, m.end
        out.append(Evidence(text[a:b], a, b, why))
    return out


def _own_numbers(sig: Signals, hits: list[Hit]) -> list[Hit]:
    """Numbers, baselines and targets the candidate brought: the interviewer's own numbers,
    read back, are not analysis."""
    from .metrics import _NUMBER, _num_key, context_numbers

    said = context_numbers(sig.context)
    out = []
    for h in hits:
        nums = [_num_key(m.group(0)).lstrip("-") for m in _NUMBER.finditer(sig.text, h.start, h.end)]
        nums = [n for n in nums if re.search(r"\d", n)]
        if not nums or any(n not in said for n in nums):
            out.append(h)
    return out


_REASON = re.compile(r"\b(?:because|since|so that|which is why|that's why|given|as it|as they|why:|why this order|reason)\b", re.I)
_LATER = re.compile(r"deprioriti|not focus|not prioriti|\blater\b|not now|not yet|also considered|park(?:ed|ing)?\b|"
                    r"\bflag(?:ged)?,? (?:but )?not\b|\bnext half\b|\bwould wait\b|\bcan wait\b|\bout of scope\b", re.I)
_ITEM = re.compile(r"^\s*(?:[-*•]\s*)?(?:\(?(\d{1,2}|[a-e])[.)]|#(\d)|(first|second|third)(?:ly)?[,:])\s+", re.I)
_EXPLAINED = re.compile(r"(?:\s[-–—]\s|:\s|\(|=|->|→|[.;]\s+|,\s+(?:so|since|because|as|which|given)\b|\s(?:because|since|as|so|given)\s)"
                        r"\W*(?:\w+\W+){2,}", re.I)


_INLINE_ITEM = re.compile(r"(?:^|\s)(?:\(?(?:\d{1,2}|[a-c])\)|(?:first|second|third)(?:ly)?,)\s+", re.I)


def _ranked_goals(sig: Signals) -> tuple[list[Hit], list[Hit]]:
    """Goals put in order (a numbered list under goal statements) and those given a reason."""
    doc = sig.doc
    if doc is None:
        return [], []
    goal_starts = {h.start for h in sig.parts["objectives"]}
    ordered: list[Hit] = []
    reasoned: list[Hit] = []
    for ln in doc.lines:
        line = sig.text[ln.start:ln.end]
        m = _ITEM.match(line)
        inline = list(_INLINE_ITEM.finditer(line))
        if m is None and len(inline) < 2:
            continue
        sec = doc.section_at(ln.start)
        under_goals = sec is not None and sec.role == "goals"
        if not under_goals and not any(ln.start <= s0 < ln.end + 1 for s0 in goal_starts):
            continue
        if m is not None:
            items = [(ln.start + m.end(), ln.end)]
        else:  # "goals: 1) ... 2) ... 3) ..." on one line
            items = [(ln.start + x.end(), ln.start + (inline[i + 1].start() if i + 1 < len(inline) else len(line)))
                     for i, x in enumerate(inline)]
        for a, end in items:
            h = Hit("prioritization", a, max(a + 1, len(sig.text[:end].rstrip())), "ranked goal")
            ordered.append(h)
            if _EXPLAINED.search(sig.text, a + 8, end) or _REASON.search(sig.text, a, end):
                reasoned.append(h)
    if len(ordered) < 2:
        return [], []
    return ordered, reasoned


def _vague_goal(sig: Signals, h: Hit) -> bool:
    """A goal about activity or an undefined word ("increase engagement", "grow the number of
    groups") rather than a change in what users get."""
    inside = [m for m in sig.mentions if h.start <= m.start < h.end]
    if not inside:
        return False
    from . import cues

    return all(m.extra.get("activity") for m in inside) and not cues.pattern("quality").search(sig.text, h.start, h.end)


def _band(points: int, cuts: tuple[int, int, int]) -> int:
    """1..4 from a point count: cuts are the minimum points for 2, 3 and 4."""
    return 1 + sum(points >= c for c in cuts)


def grade(sig: Signals) -> dict[str, Criterion]:
    t = sig.text
    p = sig.parts
    product = sig.scenario.product if sig.scenario else "the product"
    crit: dict[str, Criterion] = {}
    used = [m for m in sig.mentions if m.used]
    answer_like = sig.mode == "answer"

    # ---- product rationale
    if answer_like:
        have = [k for k in ("mission", "why_exists", "threats", "lifecycle") if p[k]]
        ev = []
        for k, why in (("why_exists", "why the product exists"), ("mission", "ties to the mission"),
                       ("threats", "names a threat or weakness"), ("lifecycle", "places the lifecycle stage")):
            ev += _ev(t, p[k], why, 1)
        pts = len(have) + (1 if "why_exists" in have and len(p["why_exists"]) >= 2 else 0)
        score = _band(pts, (1, 3, 5))
        missing = [k for k in ("why_exists", "mission", "threats", "lifecycle") if k not in have]
        advice = _advice_rationale(missing, sig.scenario)
        crit["product_rationale"] = Criterion("product_rationale", score, ev, advice, have, missing)
    else:
        crit["product_rationale"] = Criterion("product_rationale", None, advice="Assessed on the main question.")

    # ---- goals
    ranked, reasoned = _ranked_goals(sig) if answer_like else ([], [])
    if answer_like:
        objectives = p["objectives"]
        tied = objectives if (p["mission"] or p["why_exists"]) else []
        vague = [h for h in objectives if _vague_goal(sig, h)]
        reasonable = bool(objectives) and len(vague) < len(objectives)
        measurable = bool(objectives) and bool(used)
        prioritized = bool(p["prioritization"] or ranked)
        found = [n for n, ok in (("objectives", bool(objectives)), ("reasonable (about user value)", reasonable),
                                 ("tied to the mission", bool(tied)), ("measurable", measurable),
                                 ("prioritized", prioritized)) if ok]
        pts = len(found) - (1 if "objectives" in found else 0) + (1 if len(objectives) >= 2 or len(ranked) >= 2 else 0)
        score = _band(pts, (1, 3, 5)) if objectives else 1
        if objectives and not reasonable:
            score = min(score, 2)  # "increase engagement and grow the number of groups"
        ev = _ev(t, ranked or objectives, "states a goal", 2) + _ev(t, reasoned or p["prioritization"], "prioritizes", 1)
        missing = [n for n in ("objectives", "reasonable (about user value)", "tied to the mission", "measurable",
                               "prioritized") if n not in found]
        crit["goals"] = Criterion("goals", score, ev, _advice_goals(missing, sig.scenario), found, missing)
    else:
        crit["goals"] = Criterion("goals", None, advice="Assessed on the main question.")

    # ---- metrics
    if answer_like or sig.mode == "tradeoff":
        crit["metrics"] = _grade_metrics(sig, used)

    # ---- trade-offs and judgement
    if sig.mode == "tradeoff":
        ns_hits = p["impact_ns"] + _concept_hits(sig)
        parts = {
            "impact on the north star": ns_hits,
            "impact on secondary and guardrail metrics": p["impact_guardrail"],
            "pros and cons": p["pros_cons"] + p["tradeoff_language"],
            "actions to learn more or fix": p["actions"] + p["launch_plan"],
            "a verdict": p["verdict"],
            "conditions on the verdict": p["conditions"],
        }
        have = [k for k, v in parts.items() if v]
        pts = len(have) + (1 if len(parts["actions to learn more or fix"]) >= 2 else 0)
        points_made = _strong_points_made(sig)
        pts += min(2, len(points_made))
        score = _band(pts, (2, 4, 7))
        ev = [e for k in have for e in _ev(t, parts[k], k, 1)]
        ev += [Evidence(t[h.start:h.end], h.start, h.end, "makes a point a strong answer makes") for h in points_made[:1]]
        missing = [k for k in parts if k not in have]
        advice = _advice_tradeoff(missing)
        on_case = _addresses_case(sig)
        if on_case is False:
            score = min(score, 1)
            have = [*have, "(but not about this case)"]
            advice = "Answer the case in front of you: say what the metrics that moved mean for your north star and guardrails."
        crit["tradeoffs"] = Criterion("tradeoffs", score, ev, advice, have, missing)
    else:
        # weighing an alternative in the main answer shows in metrics (pros and cons) and
        # prioritization; judgement on a trade-off is assessed where one is put to you
        crit["tradeoffs"] = Criterion("tradeoffs", None, advice="Assessed in a trade-off follow-up.")

    # ---- problem diagnosis
    if sig.mode == "troubleshooting":
        crit["problem_diagnosis"] = _grade_diagnosis(sig)
    else:
        crit["problem_diagnosis"] = Criterion("problem_diagnosis", None, advice="Assessed in a troubleshooting follow-up.")

    # ---- data analysis: definitions, numbers, baselines, cuts
    defined = [m for m in used if m.defined]
    numbers = _own_numbers(sig, p["targets"])
    cuts = [h for h in p["detail"] if "by " in h.cue.lower() or "cohort" in h.cue.lower()]
    if used or numbers or sig.mode == "troubleshooting":
        pts = min(len(defined), 3) + min(len(numbers), 2) + (1 if cuts else 0)
        if sig.mode == "troubleshooting":
            asked = {d for _, _, ds in sig.questions for d in ds if d != "other"}
            pts += 1 if {"definition", "data_quality"} & asked else 0
            pts += min(2, len({"segment", "geography", "platform", "app_version", "channel", "funnel_step"} & asked))
            pts += 1 if {"time_period", "trend", "seasonality"} & asked else 0
            if asked and not cuts:
                cuts = [Hit("detail", a, b, "cut") for a, b, ds in sig.questions
                        if set(ds) & {"segment", "geography", "platform", "app_version"}][:1]
        found = [n for n, ok in (("metrics defined precisely", bool(defined)), ("numbers, baselines or targets", bool(numbers)),
                                 ("segment or cohort cuts", bool(cuts))) if ok]
        score = _band(pts, (1, 3, 5))
        ev = _mev(sig.doc, t, defined, "defines a metric precisely", 1) + _ev(t, numbers, "uses a number, baseline or target", 1) + _ev(t, cuts, "cuts the data", 1)
        missing = [n for n in ("metrics defined precisely", "numbers, baselines or targets", "segment or cohort cuts") if n not in found]
        crit["data_analysis"] = Criterion("data_analysis", score, ev,
                                          "Define each metric as numerator / denominator / window and state a baseline and target "
                                          "(e.g. 'from 18% to 20% in a quarter').", found, missing)
    else:
        crit["data_analysis"] = Criterion("data_analysis", None, advice="Assessed when you use metrics or data.")

    # ---- prioritization
    if answer_like or p["prioritization"]:
        # an order of goals, not of metrics: "DAU and likes, because they are the most important"
        # ranks measures, and is read under metrics
        goal_at = {h.start for h in p["objectives"]}
        hits = [h for h in p["prioritization"]
                if h.start in goal_at or not any(h.start <= m.start < h.end for m in used)]
        because = [h for h in hits if _REASON.search(t, h.start, h.end)] + reasoned
        dropped = [h for h in hits if _LATER.search(t, h.start, h.end)]
        stated = hits or ranked
        pts = (1 if stated else 0) + (1 if because else 0) + (1 if dropped else 0) + (1 if len(stated) >= 2 or len(ranked) >= 2 else 0)
        score = _band(pts, (1, 2, 4))
        found = [n for n, ok in (("a stated order", bool(stated)), ("a reason for it", bool(because)), ("what is not done now", bool(dropped))) if ok]
        missing = [n for n in ("a stated order", "a reason for it", "what is not done now") if n not in found]
        advice = {
            "a stated order": "Cut to 2-3 goals and put them in order.",
            "a reason for it": "Say why the first goal comes first (lifecycle, threat, mission).",
            "what is not done now": "Say what you are not doing yet, and why it can wait.",
        }.get(missing[0], "") if missing else "Tie the order to a number: which goal moves the north star most, and by how much?"
        crit["prioritization"] = Criterion("prioritization", score, _ev(t, because + stated + dropped, "chooses and says why", 2),
                                           advice, found, missing)
    else:
        crit["prioritization"] = Criterion("prioritization", None, advice="Assessed when you set goals.")

    # ---- launch plan
    lp = p["launch_plan"]
    # in the main answer a passing "A/B test" is not a plan: two distinct steps make one
    if sig.mode == "answer" and len({h.cue.lower() for h in lp}) < 2:
        lp = []
    if lp:
        kinds = {h.cue.lower() for h in lp}
        pts = len(lp) + (1 if any("test" in k or "experiment" in k or "holdout" in k for k in kinds) else 0)
        pts += 1 if any(k.startswith(("monitor", "dashboard", "alert", "post")) for k in kinds) else 0
        crit["launch_plan"] = Criterion("launch_plan", _band(pts, (1, 3, 5)), _ev(t, lp, "plans the experiment or rollout", 2),
                                        "Say how you would test (A/B with a holdout), the launch criteria on the north star and "
                                        "guardrails, and what you would watch after launch.", ["launch steps"], [])
    else:
        crit["launch_plan"] = Criterion("launch_plan", None, advice="Assessed when you plan an experiment, rollout or post-launch monitoring.")

    # ---- attention to detail
    det = p["detail"]
    if answer_like or sig.mode == "tradeoff" or det:
        distinct = {h.cue.lower() for h in det}
        score = _band(len(distinct), (1, 2, 4))
        crit["attention_to_detail"] = Criterion(
            "attention_to_detail", score, _ev(t, det, "anticipates an edge case or ecosystem effect", 2),
            f"Name an edge case or a knock-on effect: another segment, the other side of the market, a sibling product of {product}, novelty effects.",
            sorted(distinct)[:6], [] if det else ["edge cases and ecosystem effects"],
        )
    else:
        crit["attention_to_detail"] = Criterion("attention_to_detail", None, advice="Assessed on a full answer.")

    for c in crit.values():
        seen_q: set[tuple[int, int]] = set()
        uniq = []
        for e in c.evidence:
            if (e.start, e.end) not in seen_q:
                seen_q.add((e.start, e.end))
                uniq.append(e)
        c.evidence = uniq
    # short answers cannot score well, whatever cues they hit
    short = 60 if sig.mode == "answer" else 25
    if sig.words < short:
        cap = 1 if sig.words < 12 else 2
        for c in crit.values():
            if c.score is not None and c.score > cap:
                c.score = cap
                c.advice = "Too short to show this: " + c.advice
    # no evidence, no credit
    for c in crit.values():
        if c.score is not None and not c.evidence:
            c.score = 1
    ordered: dict[str, Criterion] = {}
    for a in AREAS:
        ordered[a] = crit.get(a) or Criterion(a, None)
    return ordered


_GENERIC = frozenset(stem(w) for w in (
    ["per", "user", "users", "member", "members", "rate", "total", "daily", "weekly", "monthly", "time", "metric", "metrics", "number", "count", "share", "day", "week", "month", "average", "avg", "group", "groups", "product", "products", "people", "active", "retention", "churn", "engagement"]
))


#: Interview vocabulary any trade-off answer uses: it says nothing about which case it answers.
_FRAMEWORK = frozenset(stem(w) for w in (
    ["north", "star", "secondary", "guardrail", "guardrails", "metric", "metrics", "pros", "cons", "verdict", "ship", "launch", "holdout", "segment", "segments", "test", "experiment", "run", "week", "weeks", "rate", "good", "bad", "better", "worse", "impact", "actions", "action", "condition", "conditions", "would", "could", "should", "more", "less", "fewer", "up", "down", "flat", "users", "user", "product", "long", "short", "term"]
))


def _concept_hits(sig: Signals) -> list[Hit]:
    """Clauses that talk about the scenario's north star in the candidate's own words
    ("participation" for weekly meaningful participants)."""
    if sig.scenario is None:
        return []
    ns = sig.scenario.metric(sig.scenario.recommendation.north_star.metric)
    words = {w[:6] for w in content_tokens(" ".join([ns.name, *ns.aliases])) - _GENERIC if len(w) >= 4}
    if not words:
        return []
    out = []
    for u in _units_of(sig):
        toks = {w[:6] for w in content_tokens(u.text)}
        if words & toks or (len(words & toks) >= 1 and re.search(
                r"\b(?:north[- ]?star|nsm|primary metric|what we care about|our goal)\b", u.text, re.I)):
            out.append(Hit("impact_ns", u.start, u.end, "north star concept"))
    # by meaning: a measure the analysis read as this product's north star, in any wording
    # ("hours watched" for viewing hours), or one the candidate holds up as theirs
    for m in sig.mentions:
        if m.role in ("success", "guardrail") and (m.catalog_id == ns.id or m.tier == "north_star"):
            out.append(Hit("impact_ns", m.start, m.end, "north star by meaning"))
    return out


def _strong_points_made(sig: Signals) -> list[Hit]:
    """Clauses that make one of the case's strong points."""
    case = sig.case
    if case is None:
        return []
    units = _units_of(sig)
    out = []
    for i, point in enumerate(case.strong_points):
        u = _point_made_in(point, [(x.start, x.end, x.text) for x in units])
        if u is not None:
            out.append(Hit("strong_point", u[0], u[1], f"point {i}"))
    return out


_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?")


def _numbers(text: str) -> set[str]:
    """Numbers as values: '0.90' and '0.9' are the same, '1,000' is 1000."""
    out = set()
    for n in _NUMBER.findall(text):
        n = n.replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+", n) else n.replace(",", ".")
        out.add(n.rstrip("0").rstrip(".") if "." in n else n)
    return out


def _point_made_in(point: str, units: list[tuple[int, int, str]]) -> tuple[int, int] | None:
    """The clause that makes a strong point: most of its content words, or its own numbers
    ("0.9 x 1.1" makes "0.90 x 1.10 is about 0.99"), or one of them with its words."""
    want = content_tokens(point) - _GENERIC
    nums = _numbers(point)
    best: tuple[int, int] | None = None
    best_score = 0
    for a, b, text in units:
        words = len(want & content_tokens(text))
        shared = len(nums & _numbers(text))
        ok = (len(want) >= 3 and words >= max(3, len(want) // 4)) or shared >= 2 or (shared >= 1 and words >= 2)
        score = words + 2 * shared
        if ok and score > best_score:
            best, best_score = (a, b), score
    return best


def strong_points_made(case: TradeoffCase, text: str) -> set[int]:
    """Which of a trade-off case's strong points the candidate's text makes (by index)."""
    from .text import units

    us = [(u.start, u.end, u.text) for u in units(text)]
    return {i for i, p in enumerate(case.strong_points) if _point_made_in(p, us) is not None}


def _addresses_case(sig: Signals) -> bool | None:
    """False when the answer is not about this case: it shares few words with the case, or
    it fits another of the scenario's trade-offs clearly better (None: no case known)."""
    case = sig.case
    if case is None:
        return None
    said = {w for w in content_tokens(sig.text) if len(w) >= 3 and not w.isdigit()} - _FRAMEWORK

    def overlap(c: TradeoffCase) -> int:
        words = content_tokens(" ".join([c.prompt, c.context, *c.strong_points, *(m.metric for m in c.movements)]))
        return len({w for w in words if len(w) >= 3 and not w.isdigit()} & said)

    mine = overlap(case)
    others = [overlap(c) for c in (sig.scenario.tradeoffs if sig.scenario else []) if c.id != case.id]
    best_other = max(others, default=0)
    return mine >= 4 and mine >= 0.8 * best_other


def _units_of(sig: Signals) -> list[Unit]:
    """The clauses, as the structure layer already split them."""
    if sig.doc is not None:
        return sig.doc.units
    from .text import units

    return units(sig.text)


def _grade_metrics(sig: Signals, used: list[Mention]) -> Criterion:
    t = sig.text
    ns = [m for m in used if m.tier == "north_star"]
    # activity counts (likes, raw time) are not levers of value: they earn no secondary credit
    inputs = [m for m in used if m.tier == "input" and not m.vanity]
    guards = [m for m in used if m.tier == "guardrail"]
    vanity_ns = [m for m in ns if m.vanity]
    good_ns = [m for m in ns if not m.vanity]
    ns_ids = {m.key for m in ns}
    dup = [m for m in inputs if m.key in ns_ids and m.tier_source == "label"]
    defined = [m for m in used if m.defined]
    pros_cons = sig.parts["pros_cons"]
    rejected = [m for m in sig.mentions if m.rejected and m.extra.get("activity")]
    found = []
    pts = 0
    if good_ns:
        found.append("a north star that measures value")
        pts += 2
    elif ns:
        found.append("a north star (but a vanity one)")
        pts += 1
    if len({m.key for m in inputs}) >= 2:
        found.append("secondary metrics")
        pts += 1
    if guards:
        found.append("guardrails")
        pts += 1
    if pros_cons:
        found.append("pros and cons")
        pts += 1
    if defined:
        found.append("precise definitions")
        pts += 1
    if rejected:
        found.append("rejects a vanity metric")
        pts += 1
    score = _band(pts, (2, 4, 6))
    if not good_ns:
        score = min(score, 2)
    vanity_used = [m for m in used if m.vanity]
    if vanity_used and len(vanity_used) * 2 > len(used):
        score = min(score, 2)
    if dup:
        score = min(score, 3)
    if vanity_ns and good_ns:
        # a vanity north star replaced later (after a pushback, say) is recovered, not strong
        score = min(score, 3)
    ev = (_mev(sig.doc, t, good_ns or ns, "names the north star", 1) + _mev(sig.doc, t, guards, "names a guardrail", 1)
          + _mev(sig.doc, t, inputs, "names a secondary metric", 1) + _ev(t, pros_cons, "weighs pros and cons", 1)
          + _mev(sig.doc, t, rejected, "rejects a vanity metric", 1))
    missing = []
    if not good_ns:
        missing.append("a north star that measures value")
    if len(inputs) < 2:
        missing.append("secondary metrics")
    if not guards:
        missing.append("guardrails")
    if not pros_cons:
        missing.append("pros and cons")
    if not defined:
        missing.append("precise definitions")
    if vanity_ns and good_ns:
        advice = (f"You first proposed {vanity_ns[0].text!r}, which is activity, not value, then moved to "
                  f"{good_ns[0].text!r}: lead with the value measure, and name the activity count only as "
                  "an alternative you rejected and why.")
    elif vanity_ns:
        advice = f"{vanity_ns[0].text!r} is activity, not value: {vanity_ns[0].reason} Try: {vanity_ns[0].suggestion}"
    elif dup:
        advice = "Your north star also appears as a secondary metric: make the north star the one number that ties the objectives together, and the secondaries the levers under it."
    elif missing:
        advice = {
            "a north star that measures value": "Name ONE north star that measures value delivered (who gets what, out of whom, over what window), usable in an A/B test.",
            "secondary metrics": "Give one secondary (input) metric per prioritized objective: the levers that move the north star.",
            "guardrails": "Add 2-3 guardrails: what must not get worse (integrity, the other side of the market, sibling products, performance).",
            "pros and cons": "Give the pros and cons of your north star against one or two alternatives you rejected.",
            "precise definitions": "Define metrics precisely: '% of weekly active members who ... in the last 7 days', not 'engagement'.",
        }[missing[0]]
    else:
        advice = "Say which metric you would use to make the launch decision and the threshold you would need to see."
    return Criterion("metrics", score, ev, advice, found, missing)


def _grade_diagnosis(sig: Signals) -> Criterion:
    t = sig.text
    asked = [d for _, _, ds in sig.questions for d in ds if d != "other"]
    distinct = list(dict.fromkeys(asked))
    groups = sum(bool(set(distinct) & g) for g in (PINPOINT, EXTERNAL, INTERNAL))
    pinpoint_first = bool(distinct) and distinct[0] in PINPOINT
    hyp = sig.parts["hypothesis"]
    plan = sig.parts["action_plan"]
    pts = min(len(distinct), 8) // 2 + groups + (1 if pinpoint_first else 0) + (1 if hyp else 0) + (1 if plan else 0)
    score = _band(pts, (3, 6, 9))
    ev = [Evidence(t[a:b], a, b, f"asks about {', '.join(ds)}") for a, b, ds in sig.questions if ds != ["other"]][:3]
    ev += _ev(t, hyp, "states a root cause", 1) + _ev(t, plan, "proposes an action plan", 1)
    found = [f"{len(distinct)} dimensions asked"] + (["pinpointed first"] if pinpoint_first else []) + \
        (["a root cause stated"] if hyp else []) + (["an action plan"] if plan else [])
    missing = []
    if not set(distinct) & PINPOINT:
        missing.append("pinpoint the drop (time period, trend, geography, platform, data quality)")
    if not set(distinct) & EXTERNAL:
        missing.append("external factors (industry, competitors, environment)")
    if not set(distinct) & INTERNAL:
        missing.append("internal factors (releases, marketing, segments, funnel step)")
    if not hyp:
        missing.append("a stated root cause")
    if not plan:
        missing.append("an action plan")
    advice = ("Still to do: " + "; ".join(missing) + ".") if missing else \
        "Close with the evidence chain: which answers ruled causes out and which pinned the cause."
    return Criterion("problem_diagnosis", score, ev, advice, found, missing)


def _advice_rationale(missing: list[str], s: Scenario | None) -> str:
    if not missing:
        return "Connect the rationale to your goals: say which threat or lifecycle fact makes your first goal come first."
    first = missing[0]
    if s is None:
        return {
            "why_exists": "Say why the product exists: the user problem it solves and what it gives the company.",
            "mission": "Tie the product to the company mission in one sentence.",
            "threats": "Name the biggest threat or weakness (a competitor, a declining segment) and let it shape your goals.",
            "lifecycle": "Place the product in its lifecycle (new, growth, mature) and say what that means for goals now.",
        }[first]
    r = s.rationale
    return {
        "why_exists": f"Say why {s.product} exists, e.g. {r.why_exists[0].split('.')[0]}.",
        "mission": f"Tie {s.product} to {s.company}'s mission: {r.mission.split('(')[0].strip()}",
        "threats": f"Name a threat and let it shape your goals, e.g. {r.weaknesses_threats[0].split('.')[0]}.",
        "lifecycle": f"Place {s.product} in its lifecycle: it is {r.lifecycle_stage}, so {r.lifecycle_note.split('.')[0].lower()}.",
    }[first]


def _advice_goals(missing: list[str], s: Scenario | None) -> str:
    if not missing:
        return "Give each goal its metric and a target against today's baseline."
    first = missing[0]
    if first == "objectives":
        if s is not None:
            top = s.objective(s.prioritization.objectives[0])
            return f"State 2-3 goals per segment, e.g. '{top.statement.split(':')[0]}'."
        return "State 2-3 goals, one per key segment, each a change in user behaviour you can measure."
    return {
        "reasonable (about user value)": "Make each goal a change in what users get, not in activity: 'more members get an answer "
                                         "within a day', not 'increase engagement'.",
        "tied to the mission": "Say how each goal serves the mission, not just the business.",
        "measurable": "Make each goal measurable: name the metric that would show it moved.",
        "prioritized": "Prioritize: say which goal comes first and why (lifecycle, threat, mission).",
    }[first]


def _advice_tradeoff(missing: list[str]) -> str:
    if not missing:
        return "Quantify the net effect (e.g. DAU x time per user) before the verdict."
    return {
        "impact on the north star": "Start with the north star: does this move it, and in which direction?",
        "impact on secondary and guardrail metrics": "Go through the secondaries and guardrails: retention, revenue, integrity, the other side of the market.",
        "pros and cons": "Lay out the pros and the cons of the result before deciding.",
        "actions to learn more or fix": "Propose 2-3 actions: segment the result, run a holdout, fix the cause.",
        "a verdict": "Reach a verdict: ship, iterate or roll back.",
        "conditions on the verdict": "Say under which conditions your verdict would flip.",
    }[missing[0]]
