"""Activity or value: does a measure count people doing things in the product, or people
getting what they came for? A logistic head over the phrase's meaning (static vector) and its
form, fitted at build time on the bank's metric catalogs (every catalog metric is labelled
vanity or not by its author) and on labelled proposals (scripts/train_models.py); it ships
as ``data/model/vanity.npz``.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from .embed import MODEL_DIR, encode

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

MODEL_FILE = MODEL_DIR / "vanity.npz"
_UNITS = ("rate", "average", "duration", "money", "score", "count", "unknown")


def features(texts: list[str]) -> NDArray[np.float32]:
    import numpy as np

    from .metrics import parse_form

    rows = []
    for t in texts:
        f = parse_form(t)
        rows.append([f.unit == u for u in _UNITS] + [f.denominator, f.window, f.quality, f.per_user, f.retention])
    return np.hstack([encode(texts), np.asarray(rows, np.float32)]).astype(np.float32)


@functools.lru_cache(maxsize=1)
def _head() -> tuple[Any, float, float] | None:
    import numpy as np

    if not MODEL_FILE.exists():
        return None
    with np.load(MODEL_FILE) as z:
        return z["weights"], float(z["bias"]), float(z["threshold"])


def activity_probability(phrase: str) -> float | None:
    """Probability that ``phrase`` measures activity rather than value (None without a model)."""
    import numpy as np

    h = _head()
    if h is None:
        return None
    w, b, _ = h
    z = float(features([phrase])[0] @ w + b)
    return float(1.0 / (1.0 + np.exp(-z)))


def threshold() -> float:
    h = _head()
    return h[2] if h is not None else 0.5
