"""The knowledge-base schema: what a scenario file (and an archetype file) may contain.

Every model forbids unknown fields, so a typo in a YAML key is reported with its path
instead of being silently ignored. `FORMAT_VERSION` is written at the top of every file.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

FORMAT_VERSION = 3
#: Versions this pmcoach still reads. Version 1 wrote each troubleshooting dimension as one
#: paragraph and a trade-off's data as one ``context`` paragraph; they are split into
#: sentence facts on load (no fact marked decisive, so the root cause dimension's facts are).
#: Version 3 adds neutral case ids with aliases, checked numbers, trade-off tension and
#: decision labels, review records, and launch, experiment and prioritization cases.
READABLE_VERSIONS = (1, 2, 3)

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


class MixPart(_Model):
    segment: str
    share: float = Field(description="% of the metric this segment held before the change (0-100).")
    change: float = Field(description="% change of the metric within this segment, e.g. -15.")


class Mix(_Model):
    """A total change explained by its segments: sum of share x change = total (within 1 point)."""

    of: str = Field(description="What is split, e.g. 'Groups DAU by platform'.")
    total: float = Field(description="% change of the whole, e.g. -10.")
    parts: list[MixPart] = Field(min_length=2)
    complete: bool = Field(default=True, description="The parts cover the whole (shares add to 100).")


class Figure(_Model):
    before: float
    after: float
    unit: str | None = Field(default=None, description="'%' for a rate or share (kept within 0-100), '$', 'per day'...")


class Revenue(_Model):
    """Revenue as a product of factors (volume x price x rate, or sessions x ad load x price):
    the product of the factors' after/before ratios is the stated change, within 1 point."""

    factors: dict[str, Figure] = Field(min_length=2)
    change: float = Field(description="% change of revenue the case states, e.g. 40.")


class Numbers(_Model):
    """A case's key numbers as fields, so that the lint can check their arithmetic and that
    the facts state them."""

    mix: list[Mix] = Field(default_factory=list)
    revenue: Revenue | None = None


Tension = Literal["revenue_vs_engagement", "growth_vs_quality", "supply_vs_demand", "short_vs_long_term",
                  "segment_vs_segment", "cost_vs_experience", "ecosystem", "safety_vs_growth", "other"]
Decision = Literal["ship", "ship_with_conditions", "iterate", "test_smaller", "roll_back", "dont_ship"]


class Movement(_Model):
    metric: str
    change: str = Field(description="e.g. '-10%'")


class TradeoffCase(_Model):
    id: str
    aliases: list[str] = Field(default_factory=list, description="Former ids, still accepted.")
    title: str
    prompt: str = Field(description="What the interviewer says.")
    movements: list[Movement] = Field(min_length=2)
    data: list[Fact] = Field(min_length=1, description="What the interviewer knows about the result, one fact each, given only when asked.")
    strong_points: list[str] = Field(min_length=3)
    verdict: str
    conditions: list[str] = Field(min_length=1)
    actions: list[str] = Field(min_length=2)
    tension: Tension | None = Field(default=None, description="What is traded against what (the bank keeps a mix).")
    decision: Decision | None = Field(default=None, description="The verdict's kind (the bank keeps a mix).")
    numbers: Numbers | None = None

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
    aliases: list[str] = Field(default_factory=list, description="Former ids, still accepted.")
    title: str = Field(description="Names the symptom only, never the cause.")
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
    numbers: Numbers | None = None
    reviewed: bool = Field(default=False, description="Played blind by someone who did not write it (notes in data/reviews/<id>.yaml).")

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


class _Exercise(_Model):
    """What launch, experiment and prioritization cases share: a prompt, data the interviewer
    gives when asked, and the strong points of a model answer."""

    id: str
    aliases: list[str] = Field(default_factory=list, description="Former ids, still accepted.")
    title: str
    prompt: str = Field(description="What the interviewer says.")
    data: list[Fact] = Field(min_length=2, description="What the interviewer knows, one fact each, given only when asked.")
    strong_points: list[str] = Field(min_length=3)

    _id = field_validator("id")(_check_id)

    @field_validator("data", mode="before")
    @classmethod
    def _data_strings(cls, value: object) -> object:
        return _facts(value)

    def fact_rows(self) -> list[tuple[str, str, str]]:
        return [(f"data.{i}", f.about or "data", f.text) for i, f in enumerate(self.data)]

    def fact_text(self, key: str) -> str | None:
        kind, _, i = key.partition(".")
        return self.data[int(i)].text if kind == "data" and i.isdigit() and int(i) < len(self.data) else None

    @property
    def context(self) -> str:
        return " ".join(f.text for f in self.data)


class LaunchCase(_Exercise):
    """Plan a launch: what to measure before, during and after it, and how to roll it out."""

    feature: str = Field(description="What is launching, in a sentence.")
    before: list[str] = Field(min_length=2, description="Before launch: success criteria, baselines, the test.")
    rollout: list[str] = Field(min_length=2, description="Stages, each with the gate to pass before the next.")
    during: list[str] = Field(min_length=2, description="What to watch while it rolls out.")
    after: list[str] = Field(min_length=2, description="After launch: holdouts, novelty, the long-term read.")
    kill_criteria: list[str] = Field(min_length=1, description="What makes you stop or roll back.")


class Power(_Model):
    """The sample size in plain numbers (two-sided test of two proportions)."""

    baseline: float = Field(description="The primary metric's rate in control, in % (0-100).")
    mde: float = Field(description="The smallest relative lift worth detecting, in %, e.g. 2 for +2%.")
    alpha: float = 0.05
    power: float = 0.8
    arms: int = 2
    units_per_day: float = Field(description="Eligible units entering the test per day, all arms together.")
    per_arm: int = Field(description="Units per arm the model answer states.")
    days: int = Field(description="Days the model answer runs the test.")


class ExperimentCase(_Exercise):
    """Design an experiment: hypothesis, unit, metrics, duration and power, pitfalls."""

    hypothesis: str
    unit: str = Field(description="The unit of randomisation and why.")
    primary: str = Field(description="The primary metric, defined.")
    guardrails: list[str] = Field(min_length=2)
    power: Power
    duration: str = Field(description="The duration and why, in plain words.")
    pitfalls: list[str] = Field(min_length=2, description="Novelty, network effects, cannibalization...")
    decision: str = Field(description="What result ships it, and what does not.")


class Initiative(_Model):
    id: str
    name: str
    description: str
    reach: float = Field(description="Users (or units) affected per quarter.")
    impact: float = Field(description="Impact per user: 0.25 minimal, 0.5 low, 1 medium, 2 high, 3 massive.")
    confidence: float = Field(description="Confidence in the estimates, % (0-100).")
    effort: float = Field(description="Person-months.")

    _id = field_validator("id")(_check_id)

    def rice(self) -> float:
        return self.reach * self.impact * self.confidence / 100 / self.effort


class PrioritizationCase(_Exercise):
    """Choose one of three initiatives, with data."""

    initiatives: list[Initiative] = Field(min_length=3, max_length=3)
    choice: str = Field(description="The initiative id a strong answer picks.")
    reasoning: str
    not_doing: str = Field(description="What is deferred and why, said out loud.")


class Scenario(_Model):
    format_version: int
    id: str
    product: str
    company: str
    kind: ArchetypeKind
    scope: Literal["product", "feature"] = Field(
        default="product",
        description="'feature' for one part of a larger product (Instagram Close Friends, Facebook Groups).")
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
    launches: list[LaunchCase] = Field(default_factory=list)
    experiments: list[ExperimentCase] = Field(default_factory=list)
    prioritizations: list[PrioritizationCase] = Field(default_factory=list)
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

    def all_cases(self) -> list[AnyCase]:
        """Every follow-up case, trade-offs first."""
        return [*self.tradeoffs, *self.troubleshooting, *self.launches, *self.experiments, *self.prioritizations]

    def case_ids(self) -> list[str]:
        return [c.id for c in self.all_cases()]


AnyCase = TradeoffCase | TroubleshootingCase | LaunchCase | ExperimentCase | PrioritizationCase
#: The kind of each case class, as the interviewer, the CLI and the web app name it.
CASE_KINDS: dict[type, str] = {TradeoffCase: "tradeoff", TroubleshootingCase: "troubleshooting",
                               LaunchCase: "launch", ExperimentCase: "experiment",
                               PrioritizationCase: "prioritization"}


def case_kind(case: object) -> str:
    return CASE_KINDS[type(case)]


class Guide(_Model):
    """How to think about a kind of product, with no facts about any one product."""

    think: list[str] = Field(min_length=2, description="How to reason about this kind of product.")
    segments: list[str] = Field(min_length=2, description="Typical segments, and what separates them.")
    metric_patterns: list[str] = Field(min_length=2, description="North-star and guardrail patterns that fit.")
    tradeoffs: list[str] = Field(min_length=2, description="The trade-offs this kind of product usually faces.")
    clarifying_questions: list[str] = Field(min_length=3, description="What to ask the interviewer first.")


class Archetype(_Model):
    """A product kind. Its ``guide`` is what ``pmcoach answer X --archetype KIND`` shows for a
    product outside the bank; the rest is a generic outline of the kind (kept for the
    ``{product}``-templated scaffold API, ``answer.build_answer(archetype, product)``).
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
    guide: Guide | None = None

    _version = field_validator("format_version")(_check_version)
