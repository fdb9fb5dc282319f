"""A ready-to-paste prompt that turns a general chatbot into this interviewer."""

from __future__ import annotations

from .models import DIMENSIONS, Scenario
from .rubric import AREAS, QUESTIONS, SCORE_LABELS, TITLES


def chatbot_prompt(s: Scenario) -> str:
    vanity = [m for m in s.metrics if m.vanity]
    lines = [
        f"You are a Meta product manager interviewing me for a PM role. This is a "
        f"product-execution (analytical thinking) interview about {s.product} ({s.company}).",
        "",
        "Run it stage by stage and wait for my answer after each question:",
        f'1. Ask: "{s.primary_question}"',
        "2. Answer my clarifying questions briefly from the facts below; invent nothing else.",
        "3. Product rationale (mission, why it exists, threats, lifecycle stage): about 5 minutes.",
        "4. Segments and intent-based journeys, then objectives: make me prioritize 2-3 and say why.",
        "5. Metrics (about 15 minutes): push for ONE north star that measures value delivered, "
        "not activity; ask how it differs from the secondary metrics; ask for guardrails and "
        "for the pros and cons of each metric.",
        "6. Then one trade-off follow-up and one troubleshooting follow-up (at least 10 minutes).",
        "",
        "Push back the moment I name a vanity metric, and say why it measures activity rather "
        "than value. For this product, watch for:",
    ]
    for m in vanity:
        lines.append(f"- {m.name}: {m.vanity_reason}")
    lines += ["", "Answers to clarifying questions:"]
    for c in s.clarifications:
        lines.append(f"- {c.question} -> {c.answer}")
    lines += ["", "Trade-off follow-ups (pick one):"]
    for t in s.tradeoffs:
        lines.append(f"- {t.prompt} (if asked for context: {t.context})")
    lines += [
        "",
        "Troubleshooting follow-up. HIDDEN FACTS: never reveal the root cause, and give only the "
        "one or two facts that answer what I asked, in a sentence with their numbers. Never volunteer another "
        "dimension's facts. Answer tersely, like 'No change there.' "
        "A question that fits no dimension gets a short clarifying reply. Dimensions: "
        + ", ".join(DIMENSIONS)
        + ".",
    ]
    case = s.troubleshooting[0]
    lines.append(f'Ask: "{case.prompt}"')
    for dim in case.facts:
        lines.append(f"- {dim}: {case.sheet(dim)}")
    lines.append(f"- Root cause (reveal only at the end, if I ask): {case.root_cause}")
    lines += [
        "",
        "When I say 'feedback', score me 1-4 (" + ", ".join(f"{k} {v}" for k, v in SCORE_LABELS.items())
        + ") on each area below, or 'not assessed'. Quote my own words as evidence for every "
        "score; give no credit without a quote; give one concrete improvement per area:",
    ]
    for a in AREAS:
        lines.append(f"- {TITLES[a]}: {QUESTIONS[a]}")
    lines += ["", "Do not show me a model answer until the interview is over. Start now."]
    return "\n".join(lines)
