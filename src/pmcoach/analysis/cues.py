"""The cue lexicons (``data/lexicon/cues.yaml``), compiled once.

Code never holds phrase lists: it asks this module for a compiled pattern by name.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml

LEXICON_DIR = Path(__file__).resolve().parent.parent / "data" / "lexicon"

#: Label roles, in the order a label's words are tried (the first role that matches wins).
LABEL_ROLES = ("rejected", "restated", "guardrail", "north_star", "input", "metrics", "goals", "journeys", "segments",
               "rationale")
METRIC_ROLES = ("north_star", "input", "guardrail", "metrics")


def load_yaml(name: str) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data: dict[str, Any] = yaml.load((LEXICON_DIR / name).read_text(encoding="utf-8"), Loader=loader)
    return data


@functools.lru_cache(maxsize=1)
def raw() -> dict[str, Any]:
    return load_yaml("cues.yaml")


def _alt(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


@functools.cache
def label_pattern(role: str) -> re.Pattern[str]:
    return re.compile(_alt(raw()["labels"][role]["patterns"]), re.I)


@functools.lru_cache(maxsize=1)
def label_prototypes() -> tuple[tuple[str, str], ...]:
    """(role, phrase) pairs for labels matched by meaning."""
    return tuple((role, p) for role in LABEL_ROLES for p in raw()["labels"][role].get("prototypes", []))


@functools.cache
def pattern(name: str) -> re.Pattern[str]:
    """A list of cues as one pattern: ``dismissal_before`` and ``guard_before`` match at the
    end of the text before a phrase; ``dismissal_after`` and ``guard_after`` at the start of
    the text after it; the others anywhere."""
    items = raw()[name]
    alt = _alt(items)
    if name == "verb_subject":
        return re.compile(rf"(?:^|\W)(?:{alt})\s+$", re.I)
    if name in ("dismissal_before", "guard_before"):
        det = r"(?:\s+(?:the|a|an|our|any|their|its|this|that|those|these|total|raw|plain|just|simple|overall|pure|how))*"
        filler = r"(?:\s+(?!(?:but|instead|so|rather|and|sure)\b)[\w']+){0,3}" if name == "dismissal_before" else ""
        return re.compile(rf"(?:^|\W)(?:{alt}){filler}{det}\W*$", re.I)
    if name in ("dismissal_after", "guard_after", "change_after"):
        words = r"(?:[\w'-]+\s+){0,2}?" if name == "dismissal_after" else r"(?:(?:just|alone|only|itself|really|actually|by itself|on its own|though|then),?\s+)?"
        return re.compile(rf"^\W{{0,3}}{words}(?:{alt})", re.I)
    if name == "contrast":
        return re.compile(rf"(?:^|\W)(?:{alt})\b", re.I)
    if name == "people":
        return re.compile(rf"\b(?:{alt})$", re.I)
    return re.compile(rf"\b(?:{alt})", re.I) if name != "quality" else re.compile(alt, re.I)


@functools.cache
def unit_pattern(unit: str) -> re.Pattern[str]:
    items = raw()["units"][unit]
    return re.compile(rf"(?<![\w])(?:{_alt(items)})(?![\w])", re.I)


UNITS = ("rate", "average", "duration", "money", "score", "count")


@functools.cache
def window_pattern() -> re.Pattern[str]:
    return re.compile(_alt(raw()["window"]), re.I)


@functools.lru_cache(maxsize=4096)
def label_role_by_words(label: str) -> str | None:
    for role in LABEL_ROLES:
        if label_pattern(role).search(label):
            return role
    return None
