"""Matching by meaning: a phrase against label prototypes, the product's metric catalog and
the activity / value prototypes. Everything here takes vectors from ``embed.encode``.

The bank's catalog vectors are built with the bank (``data/model/bank_vectors.npz``, keyed
by a hash of each scenario's metrics) so the first analysis does not embed the bank; a
scenario that is not in that file (a user's own) is embedded on first use.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import cues
from .embed import MODEL_DIR, encode

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from ..models import Metric, Scenario

BANK_VECTORS = MODEL_DIR / "bank_vectors.npz"

#: How close a label must be to a prototype to take its role, and a phrase to a catalog
#: metric to be read as that metric (calibrated on the dev split: benchmarks/quality.py).
LABEL_THRESHOLD = 0.62
CATALOG_THRESHOLD = 0.72


@functools.lru_cache(maxsize=1)
def _label_matrix() -> tuple[tuple[str, ...], Any]:
    protos = cues.label_prototypes()
    return tuple(r for r, _ in protos), encode([p for _, p in protos])


def nearest_label(label: str) -> str | None:
    roles, mat = _label_matrix()
    if not roles:
        return None
    v = encode([label])[0]
    sims = mat @ v
    i = int(sims.argmax())
    return roles[i] if float(sims[i]) >= LABEL_THRESHOLD else None


@functools.lru_cache(maxsize=1)
def _value_matrices() -> tuple[Any, Any]:
    raw = cues.raw()
    return encode(raw["activity_prototypes"]), encode(raw["value_prototypes"])


def activity_lean(phrase: str) -> float:
    """How much more the phrase reads as activity than as value, in [-1, 1] (0: unclear)."""
    act, val = _value_matrices()
    v = encode([phrase])[0]
    if not v.any():
        return 0.0
    return float((act @ v).max() - (val @ v).max())


# --------------------------------------------------------------------------- catalog


def metric_phrases(m: Metric) -> list[str]:
    """The ways a catalog metric is said: its name, its aliases, and its definition."""
    first = m.definition.split(". ")[0]
    return [m.name, *m.aliases, first]


_KEYS: dict[int, tuple[Scenario, str]] = {}


def catalog_key(s: Scenario) -> str:
    """A hash of the scenario's catalog phrases (scenarios are immutable: remembered by object)."""
    hit = _KEYS.get(id(s))
    if hit is not None and hit[0] is s:
        return hit[1]
    payload = json.dumps([metric_phrases(m) for m in s.metrics], ensure_ascii=False)
    key = hashlib.sha1(payload.encode("utf-8")).hexdigest()[:16]
    if len(_KEYS) > 256:
        _KEYS.clear()
    _KEYS[id(s)] = (s, key)
    return key


@dataclass(frozen=True)
class CatalogVectors:
    owners: tuple[int, ...]  # row -> index of the metric in scenario.metrics
    vectors: Any  # (rows, dim)


_LOCK = threading.Lock()
_CATALOG: dict[str, CatalogVectors] = {}


@functools.lru_cache(maxsize=1)
def _shipped() -> dict[str, CatalogVectors]:
    import numpy as np

    if not BANK_VECTORS.exists():
        return {}
    out: dict[str, CatalogVectors] = {}
    with np.load(BANK_VECTORS) as z:
        keys = json.loads(bytes(z["keys"]).decode("utf-8"))
        for k in keys:
            out[k] = CatalogVectors(tuple(int(x) for x in z[f"{k}_owners"]), z[f"{k}_vectors"].astype(np.float32))
    return out


def catalog_vectors(s: Scenario) -> CatalogVectors:
    key = catalog_key(s)
    with _LOCK:
        hit = _CATALOG.get(key)
    if hit is not None:
        return hit
    cv = _shipped().get(key)
    if cv is None:
        cv = build_catalog_vectors(s)
    with _LOCK:
        if len(_CATALOG) > 256:
            _CATALOG.clear()
        _CATALOG[key] = cv
    return cv


def build_catalog_vectors(s: Scenario) -> CatalogVectors:
    owners: list[int] = []
    phrases: list[str] = []
    for i, m in enumerate(s.metrics):
        for p in metric_phrases(m):
            owners.append(i)
            phrases.append(p)
    return CatalogVectors(tuple(owners), encode(phrases))


def closest_metric(s: Scenario, phrase: str) -> tuple[Metric | None, float]:
    """The catalog metric nearest in meaning to ``phrase`` and the similarity."""
    cv = catalog_vectors(s)
    if not cv.owners:
        return None, 0.0
    v = encode([phrase])[0]
    if not v.any():
        return None, 0.0
    sims: NDArray[np.float32] = cv.vectors @ v
    i = int(sims.argmax())
    return s.metrics[cv.owners[i]], float(sims[i])


def save_bank_vectors(scenarios: list[Scenario]) -> int:
    """Write the shipped catalog vectors for ``scenarios`` (run by scripts/build_model.py)."""
    import numpy as np

    arrays: dict[str, Any] = {}
    keys = []
    for s in scenarios:
        k = catalog_key(s)
        cv = build_catalog_vectors(s)
        keys.append(k)
        arrays[f"{k}_owners"] = np.asarray(cv.owners, np.int16)
        arrays[f"{k}_vectors"] = np.asarray(cv.vectors, np.float16)
    arrays["keys"] = np.frombuffer(json.dumps(keys).encode("utf-8"), np.uint8)
    np.savez_compressed(BANK_VECTORS, **arrays)
    return len(keys)
