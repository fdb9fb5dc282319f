"""The knowledge base: loading, validating, caching and finding scenarios.

The built-in bank ships inside the package; a user's folder (``PMCOACH_HOME/scenarios``) is
loaded beside it, and a user file with the same id overrides the built-in one.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from . import paths
from .errors import ScenarioFileError, UnknownCaseError, UnknownProductError
from .models import (
    FACT_DIMENSIONS,
    AnyCase,
    Archetype,
    Numbers,
    Power,
    PrioritizationCase,
    Scenario,
    TroubleshootingCase,
    case_kind,
)

M = TypeVar("M", bound=BaseModel)

try:  # the C loader is several times faster; fall back when libyaml is absent
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


def _format_validation(path: Path, err: ValidationError) -> str:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
    more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
    msg = first["msg"]
    if first["type"] == "extra_forbidden":
        msg = "unknown field"
    elif first["type"] == "missing":
        msg = "field required"
    return f"{path}: {loc}: {msg}{more}"


def parse_file(path: Path, model: type[M]) -> M:
    """Read one YAML file into ``model``; every failure is a one-line ScenarioFileError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ScenarioFileError(f"{path}: is a directory, expected a YAML file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioFileError(f"{path}: cannot read: {exc}") from None
    return parse_text(text, model, path)


def parse_text(text: str, model: type[M], path: Path | str = "<text>") -> M:
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - CSafeLoader/SafeLoader only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ScenarioFileError(f"{path}:{where}: malformed YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ScenarioFileError(f"{path}: expected a mapping of fields at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioFileError(_format_validation(Path(str(path)), exc)) from None


# --------------------------------------------------------------------------- lint


#: Longest fact a version-2 sheet may hold, in words.
MAX_FACT_WORDS = 45
#: Longest spoken version of a model answer, in words (12 minutes at 150 words a minute).
MAX_SPOKEN_WORDS = 1800
#: ...and at least this many for a format-3 scenario: less is not 12 minutes of substance.
MIN_SPOKEN_WORDS = 1200
#: How far checked arithmetic may be off, in percentage points.
TOLERANCE_PTS = 1.0
#: How far a stated sample size may be from the formula's, as a share.
POWER_TOLERANCE = 0.15
#: At most this share of the bank's trade-offs trade revenue against engagement, and at least
#: this share are right to ship.
MAX_REVENUE_VS_ENGAGEMENT = 0.25
MIN_SHIP = 0.20

_WORD = re.compile(r"[a-z][a-z0-9]+")


def _stem(w: str) -> str:
    return w[:5] if len(w) > 5 else w


def _content_words(text: str, ignore: set[str]) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower().replace("_", " ")) if len(w) >= 3} - ignore


def spoilers(s: Scenario, case: TroubleshootingCase) -> list[str]:
    """Words of a case's id or title that give its root cause away."""
    from .analysis.cues import load_yaml

    ignore = {_stem(w) for w in load_yaml("authoring.yaml")["spoiler_ignore"]}
    own = " ".join([s.id, s.product, s.company, *s.aliases, case.metric, case.change, case.prompt])
    ignore |= _content_words(own, set())
    cause = _content_words(f"{case.root_cause} {case.root_cause_dimension}", ignore)
    shown = _content_words(f"{case.id.replace('-', ' ')} {case.title}", ignore)
    return sorted(shown & cause)


def _numbers_in(text: str) -> set[float]:
    return {abs(float(n.replace(",", ""))) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


def _stated(n: float, numbers: set[float]) -> bool:
    return any(abs(abs(n) - x) <= 0.51 for x in numbers)


def lint_numbers(where: str, nums: Numbers, texts: list[str]) -> list[str]:
    """The arithmetic of a case's structured numbers, and that its facts state them."""
    problems: list[str] = []
    said = set().union(*(_numbers_in(t) for t in texts)) if texts else set()
    for mix in nums.mix:
        implied = sum(p.share * p.change for p in mix.parts) / 100
        if abs(implied - mix.total) > TOLERANCE_PTS:
            problems.append(f"{where}: {mix.of}: the segments make {implied:+.1f}%, not the stated {mix.total:+g}% "
                            "(sum of share x change)")
        shares = sum(p.share for p in mix.parts)
        if any(not 0 <= p.share <= 100 for p in mix.parts):
            problems.append(f"{where}: {mix.of}: a share outside 0-100%")
        if mix.complete and abs(shares - 100) > TOLERANCE_PTS:
            problems.append(f"{where}: {mix.of}: the shares add to {shares:g}%, not 100% (or set complete: false)")
        elif shares > 100 + TOLERANCE_PTS:
            problems.append(f"{where}: {mix.of}: the shares add to {shares:g}%, over 100%")
        for label, n in [("total", mix.total), *((p.segment, p.change) for p in mix.parts)]:
            if not _stated(n, said):
                problems.append(f"{where}: {mix.of}: {label} {n:+g}% is not stated in any fact")
    if nums.revenue is not None:
        ratio = 1.0
        for name, f in nums.revenue.factors.items():
            if f.before <= 0 or f.after < 0:
                problems.append(f"{where}: revenue factor {name}: before must be positive")
                continue
            if f.unit == "%" and not (0 <= f.before <= 100 and 0 <= f.after <= 100):
                problems.append(f"{where}: revenue factor {name}: a percentage outside 0-100")
            ratio *= f.after / f.before
        implied = (ratio - 1) * 100
        if abs(implied - nums.revenue.change) > TOLERANCE_PTS:
            problems.append(f"{where}: revenue: the factors make {implied:+.1f}%, not the stated "
                            f"{nums.revenue.change:+g}% (volume x price x rate)")
        if not _stated(nums.revenue.change, said):
            problems.append(f"{where}: revenue change {nums.revenue.change:+g}% is not stated in any fact")
    return problems


def sample_size(p: Power) -> int:
    """Units per arm for a two-sided test of two proportions."""
    from statistics import NormalDist

    z = NormalDist().inv_cdf(1 - p.alpha / 2) + NormalDist().inv_cdf(p.power)
    p1 = p.baseline / 100
    p2 = p1 * (1 + p.mde / 100)
    return int(z * z * (p1 * (1 - p1) + p2 * (1 - p2)) / (p2 - p1) ** 2) + 1


def lint_power(where: str, p: Power) -> list[str]:
    problems: list[str] = []
    if not 0 < p.baseline < 100:
        return [f"{where}: power: baseline must be a rate between 0 and 100%"]
    if p.mde <= 0 or p.baseline * (1 + p.mde / 100) >= 100:
        return [f"{where}: power: mde must be a positive relative lift that keeps the rate under 100%"]
    n = sample_size(p)
    if abs(p.per_arm - n) > POWER_TOLERANCE * n:
        problems.append(f"{where}: power: {p.per_arm:,} per arm stated; a {p.baseline:g}% baseline and a "
                        f"{p.mde:g}% relative lift need about {n:,} (alpha {p.alpha:g}, power {p.power:g})")
    need = -(-p.per_arm * p.arms // int(max(p.units_per_day, 1)))
    if p.days < need:
        problems.append(f"{where}: power: {p.days} days is too short: {p.per_arm:,} x {p.arms} units at "
                        f"{p.units_per_day:,.0f} a day take {need} days")
    if p.days < 7:
        problems.append(f"{where}: power: run at least a full week ({p.days} days), for day-of-week cycles")
    return problems


def lint_scenario(s: Scenario | Archetype) -> list[str]:
    """Content checks the schema cannot express: references, tiers, fact sheets.

    An archetype gets the same checks but those about clarifications and follow-up cases.
    """
    problems: list[str] = []

    def dupes(kind: str, ids: Iterable[str]) -> None:
        seen: set[str] = set()
        for i in ids:
            if i in seen:
                problems.append(f"{kind} id {i!r} is used twice")
            seen.add(i)

    seg_ids = {x.id for x in s.segments}
    step_ids = {f"{j.id}.{st.id}" for j in s.journeys for st in j.steps}
    obj_ids = {o.id for o in s.objectives}
    metrics = {m.id: m for m in s.metrics}
    dupes("segment", (x.id for x in s.segments))
    dupes("journey", (x.id for x in s.journeys))
    dupes("objective", (x.id for x in s.objectives))
    dupes("metric", (x.id for x in s.metrics))
    if isinstance(s, Scenario):
        dupes("clarification", (x.id for x in s.clarifications))
        dupes("case", s.case_ids())
    for j in s.journeys:
        dupes(f"step in journey {j.id}", (st.id for st in j.steps))
        if j.segment not in seg_ids:
            problems.append(f"journey {j.id}: unknown segment {j.segment!r}")
    for o in s.objectives:
        if o.segment and o.segment not in seg_ids:
            problems.append(f"objective {o.id}: unknown segment {o.segment!r}")
        if o.journey_step and o.journey_step not in step_ids:
            problems.append(f"objective {o.id}: unknown journey_step {o.journey_step!r}")
    for p in s.prioritization.objectives:
        if p not in obj_ids:
            problems.append(f"prioritization: unknown objective {p!r}")
        elif not next(o for o in s.objectives if o.id == p).measurable:
            problems.append(f"prioritization: objective {p!r} is not measurable")
    aliases: dict[str, str] = {}
    for m in s.metrics:
        sc = m.measures
        if sc.segment and sc.segment not in seg_ids:
            problems.append(f"metric {m.id}: unknown segment {sc.segment!r}")
        if sc.journey_step and sc.journey_step not in step_ids:
            problems.append(f"metric {m.id}: unknown journey_step {sc.journey_step!r}")
        if m.vanity:
            alt = metrics.get(m.value_alternative or "")
            if alt is None:
                problems.append(f"metric {m.id}: value_alternative {m.value_alternative!r} is not in the catalog")
            elif alt.vanity:
                problems.append(f"metric {m.id}: value_alternative {alt.id!r} is itself vanity")
        for a in [m.name.lower(), *m.aliases]:
            a = a.lower()
            if a in aliases and aliases[a] != m.id:
                problems.append(f"metric alias {a!r} names both {aliases[a]} and {m.id}")
            aliases[a] = m.id
    for seg in s.segments:
        if not any(m.measures.segment == seg.id for m in s.metrics):
            problems.append(f"segment {seg.id}: no metric in the catalog measures it")
    for step in sorted(step_ids):
        if not any(m.measures.journey_step == step for m in s.metrics):
            problems.append(f"journey step {step}: no metric in the catalog measures it")
    if sum(1 for m in s.metrics if m.measures.health) < 2:
        problems.append("the catalog needs at least 2 health metrics (measures.health: true)")

    rec = s.recommendation
    ns = metrics.get(rec.north_star.metric)
    if ns is None:
        problems.append(f"north star {rec.north_star.metric!r} is not in the catalog")
    else:
        if ns.vanity:
            problems.append(f"north star {ns.id!r} is a vanity metric")
        if "north_star" not in ns.tiers:
            problems.append(f"north star {ns.id!r} does not list the north_star tier")
    for alternative in rec.north_star.alternatives:
        if alternative.metric not in metrics:
            problems.append(f"north star alternative {alternative.metric!r} is not in the catalog")
        if alternative.metric == rec.north_star.metric:
            problems.append("a north star alternative repeats the north star")
    for sec in rec.secondary:
        m2 = metrics.get(sec.metric)
        if m2 is None:
            problems.append(f"secondary {sec.metric!r} is not in the catalog")
        elif "input" not in m2.tiers:
            problems.append(f"secondary {sec.metric!r} does not list the input tier")
        if sec.metric == rec.north_star.metric:
            problems.append(f"secondary {sec.metric!r} repeats the north star")
        if sec.objective not in obj_ids:
            problems.append(f"secondary {sec.metric!r}: unknown objective {sec.objective!r}")
    for g in rec.guardrails:
        m3 = metrics.get(g.metric)
        if m3 is None:
            problems.append(f"guardrail {g.metric!r} is not in the catalog")
        elif "guardrail" not in m3.tiers:
            problems.append(f"guardrail {g.metric!r} does not list the guardrail tier")

    if not isinstance(s, Scenario):
        return problems
    root_dims: list[str] = []
    for case in s.troubleshooting:
        missing = [d for d in FACT_DIMENSIONS if d not in case.facts]
        if missing:
            problems.append(f"case {case.id}: facts missing for {', '.join(missing)}")
        rc = re.findall(r"\w+", case.root_cause.lower())
        grams = {" ".join(rc[i:i + 8]) for i in range(max(0, len(rc) - 7))}
        for h in case.hints:
            flat = " ".join(re.findall(r"\w+", h.lower()))
            if any(g in flat for g in grams):
                problems.append(f"case {case.id}: a hint repeats the root cause")
        if s.format_version >= 2 and not any(f.decisive for _, f in case.all_facts()):
            problems.append(f"case {case.id}: no fact is marked decisive")
        for dim, fs in case.facts.items():
            if not fs:
                problems.append(f"case {case.id}: {dim} has no fact, so a question about it cannot be answered")
            seen_facts: set[str] = set()
            for f in fs:
                if len(f.text.split()) > MAX_FACT_WORDS:
                    problems.append(f"case {case.id}: a {dim} fact has {len(f.text.split())} words; split it "
                                    f"(at most {MAX_FACT_WORDS}, so an answer stays one sentence)")
                if f.text.lower() in seen_facts:
                    problems.append(f"case {case.id}: a {dim} fact is repeated")
                seen_facts.add(f.text.lower())
        if case.root_cause_dimension == "other":
            problems.append(f"case {case.id}: root_cause_dimension cannot be 'other'")
        elif case.root_cause_dimension not in case.facts:
            problems.append(f"case {case.id}: no fact for its root cause dimension")
        root_dims.append(case.root_cause_dimension)
    if len(set(root_dims)) != len(root_dims):
        problems.append("troubleshooting cases must differ in root_cause_dimension")
    for case in s.troubleshooting:
        words = spoilers(s, case)
        if words:
            problems.append(f"case {case.id}: its id or title gives the root cause away ({', '.join(words)}); "
                            "name the symptom only")
        if case.numbers:
            problems += lint_numbers(f"case {case.id}", case.numbers,
                                     [case.prompt, case.change, *(f.text for _, f in case.all_facts())])
    for t in s.tradeoffs:
        if s.format_version >= 3 and (t.tension is None or t.decision is None):
            problems.append(f"case {t.id}: say its tension and decision (format 3), so the bank keeps a mix")
        if t.numbers:
            problems += lint_numbers(f"case {t.id}", t.numbers, [t.prompt, *(r[2] for r in t.fact_rows())])
    for e in s.experiments:
        problems += lint_power(f"case {e.id}", e.power)
    for pc in s.prioritizations:
        problems += _lint_prioritization(pc)
    return problems


def _lint_prioritization(pc: PrioritizationCase) -> list[str]:
    problems: list[str] = []
    ids = [i.id for i in pc.initiatives]
    if pc.choice not in ids:
        problems.append(f"case {pc.id}: choice {pc.choice!r} is not one of {', '.join(ids)}")
    shown = " ".join([pc.prompt, *(f.text for f in pc.data)]).lower()
    for i in pc.initiatives:
        if not 0 < i.confidence <= 100:
            problems.append(f"case {pc.id}: {i.id}: confidence must be a % between 0 and 100")
        if i.effort <= 0 or i.reach <= 0 or i.impact <= 0:
            problems.append(f"case {pc.id}: {i.id}: reach, impact and effort must be positive")
        if i.name.lower() not in shown:
            problems.append(f"case {pc.id}: {i.id}: the prompt or data never names {i.name!r}")
    return problems


# --------------------------------------------------------------------------- bank


def company_group(company: str) -> str:
    """The company a product is grouped under: 'Google (YouTube)' is Google's."""
    return company.partition(" (")[0].strip()


def normalise(name: str) -> str:
    """Loose key for product names: 'FB groups', 'facebook-groups' -> 'facebookgroups'."""
    s = name.lower().strip()
    s = re.sub(r"\bfb\b", "facebook", s)
    s = re.sub(r"\big\b", "instagram", s)
    s = re.sub(r"\bwa\b", "whatsapp", s)
    return re.sub(r"[^a-z0-9]+", "", s)


@dataclass(frozen=True)
class Entry:
    """What the bank's index knows of a scenario without reading it: enough to find it by
    name and to find which scenario holds a case."""

    id: str
    product: str
    company: str
    aliases: tuple[str, ...]
    cases: tuple[str, ...]  # case ids and their former ids
    kind: str = ""
    scope: str = "product"
    listing: tuple[tuple[str, str, str], ...] = ()  # (case id, case type, title), in the file's order
    metrics: int = 0

    @classmethod
    def of(cls, s: Scenario) -> Entry:
        return cls(s.id, s.product, s.company, tuple(s.aliases),
                   tuple(x for c in s.all_cases() for x in (c.id, *c.aliases)), s.kind, s.scope,
                   tuple((c.id, case_kind(c), c.title) for c in s.all_cases()), len(s.metrics))

    def row(self) -> dict[str, Any]:
        return {"id": self.id, "product": self.product, "company": self.company, "aliases": list(self.aliases),
                "cases": list(self.cases), "kind": self.kind, "scope": self.scope,
                "listing": [list(x) for x in self.listing], "metrics": self.metrics}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Entry:
        return cls(row["id"], row["product"], row["company"], tuple(row["aliases"]), tuple(row["cases"]),
                   row["kind"], row["scope"], tuple((a, b, c) for a, b, c in row["listing"]), row["metrics"])


class LazyScenarios(Mapping[str, Scenario]):
    """Scenarios by id, each read (from its compiled cache) the first time it is asked for, so
    a command about one product never reads the whole bank."""

    def __init__(self, sources: dict[str, Path]) -> None:
        self._sources = sources
        self._loaded: dict[str, Scenario] = {}

    def __getitem__(self, key: str) -> Scenario:
        hit = self._loaded.get(key)
        if hit is None:
            if key not in self._sources:
                raise KeyError(key)
            hit = self._loaded[key] = _cached(self._sources[key], Scenario)
        return hit

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)


@dataclass
class Bank:
    scenarios: Mapping[str, Scenario]
    sources: dict[str, Path]
    notices: list[str] = field(default_factory=list)
    entries: dict[str, Entry] | None = None  # the index, when the bank was loaded lazily

    def ids(self) -> list[str]:
        return sorted(self.scenarios)

    def entry(self, scenario_id: str) -> Entry:
        if self.entries is not None:
            return self.entries[scenario_id]
        return Entry.of(self.scenarios[scenario_id])

    def find(self, name: str) -> Scenario:
        """The scenario whose product, id or alias is ``name`` (loosely spelled: case, spaces,
        hyphens and 'fb'/'ig' do not matter). Nothing else matches: a name that only contains
        or resembles a product ("Uber Eats", "Messenger") is an error naming the closest ones,
        never a neighbouring product in its place."""
        key = normalise(name)
        if not key:
            raise UnknownProductError(name, [])
        index = self._index()
        if key in index:
            return self.scenarios[index[key]]
        ids = self.closest(name)
        raise UnknownProductError(name, [self.entry(i).product for i in ids], ids=ids)

    def spoken(self, scenario_id: str) -> str | None:
        """The spoken version of a scenario's model answer, when it has one."""
        src = self.sources.get(scenario_id)
        return spoken_text(src) if src else None

    def closest(self, name: str, n: int = 3) -> list[str]:
        """Scenario ids whose names contain, are contained in, or resemble ``name``, best first."""
        key = normalise(name)
        index = self._index()
        ranked: dict[str, float] = {}
        for k, sid in index.items():
            score = difflib.SequenceMatcher(None, key, k).ratio()
            if len(k) >= 3 and (k in key or key in k):
                score = max(score, 0.6 + 0.4 * min(len(k), len(key)) / max(len(k), len(key)))
            if score >= 0.6:
                ranked[sid] = max(ranked.get(sid, 0.0), score)
        return sorted(ranked, key=lambda i: -ranked[i])[:n]

    def _index(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for sid in self.scenarios:
            e = self.entry(sid)
            for n in [sid, e.product, f"{e.company} {e.product}", *e.aliases]:
                index.setdefault(normalise(n), sid)
        return index

    def cases(self) -> dict[str, tuple[Scenario, AnyCase]]:
        out: dict[str, tuple[Scenario, AnyCase]] = {}
        for s in self.scenarios.values():
            for c in s.all_cases():
                out[c.id] = (s, c)
        return out

    def case(self, case_id: str) -> tuple[Scenario, AnyCase]:
        """A case by its id or a former id (an alias)."""
        key = case_id.strip().lower()
        for sid in self.scenarios:  # the index says which scenario holds it: read only that one
            if key in self.entry(sid).cases:
                s = self.scenarios[sid]
                for c in s.all_cases():
                    if key == c.id or key in c.aliases:
                        return s, c
        cases = self.cases()
        close = [c for c in cases if key and key in c][:5] or difflib.get_close_matches(key, list(cases), n=3, cutoff=0.5)
        hint = f"; closest: {', '.join(close)}" if close else ""
        raise UnknownCaseError(f"no follow-up case {case_id!r}{hint} (see 'pmcoach scenarios --json' for case ids)")

    def lint(self) -> list[str]:
        """Every problem in the bank, each prefixed with its file."""
        problems: list[str] = []
        for sid, s in sorted(self.scenarios.items()):
            problems += [f"{self.sources[sid].name}: {p}" for p in lint_scenario(s)]
        owner: dict[str, str] = {}
        for sid, s in sorted(self.scenarios.items()):
            for cid in [*s.case_ids(), *(a for c in s.all_cases() for a in c.aliases)]:
                if cid in owner and owner[cid] != sid:
                    problems.append(f"{self.sources[sid].name}: case id {cid!r} also used in {owner[cid]}")
                owner[cid] = sid
        for sid, s in sorted(self.scenarios.items()):
            src = self.sources[sid]
            problems += [f"{src.name}: {p}" for p in lint_companions(s, src)]
        problems += variety(list(self.scenarios.values()))
        return problems


def spoken_path(source: Path) -> Path:
    """The spoken version of a scenario's model answer: ``<file>.spoken.md`` beside it."""
    return source.with_name(f"{source.stem}.spoken.md")


def reviews_path(source: Path) -> Path:
    """The blind playthrough notes of a scenario's cases: ``<file>.reviews.yaml`` beside it."""
    return source.with_name(f"{source.stem}.reviews.yaml")


def spoken_text(source: Path) -> str | None:
    try:
        return spoken_path(source).read_text(encoding="utf-8")
    except OSError:
        return None


def reviews(source: Path) -> dict[str, Any]:
    """Case id -> its review (reviewer, reachable, unique, questions, notes)."""
    p = reviews_path(source)
    if not p.is_file():
        return {}
    data = yaml.load(p.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506
    return data.get("reviews", {}) if isinstance(data, dict) else {}


def lint_companions(s: Scenario, source: Path) -> list[str]:
    """The files beside a scenario: its spoken version (required for format 3) and the
    reviews behind every ``reviewed: true``."""
    problems: list[str] = []
    text = spoken_text(source)
    if text is None:
        if s.format_version >= 3:
            problems.append(f"no spoken version: write {spoken_path(source).name} (at most {MAX_SPOKEN_WORDS} words)")
    else:
        n = len(re.findall(r"[\w'’-]+", re.sub(r"^#+.*$", "", text, flags=re.M)))
        if n > MAX_SPOKEN_WORDS:
            problems.append(f"{spoken_path(source).name}: {n} words; the spoken version says at most "
                            f"{MAX_SPOKEN_WORDS} (12 minutes)")
        elif n < MIN_SPOKEN_WORDS and s.format_version >= 3:
            problems.append(f"{spoken_path(source).name}: {n} words; a spoken version of the 12 minutes needs "
                            f"at least {MIN_SPOKEN_WORDS}")
    try:
        notes = reviews(source)
    except yaml.YAMLError:
        return [*problems, f"{reviews_path(source).name}: malformed YAML"]
    for case in s.troubleshooting:
        r = notes.get(case.id) or {}
        if case.reviewed and not r:
            problems.append(f"case {case.id}: reviewed, but {reviews_path(source).name} has no review of it")
        elif case.reviewed and not (r.get("reachable") and r.get("unique")):
            problems.append(f"case {case.id}: reviewed, but the review found the root cause not reachable or not unique")
        elif s.format_version >= 3 and not case.reviewed:
            problems.append(f"case {case.id}: not yet played blind by a reviewer (reviewed: false)")
    return problems


def variety(scenarios: list[Scenario]) -> list[str]:
    """The bank's mix of trade-offs: not mostly revenue against engagement, and some that ship."""
    labelled = [t for s in scenarios for t in s.tradeoffs if t.tension and t.decision]
    if len(labelled) < 10:
        return []
    rev = sum(t.tension == "revenue_vs_engagement" for t in labelled) / len(labelled)
    ship = sum(t.decision in ("ship", "ship_with_conditions") for t in labelled) / len(labelled)
    out = []
    if rev > MAX_REVENUE_VS_ENGAGEMENT:
        out.append(f"bank: {rev:.0%} of trade-offs are revenue against engagement (at most {MAX_REVENUE_VS_ENGAGEMENT:.0%})")
    if ship < MIN_SHIP:
        out.append(f"bank: {ship:.0%} of trade-offs are right to ship (at least {MIN_SHIP:.0%})")
    return out


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    # a scenario's blind-playthrough notes (<file>.reviews.yaml) sit beside it and are not scenarios
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()
                  and not p.name.endswith((".reviews.yaml", ".reviews.yml")))


def _cached(path: Path, model: type[M]) -> M:
    """Parse ``path``, reusing a JSON cache keyed by path, size and mtime when possible."""
    st = path.stat()
    key = hashlib.sha1(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{model.__name__}".encode()).hexdigest()
    cdir = paths.cache_dir()
    cfile = cdir / f"{key}.json"
    try:
        return model.model_validate_json(cfile.read_bytes())
    except (OSError, ValidationError, ValueError):
        pass
    obj = parse_file(path, model)
    try:
        cdir.mkdir(parents=True, exist_ok=True)
        tmp = cfile.with_suffix(".tmp")
        tmp.write_text(obj.model_dump_json(), encoding="utf-8")
        tmp.replace(cfile)
    except OSError:
        pass  # a read-only home only costs speed
    return obj


def _file_key(path: Path) -> str:
    st = path.stat()
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"


def _load_index() -> dict[str, Any]:
    try:
        data = json.loads((paths.cache_dir() / "bank-index.json").read_text(encoding="utf-8"))
        return data if isinstance(data, dict) and data.get("v") == INDEX_VERSION else {"v": INDEX_VERSION}
    except (OSError, ValueError):
        return {"v": INDEX_VERSION}


def _save_index(index: dict[str, Any]) -> None:
    try:
        cdir = paths.cache_dir()
        cdir.mkdir(parents=True, exist_ok=True)
        tmp = cdir / f"bank-index.{os.getpid()}.{threading.get_ident()}.tmp"
        tmp.write_text(json.dumps(index), encoding="utf-8")
        tmp.replace(cdir / "bank-index.json")
    except OSError:
        pass  # a read-only home only costs speed


#: Bumped when the index's entries change shape.
INDEX_VERSION = 2


#: The built-in files' index, written at build time by ``scripts/train_models.py`` and keyed by
#: file name and content hash, so the first command after install need not parse the whole bank.
SHIPPED_INDEX = paths.BUILTIN_DATA / "model" / "bank-index.json"


def _content_key(path: Path) -> str:
    return f"{path.name}|{hashlib.sha1(path.read_bytes()).hexdigest()}"


def _shipped_index() -> dict[str, Any]:
    try:
        data = json.loads(SHIPPED_INDEX.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) and data.get("v") == INDEX_VERSION else {}
    except (OSError, ValueError):
        return {}


def write_shipped_index() -> int:
    """Write the built-in files' index (a build step, after adding or editing scenarios)."""
    rows: dict[str, Any] = {"v": INDEX_VERSION}
    for p in _yaml_files(paths.BUILTIN_SCENARIOS):
        rows[_content_key(p)] = Entry.of(parse_file(p, Scenario)).row()
    SHIPPED_INDEX.write_text(json.dumps(rows, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    return len(rows) - 1


def load_bank(include_user: bool = True) -> Bank:
    """The built-in bank and, unless told not to, the user's scenario folder. Files are indexed
    (id, names, case ids) in a compiled index kept by path, size and modification time; a
    scenario itself is read only when it is used."""
    sources: dict[str, Path] = {}
    entries: dict[str, Entry] = {}
    notices: list[str] = []
    index = _load_index()
    changed = False
    folders = [(paths.BUILTIN_SCENARIOS, False)] + ([(paths.user_scenarios(), True)] if include_user else [])
    keys: dict[Path, str] = {}
    shipped: dict[str, Any] | None = None
    for folder, is_user in folders:
        for p in _yaml_files(folder):
            key = keys[p] = _file_key(p)
            row = index.get(key)
            if row is None and not is_user:
                if shipped is None:
                    shipped = _shipped_index()
                row = shipped.get(_content_key(p))
                if row is not None:
                    index[key] = row
                    changed = True
            if row is None:
                try:
                    s = _cached(p, Scenario)
                except ScenarioFileError as exc:
                    if not is_user:
                        raise
                    notices.append(f"skipped your scenario file: {exc}")
                    continue
                index[key] = row = Entry.of(s).row()
                changed = True
            e = Entry.from_row(row)
            if is_user and e.id in sources:
                notices.append(f"{p} overrides the built-in scenario {e.id!r}")
            sources[e.id] = p
            entries[e.id] = e
    if changed:
        live = {keys[p] for p in sources.values()}
        _save_index({k: v for k, v in index.items() if k == "v" or k in live})
    return Bank(LazyScenarios(sources), sources, notices, entries)


def load_archetypes() -> dict[str, Archetype]:
    out: dict[str, Archetype] = {}
    for p in _yaml_files(paths.BUILTIN_ARCHETYPES):
        a = _cached(p, Archetype)
        out[a.id] = a
    return out


def validate_file(path: Path) -> tuple[Scenario | Archetype, list[str]]:
    """Validate one scenario (or archetype) file: schema errors raise, content problems
    are returned. A file with ``examples`` and no ``product`` is read as an archetype."""
    try:
        head = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return parse_file(path, Scenario), []  # parse_file words the error
    is_archetype = re.search(r"^examples:", head, re.M) and not re.search(r"^product:", head, re.M)
    obj: Scenario | Archetype
    obj = parse_text(head, Archetype, path) if is_archetype else parse_text(head, Scenario, path)
    problems = lint_scenario(obj)
    if isinstance(obj, Scenario):
        # a case id already used by another scenario in the bank would silently take its place
        others = {cid: sid for sid, sc in load_bank().scenarios.items() if sid != obj.id for cid in sc.case_ids()}
        problems += [f"case id {cid!r} is already used by the scenario {others[cid]!r}"
                     for cid in obj.case_ids() if cid in others]
        problems += lint_companions(obj, path)
    return obj, problems


def scenario_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "pmcoach scenario"
    return schema

