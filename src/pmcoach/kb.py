"""The knowledge base: loading, validating, caching and finding scenarios.

The built-in bank ships inside the package; a user's folder (``PMCOACH_HOME/scenarios``) is
loaded beside it, and a user file with the same id overrides the built-in one.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from . import paths
from .errors import ScenarioFileError, UnknownCaseError, UnknownProductError
from .models import FACT_DIMENSIONS, Archetype, Scenario, TradeoffCase, TroubleshootingCase

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
    return problems


# --------------------------------------------------------------------------- bank


def normalise(name: str) -> str:
    """Loose key for product names: 'FB groups', 'facebook-groups' -> 'facebookgroups'."""
    s = name.lower().strip()
    s = re.sub(r"\bfb\b", "facebook", s)
    s = re.sub(r"\big\b", "instagram", s)
    s = re.sub(r"\bwa\b", "whatsapp", s)
    return re.sub(r"[^a-z0-9]+", "", s)


@dataclass
class Bank:
    scenarios: dict[str, Scenario]
    sources: dict[str, Path]
    notices: list[str] = field(default_factory=list)

    def ids(self) -> list[str]:
        return sorted(self.scenarios)

    def find(self, name: str) -> Scenario:
        key = normalise(name)
        if not key:
            raise UnknownProductError(name, [])
        index = self._index()
        if key in index:
            return self.scenarios[index[key]]
        # a unique prefix or containment match ("groups" -> facebook-groups)
        hits = {sid for k, sid in index.items() if key in k or (len(k) >= 4 and k in key)}
        if len(hits) == 1:
            return self.scenarios[hits.pop()]
        close = difflib.get_close_matches(key, list(index), n=5, cutoff=0.6)
        names = []
        for k in close:
            p = self.scenarios[index[k]].product
            if p not in names:
                names.append(p)
        if hits:
            names = sorted({self.scenarios[h].product for h in hits}) + names
        raise UnknownProductError(name, list(dict.fromkeys(names))[:3])

    def _index(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for sid, s in self.scenarios.items():
            for n in [sid, s.product, f"{s.company} {s.product}", *s.aliases]:
                index.setdefault(normalise(n), sid)
        return index

    def cases(self) -> dict[str, tuple[Scenario, TradeoffCase | TroubleshootingCase]]:
        out: dict[str, tuple[Scenario, TradeoffCase | TroubleshootingCase]] = {}
        for s in self.scenarios.values():
            for t in s.tradeoffs:
                out[t.id] = (s, t)
            for c in s.troubleshooting:
                out[c.id] = (s, c)
        return out

    def case(self, case_id: str) -> tuple[Scenario, TradeoffCase | TroubleshootingCase]:
        cases = self.cases()
        key = case_id.strip().lower()
        if key in cases:
            return cases[key]
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
            for cid in s.case_ids():
                if cid in owner and owner[cid] != sid:
                    problems.append(f"{self.sources[sid].name}: case id {cid!r} also used in {owner[cid]}")
                owner[cid] = sid
        return problems


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


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


def load_bank(include_user: bool = True) -> Bank:
    """Load the built-in bank and, unless told not to, the user's scenario folder."""
    scenarios: dict[str, Scenario] = {}
    sources: dict[str, Path] = {}
    notices: list[str] = []
    for p in _yaml_files(paths.BUILTIN_SCENARIOS):
        s = _cached(p, Scenario)
        scenarios[s.id] = s
        sources[s.id] = p
    if include_user:
        for p in _yaml_files(paths.user_scenarios()):
            try:
                s = _cached(p, Scenario)
            except ScenarioFileError as exc:
                notices.append(f"skipped your scenario file: {exc}")
                continue
            if s.id in scenarios:
                notices.append(f"{p} overrides the built-in scenario {s.id!r}")
            scenarios[s.id] = s
            sources[s.id] = p
    return Bank(scenarios, sources, notices)


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
    return obj, problems


def scenario_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "pmcoach scenario"
    return schema

