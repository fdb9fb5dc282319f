"""Map a diagnostic question to troubleshooting checklist dimensions (DESIGN.md).

A learned multi-label classifier decides: one logistic head per dimension over the
question's meaning (contextual e5 vector and static vector) and the cue rules as features
(``data/lexicon/diagnostics.yaml``). It was fitted at build time (scripts/train_models.py)
and ships as ``data/model/diagnostics.npz`` with per-dimension thresholds calibrated on
the dev split and the hash of its training data. A question that reaches no dimension's
threshold is ``other``. Without the model file (while training) the cues alone decide.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..models import DIMENSIONS
from .cues import load_yaml
from .embed import MODEL_DIR, encode

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

OTHER = "other"
DIMS: tuple[str, ...] = tuple(d for d in DIMENSIONS if d != OTHER)
MODEL_FILE = MODEL_DIR / "diagnostics.npz"
#: How strongly a cue hit counts against the standardized meaning features.
CUE_SCALE = 3.0


@functools.lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[str, re.Pattern[str]], ...]:
    cues = load_yaml("diagnostics.yaml")["cues"]
    return tuple((dim, re.compile("|".join(f"(?:{c})" for c in cues[dim]), re.I)) for dim in DIMS)


def cue_hits(question: str) -> dict[str, str]:
    """Each dimension whose cues fire, with the words that fired first."""
    out = {}
    for dim, rx in _compiled():
        m = rx.search(question)
        if m:
            out[dim] = m.group(0)
    return out


def features(texts: list[str], contextual: bool = True) -> NDArray[np.float32]:
    """The classifier's raw inputs: [contextual vector | static vector | cue hits]."""
    import numpy as np

    parts = []
    if contextual:
        parts.append(encode(texts, "contextual"))
    parts.append(encode(texts, "static"))
    cues = np.zeros((len(texts), len(DIMS)), np.float32)
    for i, t in enumerate(texts):
        hits = cue_hits(t)
        for j, d in enumerate(DIMS):
            cues[i, j] = d in hits
    parts.append(cues)
    return np.hstack(parts).astype(np.float32)


@dataclass(frozen=True)
class Head:
    mean: Any
    scale: Any
    weights: Any  # (features, dims)
    bias: Any  # (dims,)
    thresholds: Any  # (dims,)
    second: float
    contextual: bool
    meta: dict[str, Any]

    def probabilities(self, texts: list[str]) -> NDArray[np.float32]:
        import numpy as np

        x = features(texts, self.contextual)
        z = (x - self.mean) / self.scale
        logits = z @ self.weights + self.bias
        probs: NDArray[np.float32] = (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
        return probs


_LOCK = threading.Lock()
_HEADS: dict[str, Head | None] = {}


def head() -> Head | None:
    """The shipped classifier: the contextual one, or the static one when the contextual model
    cannot load; None while there is no model file."""
    with _LOCK:
        if "head" in _HEADS:
            return _HEADS["head"]
    h = _load()
    with _LOCK:
        _HEADS["head"] = h
    return h


def _load() -> Head | None:
    import numpy as np

    from .embed import contextual_encoder

    if not MODEL_FILE.exists():
        return None
    prefix = "ctx_" if contextual_encoder() is not None else "static_"
    with np.load(MODEL_FILE) as z:
        if f"{prefix}weights" not in z:
            return None
        meta = json.loads(bytes(z["meta"]).decode("utf-8"))
        return Head(z[f"{prefix}mean"], z[f"{prefix}scale"], z[f"{prefix}weights"], z[f"{prefix}bias"],
                    z[f"{prefix}thresholds"], float(z[f"{prefix}second"]), prefix == "ctx_", meta)


#: Two dimensions over their thresholds whose probabilities are this close are a tie: the
#: question is ambiguous between them ("any recent releases?": a launch or an app build) and
#: both are asked about.
TIE = 0.03


def decide(probs: Any, thresholds: Any, second: float = 0.0) -> list[str]:
    """The strongest dimension over its threshold, and any other whose probability also
    reaches ``second`` (most questions ask one thing) or ties with the strongest; the best one
    alone when it is close to its threshold; else ``other``."""
    j = int(probs.argmax())
    if probs[j] < thresholds[j]:
        return [DIMS[j]] if probs[j] >= thresholds[j] * 0.6 else [OTHER]
    picked = [DIMS[k] for k in range(len(DIMS))
              if k == j or (probs[k] >= thresholds[k]
                            and (probs[k] >= second or probs[j] - probs[k] <= TIE))]
    return sorted(picked)


_SENTENCE = re.compile(r"(?<=[?.!;])\s+|\n+")


@functools.lru_cache(maxsize=1)
def _set_aside() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in load_yaml("diagnostics.yaml")["set_aside"]), re.I)


def parts(turn: str) -> list[str]:
    """The sentences of a turn that ask something: sentences that set a dimension aside ("I'll
    assume the data is clean") are dropped, unless nothing else is left."""
    sentences = [s.strip() for s in _SENTENCE.split(turn) if s and re.search(r"[^\W\d_]", s)]
    asking = [s for s in sentences if not _set_aside().search(s)]
    return asking or sentences


def classify(question: str) -> list[str]:
    """Dimensions the question (or turn of questions) asks about, sorted; ``['other']`` when
    none fits. Each sentence is read on its own and the dimensions are pooled."""
    q = question.strip()
    if not q or not re.search(r"[^\W\d_]", q):
        return [OTHER]
    ps = parts(q)[:6]
    h = head()
    if h is None:
        found = sorted({d for p in ps for d in cue_hits(p)})
        return found or [OTHER]
    probs = h.probabilities(ps)
    dims = sorted({d for row in probs for d in decide(row, h.thresholds, h.second) if d != OTHER})
    return dims or [OTHER]


def classify_with_spans(question: str) -> list[tuple[str, str]]:
    """(dimension, the words that signalled it), for explanations and evidence; a dimension
    reached by meaning alone is signalled by the whole question."""
    dims = classify(question)
    hits = cue_hits(question)
    return [(d, hits.get(d, question.strip()[:60])) for d in dims if d != OTHER]
