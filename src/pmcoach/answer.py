"""Model answers in the framework's structure, their spoken versions, and archetype guides
for products outside the bank."""

from __future__ import annotations

from typing import Any

from .models import Archetype, Metric, Scenario

Answerable = Scenario | Archetype


def _metric_brief(m: Metric) -> dict[str, Any]:
    return {
        "id": m.id,
        "name": m.name,
        "definition": m.definition,
        "tiers": list(m.tiers),
        "vanity": m.vanity,
        "indicator": m.indicator,
    }


def build_answer(src: Answerable, product: str | None = None) -> dict[str, Any]:
    """The structured answer (DESIGN.md contract) for a scenario, or a scaffold for an
    archetype when ``product`` names the product the scaffold is for."""
    scaffold = isinstance(src, Archetype)
    name = src.product if isinstance(src, Scenario) else product or src.name
    metrics = {m.id: m for m in src.metrics}
    rec = src.recommendation
    steps = {f"{j.id}.{st.id}": (j, st) for j in src.journeys for st in j.steps}

    per_segment = [
        {
            "segment": seg.name,
            "metrics": [_metric_brief(m) for m in src.metrics if m.measures.segment == seg.id],
        }
        for seg in src.segments
    ]
    per_step = [
        {
            "journey": j.intent,
            "step": st.name,
            "metrics": [_metric_brief(m) for m in src.metrics if m.measures.journey_step == key],
        }
        for key, (j, st) in steps.items()
    ]
    health = [_metric_brief(m) for m in src.metrics if m.measures.health]

    prio = src.prioritization.objectives
    objectives = []
    for rank, oid in enumerate(prio, start=1):
        o = next(x for x in src.objectives if x.id == oid)
        objectives.append(
            {
                "rank": rank,
                "id": o.id,
                "statement": o.statement,
                "segment": _seg_name(src, o.segment),
                "why": o.mission_link,
                "measurable": o.measurability_note,
            }
        )
    considered = [
        {"id": o.id, "statement": o.statement, "segment": _seg_name(src, o.segment)}
        for o in src.objectives
        if o.id not in prio
    ]

    ns = metrics[rec.north_star.metric]
    candidates = [ns] + [metrics[a.metric] for a in rec.north_star.alternatives]
    answer: dict[str, Any] = {
        "product": name,
        "scaffold": scaffold,
        "rationale": {
            "mission": src.rationale.mission,
            "why_exists": list(src.rationale.why_exists),
            "weaknesses_threats": list(src.rationale.weaknesses_threats),
            "lifecycle_stage": src.rationale.lifecycle_stage,
            "lifecycle_note": src.rationale.lifecycle_note,
        },
        "segments": [
            {"name": s.name, "description": s.description, "side": s.side} for s in src.segments
        ],
        "journeys": [
            {
                "segment": _seg_name(src, j.segment),
                "intent": j.intent,
                "steps": [{"name": st.name, "description": st.description} for st in j.steps],
            }
            for j in src.journeys
        ],
        "metrics": {"per_segment": per_segment, "per_journey_step": per_step, "health": health},
        "objectives": objectives,
        "objectives_considered": considered,
        "prioritization_reason": src.prioritization.reason,
        "north_star": {
            "name": ns.name,
            "definition": ns.definition,
            "why": rec.north_star.why,
            "candidates": [
                {
                    "name": m.name,
                    "chosen": m.id == ns.id,
                    "why_not": next(
                        (a.why_not for a in rec.north_star.alternatives if a.metric == m.id), None
                    ),
                    "pros": list(m.pros),
                    "cons": list(m.cons),
                }
                for m in candidates
            ],
        },
        "secondary": [
            {
                "name": metrics[s.metric].name,
                "definition": metrics[s.metric].definition,
                "objective": next(o.statement for o in src.objectives if o.id == s.objective),
                "why": s.why,
            }
            for s in rec.secondary
        ],
        "guardrails": [
            {
                "name": metrics[g.metric].name,
                "definition": metrics[g.metric].definition,
                "protects": g.protects,
            }
            for g in rec.guardrails
        ],
        "vanity_traps": [
            {
                "name": m.name,
                "why": m.vanity_reason,
                "instead": metrics[m.value_alternative].name if m.value_alternative else None,
            }
            for m in src.metrics
            if m.vanity
        ],
    }
    if isinstance(src, Scenario):
        answer["id"] = src.id
        answer["company"] = src.company
        answer["question"] = src.primary_question
    else:
        answer["archetype"] = src.id
        answer["notice"] = (
            f"SCAFFOLD: {name} is not in pmcoach's bank. This outline is built from the "
            f"'{src.name}' archetype and has not been checked against the real product: adapt "
            "the mission, segments and metrics before you rely on it."
        )
        answer = _fill(answer, name)
    return answer


def answer_with_spoken(src: Scenario, spoken: str | None) -> dict[str, Any]:
    """The reference answer with its spoken version (``spoken``: None when it has none)."""
    data = build_answer(src)
    data["spoken"] = spoken_section(spoken)
    return data


def _seg_name(src: Answerable, seg_id: str | None) -> str | None:
    if seg_id is None:
        return None
    return next((s.name for s in src.segments if s.id == seg_id), seg_id)


def _fill(obj: Any, product: str) -> Any:
    if isinstance(obj, str):
        return obj.replace("{product}", product)
    if isinstance(obj, list):
        return [_fill(x, product) for x in obj]
    if isinstance(obj, dict):
        return {k: _fill(v, product) for k, v in obj.items()}
    return obj


def render_markdown(a: dict[str, Any]) -> str:
    """The six-part answer as Markdown."""
    out: list[str] = []
    w = out.append
    title = f"# {a['product']}: model answer" if not a["scaffold"] else f"# {a['product']}: SCAFFOLD"
    w(title)
    w("")
    if a["scaffold"]:
        w(f"> {a['notice']}")
        w("")
    elif a.get("question"):
        w(f"> {a['question']}")
        w("")
    r = a["rationale"]
    w("## 1. Why the product exists")
    w("")
    w(f"**Mission.** {r['mission']}")
    w("")
    for p in r["why_exists"]:
        w(f"- {p}")
    w("")
    w("**Weaknesses and threats.**")
    w("")
    for p in r["weaknesses_threats"]:
        w(f"- {p}")
    w("")
    w(f"**Lifecycle stage: {r['lifecycle_stage']}.** {r['lifecycle_note']}")
    w("")
    w("## 2. Segments and journeys")
    w("")
    for s in a["segments"]:
        side = f" ({s['side']} side)" if s["side"] else ""
        w(f"- **{s['name']}**{side}: {s['description']}")
    w("")
    for j in a["journeys"]:
        w(f"**{j['segment']}: {j['intent']}**")
        w("")
        for i, st in enumerate(j["steps"], start=1):
            w(f"{i}. {st['name']}: {st['description']}")
        w("")
    w("## 3. Metrics by segment, journey step and overall health")
    w("")
    w("| Scope | Metric | Definition |")
    w("|---|---|---|")
    m = a["metrics"]
    shown: set[str] = set()

    def definition(x: dict[str, Any]) -> str:
        if x["id"] in shown:
            return "(defined above)"
        shown.add(x["id"])
        return _cell(x["definition"])

    for seg in m["per_segment"]:
        for x in seg["metrics"]:
            w(f"| Segment: {_cell(seg['segment'])} | {_mname(x)} | {definition(x)} |")
    for st in m["per_journey_step"]:
        for x in st["metrics"]:
            w(f"| Step: {_cell(st['step'])} | {_mname(x)} | {definition(x)} |")
    for x in m["health"]:
        w(f"| Health | {_mname(x)} | {definition(x)} |")
    w("")
    w("## 4. Objectives, prioritized")
    w("")
    for o in a["objectives"]:
        seg = f" ({o['segment']})" if o["segment"] else ""
        measurable = _stop(o['measurable'])
        if not measurable.lower().startswith("measurable"):
            measurable = f"Measurable: {measurable}"
        w(f"{o['rank']}. **{_stop(o['statement'])}**{seg} Why: {_stop(o['why'])} {measurable}")
    w("")
    w(f"Why this order: {a['prioritization_reason']}")
    if a["objectives_considered"]:
        w("")
        w("Also considered:")
        w("")
        for o in a["objectives_considered"]:
            w(f"- {_stop(o['statement'])}")
    w("")
    ns = a["north_star"]
    w("## 5. North star metric")
    w("")
    w(f"**{ns['name']}**: {ns['definition']}")
    w("")
    w(f"Why: {ns['why']}")
    w("")
    w("Candidates weighed:")
    w("")
    for c in ns["candidates"]:
        mark = "chosen" if c["chosen"] else f"not chosen: {c['why_not']}"
        w(f"- **{c['name']}** ({mark})")
        w(f"  - Pros: {_joined(c['pros'])}")
        w(f"  - Cons: {_joined(c['cons'])}")
    w("")
    w("**Secondary metrics** (one per objective):")
    w("")
    for s in a["secondary"]:
        w(f"- **{s['name']}**: {_stop(s['definition'])} Serves: {_stop(s['objective'])} {_stop(s['why'])}")
    w("")
    w("## 6. Guardrail and health metrics")
    w("")
    for g in a["guardrails"]:
        w(f"- **{g['name']}**: {_stop(g['definition'])} Protects against: {_stop(g['protects'])}")
    if a["vanity_traps"]:
        w("")
        w("**Vanity traps to avoid saying as success metrics:**")
        w("")
        for v in a["vanity_traps"]:
            w(f"- {v['name']}: {_stop(v['why'])} Say instead: {_stop(v['instead'])}")
    w("")
    return "\n".join(out)


def _joined(items: list[str]) -> str:
    """Sentences as one run of text: full stops between them, not '.;'."""
    return " ".join(_stop(i) for i in items)


def _stop(s: str | None) -> str:
    """The sentence with exactly one closing full stop."""
    s = (s or "").strip()
    return s if s.endswith((".", "!", "?", ")")) or not s else s + "."


def _mname(x: dict[str, Any]) -> str:
    tags = []
    if "north_star" in x["tiers"]:
        tags.append("NS candidate")
    if x["vanity"]:
        tags.append("vanity")
    return _cell(x["name"]) + (f" ({', '.join(tags)})" if tags else "")


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def build_guide(kind: Archetype, product: str) -> dict[str, Any]:
    """An archetype guide for a product outside the bank: how to think about this kind of
    product, with no facts about the product itself (nothing of it is filled in)."""
    if kind.guide is None:
        raise ValueError(f"the {kind.id} archetype has no guide")
    g = kind.guide
    name = product.strip() or kind.name
    return {
        "product": name,
        "archetype": kind.id,
        "archetype_name": kind.name,
        "guide": True,
        "scaffold": False,
        "notice": (f"{name} is not in pmcoach's bank. This is a guide to {kind.name} products in general: it "
                   f"states no facts about {name} (not its mission, users or numbers). Use it to build your "
                   "own answer, and check what you say against what you know of the product."),
        "examples": list(kind.examples),
        "think": list(g.think),
        "segments": list(g.segments),
        "metric_patterns": list(g.metric_patterns),
        "tradeoffs": list(g.tradeoffs),
        "clarifying_questions": list(g.clarifying_questions),
        "structure": ["Why the product exists", "Segments and journeys", "Objectives, prioritized",
                      "North star metric", "Secondary metrics", "Guardrails"],
    }


def render_guide_markdown(a: dict[str, Any]) -> str:
    """An archetype guide as Markdown."""
    out = [f"# {a['product']}: a guide to {a['archetype_name']} products", "", f"> {a['notice']}", ""]
    sections = [("Clarifying questions to ask first", "clarifying_questions"),
                ("How to think about this kind of product", "think"),
                ("Typical segments", "segments"),
                ("Metric patterns", "metric_patterns"),
                ("Usual trade-offs", "tradeoffs")]
    for title, key in sections:
        out += [f"## {title}", ""] + [f"- {_stop(x)}" for x in a[key]] + [""]
    out += ["## Your answer's structure", "", *(f"{i}. {s}" for i, s in enumerate(a["structure"], 1)), ""]
    return "\n".join(out)


def spoken_section(text: str | None) -> dict[str, Any] | None:
    """The spoken version as parts: [{'title', 'text'}], with its word count."""
    if not text:
        return None
    import re

    parts: list[dict[str, str]] = []
    title = ""
    buf: list[str] = []
    for line in text.splitlines():
        m = re.match(r"^#{1,6}\s+(.*)", line)
        if m:
            if buf and "".join(buf).strip():
                parts.append({"title": title, "text": "\n".join(buf).strip()})
            title, buf = m.group(1).strip(), []
        else:
            buf.append(line)
    if buf and "".join(buf).strip():
        parts.append({"title": title, "text": "\n".join(buf).strip()})
    words = sum(len(re.findall(r"[\w'’-]+", p["text"])) for p in parts)
    return {"parts": [p for p in parts if p["text"]], "words": words, "minutes": round(words / 150, 1)}


def render_spoken_markdown(product: str, spoken: dict[str, Any]) -> str:
    out = [f"# {product}: the spoken version", "",
           f"> What a strong candidate would say in the 12 minutes: {spoken['words']} words, about "
           f"{spoken['minutes']:g} minutes at 150 words a minute.", ""]
    for p in spoken["parts"]:
        if p["title"]:
            out += [f"## {p['title']}", ""]
        out += [p["text"], ""]
    return "\n".join(out)
