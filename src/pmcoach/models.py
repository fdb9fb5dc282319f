"""The knowledge-base schema: what a scenario file (and an archetype file) may contain.

Every model forbids unknown fields, so a typo in a YAML key is reported with its path
instead of being silently ignored. `FORMAT_VERSION` is written at the top of every file.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

FORMAT_VERSION = 2
#: Versions this pmcoach still reads. Version 1 wrote each troubleshooting dimension as one
#: paragraph and a trade-off's data as one ``context`` paragraph; they are split into
#: sentence facts on load (no fact marked decisive, so the root cause dimension's facts are).
READABLE_VERSIONS = (1, 2)

#: Troubleshooting dimensions (DESIGN.md). Every case's fact sheet answers each of them
#: except ``other``, which is what a question that fits no dimension maps to.
DIMENSIONS: tuple[str, ...] = (
    "definition",
    "time_period",
    "trend",
    "seasonality",
    "geography",
    "data_quality",
    "platform",
    "app_version",
    "industry",
    "competitor",
    "environment",
    "marketing",
    "tech_change",
    "segment",
    "channel",
    "funnel_step",
    "related_metrics",
    "user_feedback",
    "other",
)
FACT_DIMENSIONS: tuple[str, ...] = tuple(d for d in DIMENSIONS if d != "other")

Dimension = Literal[
    "definition",
    "time_period",
    "trend",
    "seasonality",
    "geography",
    "data_quality",
    "platform",
    "app_version",
    "industry",
    "competitor",
    "environment",
    "marketing",
    "tech_change",
    "segment",
    "channel",
    "funnel_step",
    "related_metrics",
    "user_feedback",
    "other",
]
Tier = Literal["north_star", "input", "guardrail"]
Lifecycle = Literal["new", "growth", "mature", "declining"]
Indicator = Literal["leading", "lagging"]
ArchetypeKind = Literal[
    "marketplace",
    "social",
    "content",
    "messaging",
    "productivity",
    "commerce",
    "on_demand",
    "fintech",
    "learning",
    "maps",
]

_ID = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError("must be lowercase letters, digits and single '-' or '_' (e.g. 'dau-drop')")
    return value


def _check_version(v: int) -> int:
    if v not in READABLE_VERSIONS:
        raise ValueError(f"this pmcoach reads format_version {', '.join(map(str, READABLE_VERSIONS))}, not {v}"
                         f"{' (a newer pmcoach wrote it: upgrade)' if v > FORMAT_VERSION else ''}")
    return v


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Clarification(_Model):
    """A clarifying question a candidate may ask, and the interviewer's answer."""

    id: str
    question: str = Field(description="The question as a candidate would ask it.")
    keywords: list[str] = Field(
        min_length=1, description="Words or phrases that signal this question (lowercase)."
    )
    answer: str = Field(description="The interviewer's answer, one or two sentences.")

    _id = field_validator("id")(_check_id)


class Rationale(_Model):
    mission: str = Field(description="The company mission the product serves.")
    why_exists: list[str] = Field(min_length=2, description="Why the product exists: user and company value.")
    weaknesses_threats: list[str] = Field(min_length=1)
    lifecycle_stage: Lifecycle
    lifecycle_note: str = Field(description="What the stage means for goals now versus later.")


class Segment(_Model):
    id: str
    name: str
    description: str
    side: str | None = Field(default=None, description="Market side, e.g. 'demand' or 'supply'.")

    _id = field_validator("id")(_check_id)


class JourneyStep(_Model):
    id: str
    name: str
    description: str

    _id = field_validator("id")(_check_id)


class Journey(_Model):
    id: str
    segment: str = Field(description="The id of the segment whose journey this is.")
    intent: str = Field(description="What the user is trying to get done.")
    steps: list[JourneyStep] = Field(min_length=2)

    _id = field_validator("id")(_check_id)


class ProductObject(_Model):
    name: str
    description: str


class Objective(_Model):
    id: str
    statement: str
    segment: str | None = Field(default=None, description="Segment id this objective serves.")
    journey_step: str | None = Field(default=None, description="'journey_id.step_id' it targets.")
    mission_link: str = Field(description="How it ties back to the mission.")
    measurable: bool
    measurability_note: str

    _id = field_validator("id")(_check_id)


class Prioritization(_Model):
    objectives: list[str] = Field(min_length=2, max_length=3, description="Objective ids, first = top.")
    reason: str


class MetricScope(_Model):
    segment: str | None = None
    journey_step: str | None = Field(default=None, description="'journey_id.step_id'")
    health: bool = Field(default=False, description="True for overall product-health metrics.")


class Metric(_Model):
    id: str
    name: str
    aliases: list[str] = Field(default_factory=list, description="How candidates say it, lowercase.")
    definition: str = Field(description="Precise: who is counted, over what window, out of whom.")
    numerator: str
    denominator: str | None = None
    window: str
    tiers: list[Tier] = Field(min_length=1, description="Tiers the metric can serve.")
    vanity: bool
    vanity_reason: str | None = None
    value_alternative: str | None = Field(default=None, description="Metric id to use instead.")
    indicator: Indicator
    pros: list[str] = Field(min_length=1)
    cons: list[str] = Field(min_length=1)
    measures: MetricScope = Field(default_factory=MetricScope)

    _id = field_validator("id")(_check_id)

    @model_validator(mode="after")
    def _vanity_needs_reason(self) -> Metric:
        if self.vanity and not (self.vanity_reason and self.value_alternative):
            raise ValueError("a vanity metric needs vanity_reason and value_alternative")
        if self.vanity and "north_star" in self.tiers:
            raise ValueError("a vanity metric cannot list the north_star tier")
        return self


class Alternative(_Model):
    metric: str
    why_not: str


class NorthStar(_Model):
    metric: str
    why: str
    alternatives: list[Alternative] = Field(min_length=2)


class SecondaryPick(_Model):
    metric: str
    objective: str
    why: str


class GuardrailPick(_Model):
    metric: str
    protects: str = Field(description="What harm it watches for.")


class Recommendation(_Model):
    north_star: NorthStar
    secondary: list[SecondaryPick] = Field(min_length=2)
    guardrails: list[GuardrailPick] = Field(min_length=2)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_ABBREV_END = re.compile(r"\b(?:e\.g|i\.e|vs|etc|approx|U\.S|No)\.$", re.I)


def sentences(paragraph: str) -> list[str]:
    """A paragraph of a version-1 file, split into its sentences (abbreviations kept whole)."""
    out: list[str] = []
    for part in _SENTENCE_END.split(paragraph.strip()):
        if out and _ABBREV_END.search(out[-1]):
            out[-1] = f"{out[-1]} {part}"
        elif part:
            out.append(part)
    return out


class Fact(_Model):
    """One short fact of a case's world: a number or a statement, answered when asked."""

    text: str = Field(min_length=3, description="One self-contained sentence, with its numbers.")
    decisive: bool = Field(default=False, description="Needed to pin down the root cause (or the verdict).")
    about: str | None = Field(default=None, description="Trade-off data only: what it is about (segment, guardrail, revenue...).")


def _facts(value: object) -> object:
    """Accept a paragraph (version 1), a list of sentences, or a list of facts."""
    if isinstance(value, str):
        return [{"text": t} for t in sentences(value)]
    if isinstance(value, list):
        return [{"text": v} if isinstance(v, str) else v for v in value]
    return value


class Movement(_Model):
    metric: str
    change: str = Field(description="e.g. '-10%'")


class TradeoffCase(_Model):
    id: str
    title: str
    prompt: str = Field(description="What the interviewer says.")
    movements: list[Movement] = Field(min_length=2)
    data: list[Fact] = Field(min_length=1, description="What the interviewer knows about the result, one fact each, given only when asked.")
    strong_points: list[str] = Field(min_length=3)
    verdict: str
    conditions: list[str] = Field(min_length=1)
    actions: list[str] = Field(min_length=2)

    _id = field_validator("id")(_check_id)

    @model_validator(mode="before")
    @classmethod
    def _v1_context(cls, data: object) -> object:
        if isinstance(data, dict) and "context" in data and "data" not in data:
            data = dict(data)
            data["data"] = _facts(data.pop("context"))
        elif isinstance(data, dict) and "data" in data:
            data = {**data, "data": _facts(data["data"])}
        return data

    def fact_rows(self) -> list[tuple[str, str, str]]:
        """(key, what it is about, text) for every fact: the data ('data.<index>') and what
        moved ('move.<index>', which includes movements the prompt does not state)."""
        rows = [(f"data.{i}", f.about or "data", f.text) for i, f in enumerate(self.data)]
        rows += [(f"move.{i}", "movement", f"{m.metric[:1].upper()}{m.metric[1:]} moved {m.change}.")
                 for i, m in enumerate(self.movements)]
        return rows

    def fact_text(self, key: str) -> str | None:
        kind, _, i = key.partition(".")
        items: list[str] = ([f.text for f in self.data] if kind == "data" else
                            [f"{m.metric[:1].upper()}{m.metric[1:]} moved {m.change}." for m in self.movements])
        return items[int(i)] if i.isdigit() and int(i) < len(items) else None

    @property
    def context(self) -> str:
        """All the case's data as one paragraph (for prompts and grading)."""
        return " ".join(f.text for f in self.data)


class TroubleshootingCase(_Model):
    id: str
    title: str
    prompt: str
    metric: str
    change: str
    facts: dict[Dimension, list[Fact]] = Field(
        description="For every checklist dimension, the interviewer's short facts (one sentence each)."
    )
    root_cause: str
    root_cause_dimension: Dimension
    red_herrings: list[str] = Field(default_factory=list)
    action_plan: list[str] = Field(min_length=2)
    hints: list[str] = Field(min_length=2)

    _id = field_validator("id")(_check_id)

    @field_validator("facts", mode="before")
    @classmethod
    def _v1_facts(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: _facts(v) for k, v in value.items()}
        return value

    def sheet(self, dimension: str) -> str:
        """A dimension's facts as one paragraph ('' when the sheet has none)."""
        return " ".join(f.text for f in self.facts.get(dimension, []))  # type: ignore[call-overload]

    def fact_rows(self) -> list[tuple[str, str, str]]:
        """(key, dimension, text) for every fact; a key is '<dimension>.<index>'."""
        return [(f"{d}.{i}", d, f.text) for d, fs in self.facts.items() for i, f in enumerate(fs)]

    def fact(self, key: str) -> Fact | None:
        d, _, i = key.partition(".")
        fs = self.facts.get(d, [])  # type: ignore[call-overload]
        return fs[int(i)] if i.isdigit() and int(i) < len(fs) else None

    def all_facts(self) -> list[tuple[str, Fact]]:
        """Every fact with its dimension, in sheet order."""
        return [(d, f) for d, fs in self.facts.items() for f in fs]

    def decisive(self) -> list[tuple[str, Fact]]:
        """The facts that pin down the root cause: those marked so, or (a version-1 sheet)
        the root cause dimension's."""
        marked = [(d, f) for d, f in self.all_facts() if f.decisive]
        return marked or [(d, f) for d, f in self.all_facts() if d == self.root_cause_dimension]


class Scenario(_Model):
    format_version: int
    id: str
    product: str
    company: str
    kind: ArchetypeKind
    aliases: list[str] = Field(default_factory=list)
    primary_question: str
    clarifications: list[Clarification] = Field(min_length=3)
    rationale: Rationale
    segments: list[Segment] = Field(min_length=2)
    journeys: list[Journey] = Field(min_length=1)
    objects: list[ProductObject] = Field(default_factory=list)
    objectives: list[Objective] = Field(min_length=3)
    prioritization: Prioritization
    metrics: list[Metric] = Field(min_length=8)
    recommendation: Recommendation
    tradeoffs: list[TradeoffCase] = Field(min_length=2)
    troubleshooting: list[TroubleshootingCase] = Field(min_length=2)
    generated_by: str | None = Field(default=None, description="Set when a model drafted this file: review it.")

    _id = field_validator("id")(_check_id)

    _version = field_validator("format_version")(_check_version)

    def metric(self, metric_id: str) -> Metric:
        for m in self.metrics:
            if m.id == metric_id:
                return m
        raise KeyError(metric_id)

    def objective(self, objective_id: str) -> Objective:
        for o in self.objectives:
            if o.id == objective_id:
                return o
        raise KeyError(objective_id)

    def segment(self, segment_id: str) -> Segment:
        for s in self.segments:
            if s.id == segment_id:
                return s
        raise KeyError(segment_id)

    def case_ids(self) -> list[str]:
        return [c.id for c in self.tradeoffs] + [c.id for c in self.troubleshooting]


class Archetype(_Model):
    """A product kind, used to build a labelled scaffold for a product outside the bank.

    Text may contain ``{product}``, replaced with the product's name.
    """

    format_version: int
    id: ArchetypeKind
    name: str
    examples: list[str] = Field(min_length=2)
    rationale: Rationale
    segments: list[Segment] = Field(min_length=2)
    journeys: list[Journey] = Field(min_length=1)
    objectives: list[Objective] = Field(min_length=3)
    prioritization: Prioritization
    metrics: list[Metric] = Field(min_length=6)
    recommendation: Recommendation

    _version = field_validator("format_version")(_check_version)
