"""Reading answers to launch, experiment and prioritization cases by meaning.

Each case type has parts a strong answer covers (``data/lexicon/exercises.yaml``): a launch
plan's before / rollout / during / after / kill criteria; an experiment's hypothesis, unit,
primary metric, guardrails, power, pitfalls and decision rule; a prioritization's options,
choice, reason, what is not done, and risks. A sentence covers a part when it is close in
meaning to the part's prototypes or to the case's own model answer for it. No keyword lists.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..models import ExperimentCase, LaunchCase, PrioritizationCase
from .cues import load_yaml
from .embed import MODEL_DIR, contextual_encoder, encode

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

ExerciseCase = LaunchCase | ExperimentCase | PrioritizationCase

MODEL_FILE = MODEL_DIR / "exercises.npz"
#: Regularisation of the part heads (scripts/train_models.py).
C = 0.3
#: A sentence covers a part when the part's head gives it at least this probability.
PROBABILITY = 0.5
#: Without the heads: a sentence covers a part when its similarity to the part's nearest
#: prototype reaches this and is within MARGIN of the best part's (a sentence may cover two).
THRESHOLD = 0.40
MARGIN = 0.03

_SPLIT = re.compile(r"(?<=[.!?;])\s+|\n+|\s+(?=\d\)\s)|(?:^|\s)[-*•]\s+")


@functools.lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    return load_yaml("exercises.yaml")


def kind_of(case: ExerciseCase) -> str:
    return {LaunchCase: "launch", ExperimentCase: "experiment", PrioritizationCase: "prioritization"}[type(case)]


def parts(kind: str) -> dict[str, dict[str, Any]]:
    """The parts of an answer of this kind, in the order a strong answer takes them."""
    areas: dict[str, dict[str, Any]] = lexicon()[kind]["areas"]
    return areas


def rubric_area(kind: str) -> str:
    return str(lexicon()[kind]["rubric_area"])


def case_prototypes(case: ExerciseCase | None) -> dict[str, list[str]]:
    """The case's own model answer, part by part."""
    if isinstance(case, LaunchCase):
        return {"before": case.before, "rollout": case.rollout, "during": case.during, "after": case.after,
                "kill": case.kill_criteria}
    if isinstance(case, ExperimentCase):
        return {"hypothesis": [case.hypothesis], "unit": [case.unit], "primary": [case.primary],
                "guardrails": case.guardrails, "power": [case.duration], "pitfalls": case.pitfalls,
                "decision": [case.decision]}
    if isinstance(case, PrioritizationCase):
        return {"options": [i.description for i in case.initiatives],
                "choice": [f"I'd do {i.name} first." for i in case.initiatives],
                "why": [case.reasoning], "not_doing": [case.not_doing]}
    return {}


_CLAUSE = re.compile(r",?\s+(?:and|but|then|so)\s+(?=\S+\s+\S+\s+\S+)|;\s+", re.I)


def clauses(sentence: str) -> list[str]:
    """The clauses of a sentence joined by a conjunction, when there are several of 4+ words."""
    cs = [c.strip() for c in _CLAUSE.split(sentence) if c.strip()]
    return cs if len(cs) > 1 and all(len(c.split()) >= 4 for c in cs) else []


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SPLIT.split(text) if s and len(re.findall(r"[^\W\d_]+", s)) >= 2]


@dataclass
class Reading:
    kind: str
    found: list[str]  # parts covered, in the lexicon's order
    missing: list[str]
    evidence: dict[str, str] = field(default_factory=dict)  # part -> the candidate's sentence
    choice: str | None = None  # prioritization: the initiative id the candidate picked

    @property
    def score(self) -> int:
        """1-4 by the share of parts covered."""
        share = len(self.found) / max(1, len(self.found) + len(self.missing))
        return 4 if share >= 0.85 else 3 if share >= 0.6 else 2 if share >= 0.35 else 1


def features(texts: list[str], contextual: bool = True) -> NDArray[np.float32]:
    """The heads' inputs: [contextual vector | static vector]."""
    import numpy as np

    parts = [encode(texts, "contextual")] if contextual else []
    parts.append(encode(texts, "static"))
    return np.hstack(parts).astype(np.float32)


_LOCK = threading.Lock()
_HEADS: dict[str, Any] = {}


def _heads() -> dict[str, Any] | None:
    """The shipped part heads (the contextual ones when that model is present), or None."""
    with _LOCK:
        if "z" not in _HEADS:
            import numpy as np

            try:
                with np.load(MODEL_FILE) as z:
                    _HEADS["z"] = {k: z[k] for k in z.files}
            except OSError:
                _HEADS["z"] = None
        loaded: dict[str, Any] | None = _HEADS["z"]
        return loaded


def label_sentences(kind: str, texts: list[str], case: ExerciseCase | None = None,
                    threshold: float = THRESHOLD, margin: float = MARGIN, heads: bool = True) -> list[list[str]]:
    """For each sentence, the parts it covers (possibly none): by the trained heads when they
    ship, else by the nearest prototype (the lexicon's and the case's own model answer)."""
    if not texts:
        return []
    z = _heads() if heads else None
    if z is not None and f"{kind}_areas" in z:
        # a sentence of two clauses ("watch X daily, and keep a holdout") is read whole and
        # clause by clause: each clause may cover a part of its own
        pieces: list[tuple[int, str]] = [(i, t) for i, t in enumerate(texts)]
        pieces += [(i, c) for i, t in enumerate(texts) for c in clauses(t)]
        ctx = contextual_encoder() is not None
        p = f"{kind}_" if ctx else f"{kind}_s_"
        x = (features([t for _, t in pieces], ctx) - z[f"{p}mean"]) / z[f"{p}scale"]
        import numpy as np

        probs = 1.0 / (1.0 + np.exp(-(x @ z[f"{p}weights"] + z[f"{p}bias"])))
        areas = [str(a) for a in z[f"{kind}_areas"]]
        got: list[list[str]] = [[] for _ in texts]
        for (i, _), row in zip(pieces, probs, strict=True):
            got[i] += [a for j, a in enumerate(areas) if row[j] >= PROBABILITY and a not in got[i]]
        return [[a for a in areas if a in g] for g in got]
    names: list[str] = []
    protos: list[str] = []
    own = case_prototypes(case)
    for name, spec in parts(kind).items():
        for p in [*spec["prototypes"], *own.get(name, [])]:
            names.append(name)
            protos.append(p)
    enc = str(lexicon().get("encoder", "static"))
    sims = encode(texts, enc) @ encode(protos, enc).T
    order = list(parts(kind))
    out: list[list[str]] = []
    for row in sims:
        best: dict[str, float] = {}
        for j, n in enumerate(names):
            best[n] = max(best.get(n, -1.0), float(row[j]))
        top = max(best.values())
        out.append([n for n in order if best[n] >= threshold and best[n] >= top - margin])
    return out


def read(case: ExerciseCase, text: str) -> Reading:
    """Which parts of a strong answer ``text`` covers, with the sentence that shows each."""
    kind = kind_of(case)
    sents = sentences(text)
    labels = label_sentences(kind, sents, case)
    evidence: dict[str, str] = {}
    for s, ls in zip(sents, labels, strict=True):
        for name in ls:
            evidence.setdefault(name, s)
    order = list(parts(kind))
    found = [n for n in order if n in evidence]
    reading = Reading(kind, found, [n for n in order if n not in evidence], evidence)
    if isinstance(case, PrioritizationCase):
        reading.choice = picked(case, text, evidence.get("choice"))
    return reading


def picked(case: PrioritizationCase, text: str, choice_sentence: str | None) -> str | None:
    """The initiative the candidate chose: the one named in the sentence that states a choice,
    else the one named first in the whole answer when only one is named."""
    def named(t: str) -> list[str]:
        low = t.lower()
        hits = [(low.find(i.name.lower()), i.id) for i in case.initiatives if i.name.lower() in low]
        hits += [(m.start(), i.id) for i in case.initiatives for m in re.finditer(rf"\b{re.escape(i.id)}\b", low)]
        return [i for _, i in sorted(hits)]

    if choice_sentence:
        got = named(choice_sentence)
        if got:
            return got[0]
    everywhere = list(dict.fromkeys(named(text)))
    return everywhere[0] if len(everywhere) == 1 else None
