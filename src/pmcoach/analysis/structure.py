"""Structure before words: lines, sentences and clauses, labelled sections and lists, and
the scope of dismissal and guarding.

A ``Doc`` is built once per text and shared by every later stage (mentions, framework
parts, grading). All offsets index the text as given, so quotes stay verbatim.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field

from . import cues
from .text import Unit, lower_same_length, units

_BULLET = re.compile(r"^(\s*)((?:[-*•+>▪◦–]|\d{1,2}[.)]|\(?[a-hA-H][.)]|\(\d{1,2}\)|[ivx]{1,4}[.)])\s+)?")
_MD_HEADING = re.compile(r"^\s*#{1,6}\s+(?P<label>.+?)\s*#*\s*$")
_BOLD_HEADING = re.compile(r"^\s*(?:\*\*|__)(?P<label>[^*_\n]{1,80}?)(?:\*\*|__)\s*:?\s*$")
_BARE_HEADING = re.compile(r"^\s*(?P<label>[A-Za-z][\w'&/ -]{1,40}?)\s*$")
_COLON_HEADING = re.compile(r"^\s*(?P<label>[^.!?\n]{1,80}?)\s*:\s*$")
_PREFIX = re.compile(
    r"^(?P<label>(?:\*\*|__)?[A-Za-z<>≤≥#$\d][^:=\n]{0,48}?(?:\*\*|__)?)\s*(?:\*\*)?(?::|(?<![<>!=≤≥])=(?!=)|\s[-–—]\s|\s?->\s|\s?→\s?)(?:\*\*)?\s*(?=\S)"
)
_LEADIN = re.compile(
    r"(?P<lead>[^.;:!?\n]{2,110}?)(?:\s*[:=→]|\s+->|(?:(?<=\bit)|(?<=\bthat)|(?<=\bthis)|(?<=\bwhat)|(?<=\bwhich)|(?<=\bthere)|(?<=\bhere)|(?<=\bone)|(?<=\bnumber)|(?<=\bmetric)|(?<=\bthing)|(?<=\bstar)|(?<=\bns)|(?<=\bnsm)|(?<=\bgoal)|(?<=\bmeasure)|(?<=\banswer)|(?<=\bpick)|(?<=\bchoice))['’]s|\s+(?:is|are|would be|will be|would probably be|should be|'d be|"
    r"would likely be|becomes|by|with|w/|using|through|on|as|would have to be|has to be|must be|"
    r"(?:i|we)(?:'d| would| will|'ll)? (?:really )?(?:take|pick|choose|go with|go for|use|propose|say|select|nominate|want)))\s+(?=\S)",
    re.I,
)
_LEADIN_START = re.compile(r"(?:,|;|—|–|\s-|\s\|)\s*(?:(?:so|and|but|then|hence|therefore|which is why)\s+)?", re.I)
#: A sentence end that is not an abbreviation ("incl.", "e.g.", "vs.").
_SENTENCE_END = re.compile(r"(?<!\bincl)(?<!\bexcl)(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<!\bvs)(?<!\bapprox)(?<!\best)(?<!\bavg)"
                           r"[.!?](?:\s|$)")
_NUMBERED_HEAD = re.compile(r"^\s*(?:\d{1,2}[.)]|[A-Za-z][.)])\s*")


@dataclass(frozen=True)
class Line:
    index: int
    start: int
    end: int
    body: int  # where the words start, after indent and any list marker
    marker: str
    heading: bool  # the whole line is a label
    label: str | None  # the label's words, for a heading or a "Label: ..." prefix
    label_end: int | None  # offset just after a prefix label ("NS: " ends here)

    @property
    def bullet(self) -> bool:
        return bool(self.marker)

    @property
    def blank(self) -> bool:
        return self.body >= self.end


@dataclass(frozen=True)
class Section:
    """A stretch of text governed by a label: its ``role`` is one of cues.LABEL_ROLES or
    ``other`` (a label of no known kind, which still ends the sections above it)."""

    role: str
    start: int
    end: int
    label_start: int
    label_end: int
    source: str  # "heading" | "prefix" | "leadin"
    label: str


@dataclass
class Doc:
    text: str
    low: str
    lines: list[Line]
    units: list[Unit]
    sections: list[Section] = field(default_factory=list)
    _unit_starts: list[int] = field(default_factory=list)

    def unit_index(self, pos: int) -> int:
        """The index of the clause holding ``pos``, or -1."""
        i = bisect.bisect_right(self._unit_starts, pos) - 1
        if 0 <= i < len(self.units) and self.units[i].start <= pos < self.units[i].end:
            return i
        return -1

    def unit_at(self, pos: int) -> Unit | None:
        i = self.unit_index(pos)
        return self.units[i] if i >= 0 else None

    def line_at(self, pos: int) -> Line | None:
        starts = [ln.start for ln in self.lines]
        i = bisect.bisect_right(starts, pos) - 1
        return self.lines[i] if 0 <= i < len(self.lines) else None

    def sentence_span(self, pos: int) -> tuple[int, int]:
        """The sentence holding ``pos``: its clauses joined (within one line)."""
        i = self.unit_index(pos)
        if i < 0:
            return pos, pos
        u = self.units[i]
        a = i
        while a > 0 and self.units[a - 1].line == u.line and not _ends_sentence(self.text, self.units[a - 1].end):
            a -= 1
        b = i
        while b + 1 < len(self.units) and self.units[b + 1].line == u.line and not _ends_sentence(self.text, self.units[b].end):
            b += 1
        return self.units[a].start, self.units[b].end

    def section_at(self, pos: int) -> Section | None:
        """The innermost section governing ``pos`` (a lead-in over a prefix over a heading).
        Under a metric heading, a line's own label that says who or which goal ("Goal 1: ...",
        "Hosts: ...") does not replace the heading's kind of measure."""
        best: Section | None = None
        heading: Section | None = None
        rank = {"leadin": 3, "prefix": 2, "heading": 1}
        for s in self.sections:
            if s.start <= pos < s.end:
                if s.source == "heading" and (heading is None or s.start > heading.start):
                    heading = s
                if best is None or rank[s.source] > rank[best.source] or (
                        rank[s.source] == rank[best.source] and s.start > best.start):
                    best = s
        if best is not None and heading is not None and best is not heading and heading.role in cues.METRIC_ROLES \
                and best.role not in cues.METRIC_ROLES and best.role != "rejected":
            return heading
        return best


def _ends_sentence(text: str, end: int) -> bool:
    tail = text[max(0, end - 2):end + 2]
    return bool(re.search(r"[.!?]\s*$", text[max(0, end - 3):end].rstrip()) or "\n" in tail)


def build(text: str) -> Doc:
    low = lower_same_length(text)
    lines = _lines(text)
    us = units(text)
    doc = Doc(text, low, lines, us)
    doc._unit_starts = [u.start for u in us]
    doc.sections = _sections(doc)
    return doc


# --------------------------------------------------------------------------- lines


def _bulleted(line: str) -> bool:
    m = _BULLET.match(line)
    return bool(m and m.group(2))


def _lines(text: str) -> list[Line]:
    out: list[Line] = []
    pos = 0
    raw_lines = text.split("\n")
    for i, raw in enumerate(raw_lines):
        start, end = pos, pos + len(raw)
        pos = end + 1
        m = _BULLET.match(raw)
        marker = (m.group(2) or "").strip() if m else ""
        body = start + (m.end() if m else 0)
        content = text[body:end]
        heading = False
        label: str | None = None
        label_end: int | None = None
        hm = _MD_HEADING.match(raw) or _BOLD_HEADING.match(content) or (
            _COLON_HEADING.match(content) if not marker or len(content) < 60 else None) or (
            _BARE_HEADING.match(content) if not marker and i + 1 < len(raw_lines) and _bulleted(raw_lines[i + 1])
            else None)
        if hm and content.strip():
            heading = True
            label = _NUMBERED_HEAD.sub("", hm.group("label")).strip(" *_#")
        else:
            pm = _PREFIX.match(content)
            if pm:
                lab = pm.group("label").strip(" *_")
                if 0 < len(lab.split()) <= 9:
                    label, label_end = lab, body + pm.end()
        out.append(Line(i, start, end, body, marker, heading, label, label_end))
    return out


# --------------------------------------------------------------------------- sections


@functools.lru_cache(maxsize=4096)
def label_role(label: str) -> str | None:
    """What a label says about what follows it: a role of cues.LABEL_ROLES, or None."""
    words = label.strip().lower()
    if not words:
        return None
    role = cues.label_role_by_words(words)
    if role is not None:
        return role
    return _role_by_meaning(words)


def _role_by_meaning(label: str) -> str | None:
    """Nearest label prototype by meaning, when close enough (for phrasings no cue lists)."""
    if len(label.split()) < 3:
        return None
    from .meaning import nearest_label

    return nearest_label(label)


_METRICISH = re.compile(r"[%#]|\b(?:rate|per|time|count|number|share|users?|members?|people|revenue|minutes|hours|retention|churn|"
                        r"sessions?|views?|orders?|trips?|rides?|bookings?|nights?|participants?|daus?|maus?)\b", re.I)


def _sections(doc: Doc) -> list[Section]:
    text = doc.text
    out: list[Section] = []
    lines = doc.lines
    for i, ln in enumerate(lines):
        if ln.heading and ln.label is not None:
            role = label_role(ln.label) or "other"
            end = _heading_scope_end(doc, i)
            out.append(Section(role, ln.end, end, ln.body, ln.end, "heading", ln.label))
        elif ln.label is not None and ln.label_end is not None:
            # a label of no known kind ("SMB:", "What worries me:") heads its line as "other";
            # a bold metric name ("**Weekly meaningful participants**: ...") heads nothing
            prefix_role = label_role(ln.label) or ("other" if not _METRICISH.search(ln.label) else None)
            if prefix_role is None:
                continue
            role = prefix_role
            # a prefix heads its own sentence ("North star: X. It beats DAU because ..."), and
            # the bullets under it when it ends in a colon ("Guardrails: what must not break:")
            end = ln.end
            if text[ln.label_end:ln.end].rstrip().endswith(":"):
                end = _heading_scope_end(doc, i)
            else:
                stop = _SENTENCE_END.search(text[ln.label_end:ln.end])
                if stop:
                    end = ln.label_end + stop.end()
            out.append(Section(role, ln.label_end, end, ln.body, ln.label_end, "prefix", ln.label))
    # lead-ins: "The one metric I'd optimise above all is ...", "My guardrails would be ..."
    for u in doc.units:
        starts = [u.start] + [u.start + m.end() for m in _LEADIN_START.finditer(u.text)]
        lm = None
        for st in starts:
            lm = _LEADIN.match(text, st, u.end)
            if lm and (cues.label_role_by_words(lm.group("lead").lower()) in cues.METRIC_ROLES):
                break
        if not lm:
            continue
        lead = lm.group("lead")
        joint = text[lm.end("lead"):lm.end()].strip().lower()
        if joint in ("by", "with", "w/", "using", "through", "on", "as") and not re.search(
                r"\b(?:measur|judg|grad|track|optimi[sz]|defin|go|bet|count|know|pick|choos|start|lead)\w*", lead, re.I):
            continue  # "drivers on the supply side" is not a label
        if len(lead.split()) > (30 if cues.label_role_by_words(lead.lower()) in cues.METRIC_ROLES else 16):
            continue
        lead_role = cues.label_role_by_words(lead.lower())
        if lead_role not in cues.METRIC_ROLES and lead_role != "rejected":
            if lead_role is None and len(lead.split()) >= 3 and _looks_like_metric_lead(lead):
                lead_role = _role_by_meaning(lead.lower())
            if lead_role not in cues.METRIC_ROLES:
                continue
        assert lead_role is not None
        s_end = doc.sentence_span(u.start)[1]
        out.append(Section(lead_role, lm.end(), s_end, u.start, lm.end(), "leadin", lead))
    return out


def _looks_like_metric_lead(lead: str) -> bool:
    return bool(re.search(r"\b(?:number|metric|measure|judge|track|watch|optimi[sz]e|know|success|signal|protect|break|"
                          r"hurt|worse|count|figure|thing)\w*", lead, re.I))


def _heading_scope_end(doc: Doc, i: int) -> int:
    """A heading governs the lines after it up to the next heading; a list under it ends at
    the first paragraph that is not part of the list."""
    lines = doc.lines
    j = i + 1
    in_list = False
    seen_content = False
    end = lines[i].end
    while j < len(lines):
        ln = lines[j]
        if ln.heading:
            break
        if ln.blank:
            j += 1
            continue
        if seen_content and in_list and not ln.bullet and not _indented(doc, ln) and (
                _gap_before(lines, j) or ln.label is not None):
            break  # the list is over: a paragraph, or a line with a label of its own
        if seen_content and not in_list and ln.label is not None and ln.label_end is not None \
                and label_role(ln.label) not in (None,) and _gap_before(lines, j):
            break
        if not seen_content:
            in_list = ln.bullet
        seen_content = True
        end = ln.end
        j += 1
    return end


def _gap_before(lines: list[Line], j: int) -> bool:
    return j > 0 and lines[j - 1].blank


def _indented(doc: Doc, ln: Line) -> bool:
    return doc.text[ln.start:ln.body].startswith(("  ", "\t"))


# --------------------------------------------------------------------------- scopes


def dismissed_before(doc: Doc, a: int, floor: int = 0) -> bool:
    """Is the phrase starting at ``a`` dismissed by what comes just before it in its clause
    (and after ``floor``, the end of a label that governs it)?"""
    u = doc.unit_at(a)
    start = max(u.start if u is not None else max(0, a - 80), floor)
    before = doc.low[max(start, a - 90):a]
    # a contrast after the cue hands the phrase back ("not DAU but time well spent")
    return bool(cues.pattern("dismissal_before").search(before))


def dismissed_after(doc: Doc, b: int, end: int) -> bool:
    after = doc.low[b:min(end, b + 120)]
    return bool(cues.pattern("dismissal_after").match(after))


def guarded_after(doc: Doc, b: int, end: int) -> bool:
    after = re.sub(r"^\s*\([^()]{0,80}\)", " ", doc.low[b:min(end, b + 180)])[:100]
    return bool(cues.pattern("guard_after").match(after))


def guarded_before(doc: Doc, a: int, start: int) -> bool:
    before = doc.low[max(start, a - 60):a]
    return bool(cues.pattern("guard_before").search(before))
