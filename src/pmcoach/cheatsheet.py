"""The peer interviewer's sheet, as Markdown."""

from __future__ import annotations

from typing import Any


def render_cheatsheet(doc: dict[str, Any]) -> str:
    out = [f"# Interviewer cheat sheet: {doc['title']} ({doc['product']})", "",
           f"**Ask:** {doc['question']}", ""]
    if doc["kind"] == "troubleshooting":
        out += [f"*{doc['how_to_play']}*", "", "| Dimension | Answer if asked |", "|---|---|"]
        out += [f"| {d.replace('_', ' ')} | {' '.join(fs).replace('|', '/')} |" for d, fs in doc["facts"].items()]
        out += ["", f"**Root cause** ({doc['root_cause_dimension']}): {doc['root_cause']}", "", "**Red herrings:**"]
        out += [f"- {r}" for r in doc["red_herrings"]]
        out += ["", "**Hints, in order:**"] + [f"{i}. {h}" for i, h in enumerate(doc["hints"], 1)]
        out += ["", "**Expected action plan:**"] + [f"- {a}" for a in doc["action_plan"]]
    elif doc["kind"] != "tradeoff":
        out += [f"*{doc['how_to_play']}*", "", "**Data, given only when asked:**", *(f"- {d}" for d in doc["data"]), ""]
        if doc.get("initiatives"):
            out += ["| Initiative | Reach / quarter | Impact | Confidence | Effort (person-months) |", "|---|---|---|---|---|"]
            out += [f"| {i['name']} | {i['reach']:,.0f} | {i['impact']:g} | {i['confidence']:g}% | {i['effort']:g} |"
                    for i in doc["initiatives"]]
            chosen = next((i["name"] for i in doc["initiatives"] if i["id"] == doc["choice"]), doc["choice"])
            out += ["", f"**Model choice:** {chosen}. {doc['reasoning']}", "", f"**Not doing:** {doc['not_doing']}", ""]
        if doc.get("power"):
            p = doc["power"]
            out += [f"**Power:** baseline {p['baseline']:g}%, minimum detectable lift {p['mde']:g}% relative, "
                    f"{p['per_arm']:,} per arm, {p['units_per_day']:,.0f} eligible a day, {p['days']} days.", ""]
        out += ["**The parts of a strong answer** (ask for a missing one, at most twice):", ""]
        for part in doc["parts"]:
            out += [f"- **{part['title']}**. Ask: \"{part['ask_if_missing']}\""] + [f"  - {m}" for m in part["model"]]
        out += ["", "**A strong answer makes these points:**"] + [f"- {p}" for p in doc["strong_points"]]
    else:
        out += ["**What moved:** " + ", ".join(f"{m['metric']} {m['change']}" for m in doc["movements"]), "",
                "**Data, given only when asked:**", *(f"- {d}" for d in doc['data']), "", "", "**A strong answer makes these points:**"]
        out += [f"- {p}" for p in doc["strong_points"]]
        out += ["", f"**Defensible verdict:** {doc['verdict']}", "", "**Conditions:**"]
        out += [f"- {c}" for c in doc["conditions"]]
        out += ["", "**Actions:**"] + [f"- {a}" for a in doc["actions"]]
    out += ["", "## Rubric (score 1-4 with the candidate's words as evidence)", ""]
    out += [f"- **{r['title']}**: {r['question']}" for r in doc["rubric"].values()]
    ns = doc["model_answer"]["north_star"]
    out += ["", "## Model answer in brief", "", f"North star: **{ns['name']}**: {ns['definition']}", "",
            "Guardrails: " + "; ".join(g["name"] for g in doc["model_answer"]["guardrails"]), ""]
    return "\n".join(out)
