"""The rubric: Meta's four core areas plus the additional dimensions (DESIGN.md)."""

from __future__ import annotations

from typing import Final

CORE_AREAS: Final = ("product_rationale", "goals", "metrics", "tradeoffs")
EXTRA_AREAS: Final = (
    "data_analysis",
    "problem_diagnosis",
    "prioritization",
    "launch_plan",
    "attention_to_detail",
)
AREAS: Final = CORE_AREAS + EXTRA_AREAS

TITLES: Final[dict[str, str]] = {
    "product_rationale": "Product rationale",
    "goals": "Goals: reasonable, measurable, prioritized",
    "metrics": "Metrics that make sense",
    "tradeoffs": "Trade-offs and judgement",
    "data_analysis": "Data analysis",
    "problem_diagnosis": "Problem diagnosis",
    "prioritization": "Prioritization",
    "launch_plan": "Launch and post-launch plan",
    "attention_to_detail": "Attention to detail",
}

QUESTIONS: Final[dict[str, str]] = {
    "product_rationale": "Does the candidate know why the product exists, how it serves the "
    "company mission, and how it creates value for users and for the company?",
    "goals": "Are the goals tied to the mission, measurable, and cut to 2-3 in a defended order?",
    "metrics": "Is there one north star that measures value (not activity), distinct from the "
    "secondary metrics, with guardrails and pros/cons, usable for a launch decision?",
    "tradeoffs": "Faced with mixed results, does the candidate weigh the impact on north star, "
    "secondaries and guardrails, and reach a verdict with conditions and next steps?",
    "data_analysis": "Is the candidate comfortable with numbers: definitions, baselines, "
    "targets, segment cuts?",
    "problem_diagnosis": "When a metric moves, does the candidate narrow it down systematically "
    "(pinpoint, external, internal) and land on a root cause?",
    "prioritization": "Does the candidate choose, say what they are not doing, and say why?",
    "launch_plan": "Does the candidate plan the experiment, the rollout and what to watch "
    "after launch?",
    "attention_to_detail": "Edge cases, segments, ecosystem effects on other products and "
    "market sides.",
}

SCORE_LABELS: Final[dict[int, str]] = {
    1: "strong no hire",
    2: "no hire",
    3: "hire",
    4: "strong hire",
}
