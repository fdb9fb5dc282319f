"""Text preparation that keeps character offsets: every span found later indexes the
candidate's original text, so evidence quotes are verbatim."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

MAX_CHARS = 60_000  # about 10,000 words: far beyond any interview answer

_TAG = re.compile(r"<[^<>\n]{0,300}>")
_ENTITY = re.compile(r"&(?:nbsp|amp|lt|gt|quot|#\d{1,5});")
_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
_CLAUSE = re.compile(r";\s+|\s+--?\s+|\s+—\s+|\s+\|\s+")
_BULLET = re.compile(r"^\s*(?:[-*•+>]|\d{1,2}[.)]|[a-z][.)]|#{1,6})\s+")
_HEADING = re.compile(r"^\s*(?:#{1,6}\s+.*|\*\*[^*]{1,80}\*\*:?\s*|[^.!?\n]{1,60}:\s*)$")


@dataclass(frozen=True)
class Unit:
    """A clause of the text: [start, end) in the original string."""

    start: int
    end: int
    text: str
    line: int
    heading: bool
    bullet: bool


def usable(text: str) -> tuple[str, list[str]]:
    """Return the text to analyse (same length where possible) and issues found.

    HTML tags and entities are blanked with spaces so offsets still point into the
    original; text past MAX_CHARS is not analysed.
    """
    issues: list[str] = []
    if len(text) > MAX_CHARS:
        issues.append(
            f"the text is {len(text):,} characters; only the first {MAX_CHARS:,} were analysed"
        )
        text = text[:MAX_CHARS]
    if "<" in text:
        text = _TAG.sub(lambda m: " " * len(m.group(0)), text)
    if "&" in text:
        text = _ENTITY.sub(lambda m: " " * len(m.group(0)), text)
    text = text.replace("\x00", " ")
    return text, issues


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")
_LETTER = re.compile(r"[^\W\d_]")


def gradable(text: str) -> str | None:
    """Why the text cannot be graded, or None when it can."""
    stripped = text.strip()
    if not stripped:
        return "the text is empty: there is nothing to grade"
    sample = stripped[:4000]
    control = len(_CONTROL.findall(sample))
    if control > len(sample) * 0.1:
        return "the text looks like binary data, not an answer"
    if len(_LETTER.findall(sample, 0, 400)) < 3 and len(_LETTER.findall(sample)) < 3:
        return "the text has no words to grade"
    return None


def units(text: str) -> list[Unit]:
    """Split into clauses with offsets: lines, then sentences, then ';' clauses."""
    out: list[Unit] = []
    pos = 0
    for lineno, line in enumerate(text.split("\n")):
        lstart = pos
        pos += len(line) + 1
        if not line.strip():
            continue
        heading = bool(_HEADING.match(line)) and len(line.strip()) <= 80
        bullet = bool(_BULLET.match(line))
        for s0, s1 in _merge_markers(line, _split(line, _SENT_END)):
            for c0, c1 in _split(line[s0:s1], _CLAUSE):
                a, b = lstart + s0 + c0, lstart + s0 + c1
                seg = text[a:b]
                if seg.strip():
                    out.append(Unit(a, b, seg, lineno, heading, bullet))
    return out


_MARKER = re.compile(r"^\s*(?:[-*•+>]\s*)?(?:\d{1,2}|[a-zA-Z]|[ivx]{1,4})[.)]?$")


def _merge_markers(line: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Keep a list marker ("1.", "a)") with the sentence that follows it."""
    out: list[tuple[int, int]] = []
    carry: int | None = None
    for a, b in spans:
        if carry is not None:
            a, carry = carry, None
        if _MARKER.match(line[a:b]) :
            carry = a
            continue
        out.append((a, b))
    if carry is not None:
        out.append((carry, len(line)))
    return out


def _split(s: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for m in pattern.finditer(s):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(s)))
    return [(a, b) for a, b in spans if b > a]


def words(text: str) -> int:
    return len(re.findall(r"\w+", text))


_STEM_SUFFIXES = ("ing", "ers", "ies", "ed", "es", "er", "s")
STOP = frozenset(
    ["a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "with", "by", "at", "from", "as", "is", "are", "be", "was", "were", "that", "this", "these", "those", "who", "which", "what", "per", "it", "its", "their", "our", "we", "i", "you", "they", "them", "than", "then", "into", "over", "within", "least", "last", "each", "every", "any", "all", "some", "one", "two", "three", "do", "does", "did"]
)


def stem(word: str) -> str:
    w = word.lower()
    for suf in _STEM_SUFFIXES:
        if len(w) > len(suf) + 2 and w.endswith(suf):
            return w[: -len(suf)]
    return w


@functools.lru_cache(maxsize=2048)
def content_tokens(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in re.findall(r"[a-z0-9%]+", text.lower()) if w not in STOP)


def lower_same_length(text: str) -> str:
    """Lowercase with every offset unchanged (a few characters grow when lowercased)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


@functools.lru_cache(maxsize=512)
def nocase(rx: re.Pattern[str]) -> re.Pattern[str]:
    """The same pattern without IGNORECASE, for scanning text already lowercased (faster)."""
    return re.compile(rx.pattern, rx.flags & ~re.IGNORECASE)
