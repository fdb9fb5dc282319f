"""Find the framework's parts in free text, each with the sentence that shows it.

Two readings are pooled:
- cues (``data/lexicon/framework.yaml``) on each clause;
- sections: a label that heads lines ("What I'd aim for, in order:", "Who uses it:") is read
  with the same cues and, failing those, by meaning against label prototypes; every line
  under it then shows the label's parts.

A hit's span is the quote graders use as evidence: a whole sentence (a clause when the
sentence is long), never a heading and never cut inside a word. Sentences that mostly repeat
what the interviewer said are not evidence.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ..models import Scenario
from .cues import load_yaml
from .structure import Doc, Section
from .text import Unit, content_tokens, nocase

MAX_QUOTE = 240


@functools.lru_cache(maxsize=1)
def cues() -> dict[str, str]:
    data: dict[str, str] = load_yaml("framework.yaml")["cues"]
    return data


@functools.lru_cache(maxsize=1)
def compiled() -> dict[str, re.Pattern[str]]:
    return {k: re.compile(v, re.I | re.M) for k, v in cues().items()}


#: What a section label's role gives the lines under it.
ROLE_PARTS: dict[str, tuple[str, ...]] = {
    "goals": ("objectives",),
    "segments": ("segments",),
    "journeys": ("journeys",),
    "north_star": ("impact_ns",),
    "guardrail": ("impact_guardrail",),
    "rejected": ("pros_cons",),
}


@dataclass(frozen=True)
class Hit:
    part: str
    start: int
    end: int
    cue: str

    def quote(self, text: str) -> str:
        return text[self.start:self.end]


def quote_span(doc: Doc, pos: int, unit: Unit | None = None, keep: int | None = None) -> tuple[int, int]:
    """The evidence span around ``pos``: its sentence, or its clause when the sentence is
    long, trimmed of list markers and emphasis, ending on a word boundary."""
    a, b = doc.sentence_span(pos)
    if b - a > MAX_QUOTE:
        u = unit or doc.unit_at(pos)
        if u is not None:
            a, b = u.start, u.end
    text = doc.text
    lead = re.match(r"[\s\-*•>#_|]*(?:\(?\d{1,2}[.)]\s+|\(?[a-h][.)]\s+)?(?:\*\*|__)?", text[a:b])
    if lead:
        a += lead.end()
    # a bold run-in label ("Mission.** DoorDash says ...") is not the candidate's sentence
    bold = re.match(r"[^*_\n]{1,60}?[.:]?(?:\*\*|__)[.:]?\s+(?=\S)", text[a:b])
    if bold and b - a - bold.end() > 20 and (keep is None or keep >= a + bold.end()):
        a += bold.end()
    while b > a and text[b - 1] in " \t*_|":
        b -= 1
    if b - a > MAX_QUOTE:
        cut = text.rfind(" ", a, a + MAX_QUOTE)
        b = cut if cut > a + 40 else a + MAX_QUOTE
        while b > a and not text[b - 1].isalnum() and text[b - 1] not in ".)%\"'":
            b -= 1
    return a, max(b, a)


def find_parts(text: str, doc: Doc | list[Unit], scenario: Scenario | None = None,
               context: str | None = None) -> dict[str, list[Hit]]:
    """For each framework part, the sentences where the candidate shows it (one hit per clause)."""
    if not isinstance(doc, Doc):
        from .structure import build

        doc = build(text)
    restated = _restated(doc, context)
    out: dict[str, list[Hit]] = {k: [] for k in cues()}
    low = doc.low
    # headings and table rows are not sentences a candidate said
    heading_lines = {ln.index for ln in doc.lines if ln.heading or doc.text.count("|", ln.start, ln.end) >= 2}
    for part, rx in compiled().items():
        rx_low = nocase(rx)
        seen: set[int] = set()
        for u in doc.units:
            if u.line in heading_lines or u.start in restated:
                continue
            m = rx_low.search(low, u.start, u.end)
            if m is None or u.start in seen:
                continue
            seen.add(u.start)
            a, b = quote_span(doc, m.start(), u)
            out[part].append(Hit(part, a, b, m.group(0)))
    for sec in doc.sections:
        for part in section_parts(sec):
            have = {h.start for h in out[part]}
            for u in doc.units:
                # a unit under the label, or the rest of the label's own line ("- why: because ...")
                if u.end <= sec.start or u.start >= sec.end or u.line in heading_lines or u.start in restated:
                    continue
                a, b = quote_span(doc, max(u.start, sec.start), u)
                if a not in have and b > a:
                    out[part].append(Hit(part, a, b, f"under {sec.label!r}"))
                    have.add(a)
    _plus_minus_lines(doc, out["pros_cons"], heading_lines)
    seg_rx = _segment_names(scenario)
    if seg_rx is not None:
        have = {h.start for h in out["segments"]}
        for u in doc.units:
            if u.line in heading_lines:
                continue
            m = nocase(seg_rx).search(low, u.start, u.end)
            if m is not None:
                a, b = quote_span(doc, m.start(), u)
                if a not in have:
                    out["segments"].append(Hit("segments", a, b, m.group(0)))
                    have.add(a)
    for part in out:
        out[part].sort(key=lambda h: h.start)
    return out


@functools.lru_cache(maxsize=2048)
def _label_parts(label: str, role: str) -> tuple[str, ...]:
    parts = [p for p, rx in compiled().items() if rx.search(label) and p in _LABEL_PARTS]
    parts += [p for p in ROLE_PARTS.get(role, ()) if p not in parts]
    if not parts and label.split():
        near = _nearest_part(label)
        if near is not None:
            parts.append(near)
    return tuple(parts)


LABEL_THRESHOLD = 0.6


@functools.lru_cache(maxsize=1)
def _part_prototypes() -> tuple[tuple[str, ...], object]:
    from .embed import encode

    protos = load_yaml("framework.yaml")["label_prototypes"]
    names = tuple(p for p, phrases in protos.items() for _ in phrases)
    return names, encode([x for phrases in protos.values() for x in phrases])


def _nearest_part(label: str) -> str | None:
    """The part whose label prototypes are nearest in meaning ("What worries me" -> threats)."""
    from .embed import encode

    names, mat = _part_prototypes()
    v = encode([label])[0]
    if not v.any():
        return None
    sims = mat @ v
    i = int(sims.argmax())
    return names[i] if float(sims[i]) >= LABEL_THRESHOLD else None


#: Parts a label can give to the lines under it (not cue-only parts such as "conditions").
_LABEL_PARTS = frozenset({"mission", "why_exists", "threats", "lifecycle", "segments", "journeys", "objectives",
                          "prioritization", "pros_cons", "launch_plan", "detail", "action_plan", "actions"})


def section_parts(sec: Section) -> tuple[str, ...]:
    return _label_parts(sec.label.lower(), sec.role)


def _restated(doc: Doc, context: str | None) -> frozenset[int]:
    """Clauses that mostly repeat the interviewer's words (the prompt, read back)."""
    if not context:
        return frozenset()
    said = content_tokens(context)
    out = set()
    for u in doc.units:
        toks = content_tokens(u.text)
        if len(toks) >= 4 and len(toks & said) >= 0.7 * len(toks):
            out.add(u.start)
    return frozenset(out)


def _segment_names(scenario: Scenario | None) -> re.Pattern[str] | None:
    if scenario is None:
        return None
    names = []
    for s in scenario.segments:
        for word in re.findall(r"[A-Za-z][A-Za-z\-]{3,}", s.name):
            if word.lower() not in {"with", "from", "that", "people", "users", "mostly", "their", "groups"}:
                names.append(re.escape(word.lower()))
    if not names:
        return None
    return re.compile(r"\b(?:" + "|".join(sorted(set(names))) + r")\b", re.I)



def _plus_minus_lines(doc: Doc, hits: list[Hit], skip: set[int]) -> None:
    """Notes that weigh a change with "+" and "-" lines ("+ guests want it", "- new hosts
    cancel more") show pros and cons: a "+" line, and a "-" line next to one."""
    lines = [ln for ln in doc.lines if not ln.blank]
    plus = [i for i, ln in enumerate(lines) if ln.marker == "+"]
    if not plus:
        return
    near = set(plus)
    for i in plus:
        for j in (i - 1, i + 1):
            if 0 <= j < len(lines) and lines[j].marker in ("-", "–", "−"):
                near.add(j)
    have = {h.start for h in hits}
    for i in sorted(near):
        ln = lines[i]
        if ln.index in skip:
            continue
        a, b = quote_span(doc, ln.body)
        if a not in have and b > a:
            hits.append(Hit("pros_cons", a, b, f"{ln.marker} line"))
            have.add(a)
