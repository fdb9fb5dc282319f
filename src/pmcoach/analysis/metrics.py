"""Find metric mentions in free text, match them to a catalog, and judge tier and vanity."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from ..models import Metric, Scenario
from .text import Unit, content_tokens, lower_same_length, nocase

TierOut = Literal["north_star", "input", "guardrail", "unclassified"]
LEXICON = Path(__file__).resolve().parent.parent / "data" / "lexicon" / "metrics.yaml"


@dataclass(frozen=True)
class LexMetric:
    id: str
    name: str
    pattern: re.Pattern[str]
    prefixes: tuple[str, ...]  # literal starts of its alternatives; empty = always scan
    tier: TierOut
    vanity: bool
    indicator: str
    reason: str
    suggestion: str


@dataclass
class Mention:
    text: str
    start: int
    end: int
    name: str
    tier: TierOut
    tier_source: str  # "label" | "catalog" | "lexicon" | "wording"
    vanity: bool
    reason: str
    suggestion: str
    indicator: str
    defined: bool
    rejected: bool = False  # the candidate named it to dismiss it ("rather than DAU")
    catalog_id: str | None = None
    lexicon_id: str | None = None
    label_text: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "name": self.name,
            "tier": self.tier,
            "vanity": self.vanity,
            "reason": self.reason,
            "suggestion": self.suggestion,
            "start": self.start,
            "end": self.end,
            "catalog_id": self.catalog_id,
            "tier_source": self.tier_source,
            "indicator": self.indicator,
            "defined": self.defined,
            "rejected": self.rejected,
        }


# --------------------------------------------------------------------------- patterns


def _alias_regex(phrase: str) -> str:
    parts = [re.escape(p) for p in re.split(r"[\s\-_]+", phrase.strip().lower()) if p]
    return r"[\s\-]*".join(parts)


def _prefixes(patterns: list[str]) -> tuple[str, ...]:
    """The literal text each alternative starts with, for a cheap substring pre-check.
    Any alternative that does not start with a literal makes the pre-check useless."""
    out = []
    for p in patterns:
        m = re.match(r"[a-z0-9%#$ ]+", p.lower())
        lit = m.group(0).strip() if m else ""
        if len(lit) < 2:
            return ()
        out.append(lit.split(" ")[0])
    return tuple(sorted(set(out)))


def _may_occur(prefixes: tuple[str, ...], lowered: str) -> bool:
    return not prefixes or any(p in lowered for p in prefixes)


@functools.lru_cache(maxsize=1)
def lexicon() -> tuple[LexMetric, ...]:
    data = yaml.load(LEXICON.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    out = []
    for m in data["metrics"]:
        pat = "|".join(f"(?:{p})" for p in m["patterns"])
        out.append(
            LexMetric(
                id=m["id"],
                name=m["name"],
                pattern=re.compile(rf"(?<![\w/])(?:{pat})(?![\w/])", re.I),
                prefixes=_prefixes(m["patterns"]),
                tier=m["tier"],
                vanity=m["vanity"],
                indicator=m["indicator"],
                reason=m["reason"],
                suggestion=m["suggestion"],
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class Catalog:
    scenario: Scenario
    patterns: tuple[tuple[re.Pattern[str], Metric], ...]
    prefixes: tuple[tuple[str, ...], ...]
    tokens: tuple[tuple[frozenset[str], Metric], ...]


_CATALOGS: dict[int, Catalog] = {}


def catalog_for(scenario: Scenario) -> Catalog:
    """Compiled patterns for a scenario's catalog, built once per scenario object."""
    hit = _CATALOGS.get(id(scenario))
    if hit is not None and hit.scenario is scenario:
        return hit
    if len(_CATALOGS) > 64:
        _CATALOGS.clear()
    cat = _build_catalog(scenario)
    _CATALOGS[id(scenario)] = cat
    return cat


def _build_catalog(scenario: Scenario) -> Catalog:
    pats = []
    toks = []
    prefs = []
    for m in scenario.metrics:
        phrases = sorted({m.name.lower(), *[a.lower() for a in m.aliases]}, key=len, reverse=True)
        prefs.append(tuple(sorted({re.split(r"[\s\-_]+", p.strip())[0] for p in phrases if len(p) >= 2})))
        rx = "|".join(_alias_regex(p) for p in phrases if len(p) >= 2)
        pats.append((re.compile(rf"(?<![\w/])(?:{rx})(?![\w/])", re.I), m))
        toks.append((frozenset(content_tokens(m.name + " " + m.definition)), m))
    return Catalog(scenario, tuple(pats), tuple(prefs), tuple(toks))


# A definitional phrase: "% of weekly active members who post ...", "share of buyers who ..."
_RATIO = re.compile(
    r"(?<!\w)(?:\d{1,3}\s*%|%|percent(?:age)?|share|proportion|fraction|ratio|rate)\s+of\s+"
    r"(?:the\s+)?[\w$#][^.;:\n()?!]{2,160}",
    re.I,
)
_COUNT = re.compile(
    r"(?<!\w)(?:(?:total|average|avg\.?|mean|median)[ \t]+)?(?:number|count|#|no\.|amount|volume)[ \t]+of[ \t]+"
    r"[\w][^.;:\n()?!]{1,160}",
    re.I,
)
_PER = re.compile(
    r"(?<!\w)(?:(?:average|avg\.?|mean|median)[ \t]+)?[a-z][\w\-]*(?:[ \t]+[a-z][\w\-]*){0,3}[ \t]+"
    r"(?:per|/)[ \t]+(?:(?:weekly|daily|monthly|active|1,?000|thousand|100|\d+k|\d+,?\d*)[ \t]+)*"
    r"(?:user|member|dau|mau|wau|session|day|week|month|visitor|buyer|seller|rider|driver|host|"
    r"guest|viewer|creator|subscriber|order|trip|listing|post|impression|view|request|message|"
    r"search|lesson|learner|team|workspace|account|customer|household|hour|minute|title|delivery|deliveries|"
    r"ride|booking|stay|night|k|million|dasher|merchant|restaurant|dollar|install)s?\b",
    re.I,
)
_RATE = re.compile(
    r"(?<!\w)(?:[a-z][\w\-]*[ \t]+){1,3}(?:rate|ratio|score|time|latency)s?\b",
    re.I,
)
_RATE_NOISE = re.compile(
    r"^(?:at the same|over|the same|this|that|any|some|a|the|first|next|last|same|real|long|"
    r"short|more|less|in|on|at|by|of|for|and|to|with|what|which|my|our|their|its|is|it|was|"
    r"spend|spent|one)$",
    re.I,
)
_PERIODIC = re.compile(
    r"(?<![\w-])(?:daily|weekly|monthly|annual|d7|d30|l7|l28|total|registered)[ \t]+(?:[a-z][\w-]*[ \t]+){0,2}"
    r"(?:users|members|buyers|sellers|riders|drivers|hosts|guests|viewers|creators|learners|subscribers|customers|"
    r"accounts|teams|listeners|dashers|merchants|actives|transactors|savers|players|readers|shoppers)\b",
    re.I,
)
_LABEL_LEAD = re.compile(
    r"^\W{0,4}(?:(?:my|our|the)\s+)?(?:north[\s-]*star(?:\s+metric)?|nsm|primary\s+metric|guard[\s-]*rails?|"
    r"secondary(?:\s+metrics?)?|input\s+metrics?|health\s+metrics?|counter[\s-]*metrics?)\s*(?:[:=\-\u2013\u2014]|is|would be|will be)\s+",
    re.I,
)
_DENOMINATOR = re.compile(r"(?:\bout of|\bper|\bdivided by|/)\s+(?:all\s+|the\s+|every\s+|[\d,.]+k?\s+)*$", re.I)
_LIST_GAP = re.compile(r"^\s*(?:,\s*|,?\s*(?:or|and|nor|as well as|/)\s+)(?:even\s+|just\s+)?$", re.I)
_LEAD = re.compile(
    r"^(?:(?:also|and|or|then|plus|i'?d|we'?d|would|should|will|to|we|i|our|my|the|a|an|track|tracking|watch|watching|"
    r"look|looking|at|measure|measuring|monitor|monitoring|use|using|make|keep|see|star|north|nsm|metric|metrics|"
    r"secondary|input|guardrail|guardrails|be|is|are|on|with|by|its|their|just|really|some|key|main|primary|core|"
    r"want|like|care|about|consider|pick|choose|go|for)[ \t]+)+",
    re.I,
)
_CUT = re.compile(
    r",?\s+(?:and|or|plus|as well as|but|because|since|so that|which|to see|to measure|to track|"
    r"to understand|as (?:my|our|the|a)|would be|will be|is (?:my|our|the)|as a|vs\.?|versus)\s+|,\s+",
    re.I,
)
_WINDOW = re.compile(
    r"\b(?:daily|weekly|monthly|quarterly|yearly|annual|per (?:day|week|month)|in (?:the )?(?:last|past|first) "
    r"\d+|within \d+|\d+[- ]?(?:day|week|month|hour|minute)s?|d\d{1,2}|l\d{1,2}|w\d|7d|28d|30d|"
    r"each (?:day|week|month)|a (?:day|week|month)|week over week|month over month|over \d+)\b",
    re.I,
)
_RATIO_FORM = re.compile(r"%|\bpercent|\bshare of|\bproportion|\bratio|\brate\b|\bper\b|\bout of\b|/", re.I)
_NEGATION = re.compile(
    r"\b(?:not|n't|never|instead of|rather than|avoid|vanity|misleading|over)\b|\bno\b",
    re.I,
)
_REJECT_AFTER = re.compile(
    r"^\W{0,3}(?:\w+\W+){0,3}?(?:is|are|would be|alone is)\s+(?:a\s+)?(?:vanity|misleading|"
    r"not (?:a )?(?:good|great|useful|the right)|a (?:poor|bad|weak) (?:north star|metric))",
    re.I,
)
_REJECT_TAIL = re.compile(
    r"^[^.;]{0,40}?\b(?:(?:is|are|'s|would be)(?:n't| not)? (?:\w+ ){0,2}(?:too (?:slow|far|noisy|lagging|easy)|a bad|bad|poor|"
    r"easy to (?:inflate|game)|vanity|misleading|meaningless|useless|noisy|not (?:the goal|a goal|meaningful|useful|helpful|"
    r"great|good|enough|what)|lag(?:s|ging)?)|(?:isn't|aren't|doesn't|don't|won't|wouldn't)(?: really)? (?:\w+ )?(?:meaningful|"
    r"useful|helpful|a good|good|great|the goal|the right|tell|matter|mean|move|going to move|signal)|would lag|so not)",
    re.I,
)
_REJECT_BEFORE = re.compile(
    r"(?:instead of|rather than|not|avoid|avoiding|other than|vanity metrics? (?:like|such as)|"
    r"(?:i|we)(?:'d| would) not (?:use|pick|choose|make|count)|wouldn't (?:use|pick|choose|make|count)|"
    r"don't (?:use|pick|want|care about)|not going to (?:use|pick|count|track)|steer (?:away|clear) (?:from|of)|"
    r"stay away from|ignore|not just|beyond|more than just|over|beats?|better than|superior to|instead of just)\s+(?:\w+\s+){0,2}$",
    re.I,
)

# Tier labels a candidate writes. Order matters: guardrail words inside "north star" text
# are rare, and input words are the weakest signal.
LABELS: tuple[tuple[TierOut, re.Pattern[str]], ...] = (
    (
        "north_star",
        re.compile(
            r"north[\s-]*star|\bnsm\b|\bn\.s\.m\b|\bprimary (?:success )?metric|\bone metric that matters|"
            r"\bomtm\b|\boverall success metric|\bmain (?:success )?metric|\btop[- ]line metric|"
            r"\bmeasure (?:its |our |the )?success (?:with|by|using|through)\b|\bsuccess (?:would be|is|will be) measured\b|"
            r"\bthe (?:one|single) (?:number|metric)\b|\bmost important metric\b|\bprimary kpi\b|"
            r"\bsingle (?:most important )?metric|\bheadline metric|\bkey (?:success )?metric\b",
            re.I,
        ),
    ),
    (
        "guardrail",
        re.compile(
            r"guard[\s-]*rails?|\bhealth(?:y)? metrics?|\bproduct health|\becosystem health|"
            r"\bcounter[\s-]*metrics?|\bcounter[\s-]*balanc|\bdo[\s-]no[\s-]harm|"
            r"\bmake sure (?:we|it) (?:don'?t|do not|doesn'?t|isn'?t)|\bwatch (?:out )?for|"
            r"\bmonitor(?:ing)? (?:for|that)|\bguard against|\bshould(?:n't| not) (?:drop|go down|regress|hurt|rise)|"
            r"\bwithout hurting|\bnot hurt(?:ing)?|\bkeep an eye on|\bhealth checks?\b|\bhealth:",
            re.I,
        ),
    ),
    (
        "input",
        re.compile(
            r"\bsecondary(?: success)?(?: metrics?)?|\binput metrics?|\binputs?\b|\bsupporting metrics?|"
            r"\bdriver metrics?|\bdrivers?\b|\bleading indicators?|\bsub[\s-]*metrics?|\bcomponent metrics?|"
            r"\blevers?\b|\bdiagnostic metrics?|\bsecondaries\b|\bsuccess metrics? (?:for|per) (?:each )?objective",
            re.I,
        ),
    ),
)

_VAGUE = frozenset({"engagement"})
_GUARD_WORDS = re.compile(
    r"\b(?:prevalence|violating|crash|errors?|latency|load time|spam|reports?|report rate|abuse|fraud|scam|block|hide|"
    r"mute|unsubscrib|uninstall|churn|cancel|complain|refund|dispute|harm|violat|misinformation|"
    r"opt[- ]out|negative|toxic|bullying|unfollow|leave|left|time to resolution|wait time|"
    r"cannibali[sz]|support tickets?|contact rate|safety)",
    re.I,
)
_VALUE_WORDS = re.compile(
    r"\b(?:who|that|which)\b.{0,80}\b(?:complete|success|purchas|buy|book|hire|hired|repl|respond|"
    r"retain|return|come back|save|sav|add|finish|answer|resolve|match|transact|sell|sold|receiv|"
    r"join|post|comment|share|contribut|create|message|meaningful|helpful|learn|pass|arriv|"
    r"deliver|get|find|found|watch|listen|follow|subscrib|connect|engag|interact|recommend|rat)",
    re.I,
)
_ACTIVITY_ONLY = re.compile(
    r"\b(?:who|that)\s+(?:open|visit|log in|login|view|see|launch|scroll|are active|were active|"
    r"use the app|click)\b",
    re.I,
)
_COUNT_VANITY = re.compile(
    r"\b(?:users?|members?|people|accounts?|downloads?|installs?|views?|visits?|impressions?|"
    r"posts?|likes?|followers?|sessions?|clicks?|page ?views?|sign[- ]?ups?|groups|videos|"
    r"messages|notifications|opens?|listings|minutes|hours|reels|stories|pins|tweets|content)\b",
    re.I,
)


# --------------------------------------------------------------------------- finder


def find_mentions(text: str, spans: list[Unit], scenario: Scenario | None) -> list[Mention]:
    """All metric mentions in ``text`` (offsets into it), left to right, non-overlapping."""
    cands: list[tuple[int, int, str, Any]] = []  # (start, end, kind, payload)
    lowered = lower_same_length(text)
    if scenario is not None:
        cat = catalog_for(scenario)
        for (rx, m), pre in zip(cat.patterns, cat.prefixes, strict=True):
            if not _may_occur(pre, lowered):
                continue
            for mt in nocase(rx).finditer(lowered):
                cands.append((mt.start(), mt.end(), "catalog", m))
    for lm in lexicon():
        if not _may_occur(lm.prefixes, lowered):
            continue
        for mt in nocase(lm.pattern).finditer(lowered):
            cands.append((mt.start(), mt.end(), "lexicon", lm))
    for rx, kind in ((_RATIO, "ratio"), (_COUNT, "count"), (_PER, "per"), (_RATE, "rate"), (_PERIODIC, "periodic")):
        for mt in nocase(rx).finditer(lowered):
            a, b = mt.start(), _trim(text, mt.start(), mt.end())
            if kind in ("per", "rate", "periodic"):
                lead = _LEAD.match(text, a, b)
                if lead:
                    a = lead.end()
                conj = list(re.finditer(r"\b(?:or|and|nor|but|than|if|use|track)\s+", text[a:b], re.I))
                if kind == "rate" and conj:
                    a += conj[-1].end()
            if kind == "periodic" and re.match(r"[ \t]+(?:who|that|with)\b", text[b:b + 6]):
                # "weekly members who had a meaningful interaction": the clause is the definition
                stop = re.search(r"[.;:\n()?!]", text[b:b + 160])
                b = _trim(text, a, b + (stop.start() if stop else len(text[b:b + 160])))
            if kind == "rate" and not _good_rate(text[a:b]):
                continue
            if b - a >= 4:
                cands.append((a, b, kind, None))

    for u in spans:
        # "North star: weekly meaningful participants." names a metric even when no shape or
        # catalog knows it: the words after a tier label, up to the end of the clause
        lead_m = _LABEL_LEAD.match(u.text)
        if lead_m:
            a = u.start + lead_m.end()
            stop = re.search(r"[.;\n()?!]", text[a:u.end])
            b = _trim(text, a, a + stop.start() if stop else u.end)
            if 3 <= b - a <= 160 and re.search(r"[a-z]", text[a:b], re.I):
                cands.append((a, b, "labelled", None))
    cands = [c for c in cands if not _DENOMINATOR.search(text[max(0, c[0] - 40):c[0]])]

    # Longest first, with catalog and lexicon names preferred over generic shapes of equal
    # reach; a generic definitional phrase that contains a named metric keeps the whole span.
    rank = {"ratio": 0, "catalog": 1, "count": 2, "per": 2, "lexicon": 3, "rate": 4, "periodic": 4, "labelled": 5}
    cands = [c for c in cands if c[2] != "catalog" or _catalog_plausible(text, c[0], c[1], spans)]
    cands.sort(key=lambda c: (c[2] == "labelled", -(c[1] - c[0]), rank[c[2]], c[0]))
    taken: list[tuple[int, int, str, Any]] = []
    occupied = bytearray(len(text) + 1)
    for c in cands:
        if 1 in occupied[c[0]:c[1]]:
            continue
        occupied[c[0]:c[1]] = b"\x01" * (c[1] - c[0])
        taken.append(c)
    taken.sort()
    out: list[Mention] = []
    for a, b, kind, payload in taken:
        unit = _unit_at(spans, a)
        out.append(_judge(text, a, b, kind, payload, unit, spans, scenario))
    # "I wouldn't use DAU, MAU or time spent": a dismissal covers the whole list
    for prev, cur in zip(out, out[1:], strict=False):
        if prev.rejected and not cur.rejected and _LIST_GAP.match(text[prev.end:cur.start]):
            cur.rejected = True
            cur.tier, cur.tier_source = "unclassified", "rejected"
    return out


_METRIC_CONTEXT = re.compile(
    r"\bmetrics?\b|\bmeasur\w*|\btrack\w*|\bkpis?\b|\bnorth[\s-]*star|\bguard[\s-]*rails?|\bsecondary|\binput|"
    r"\bcounter|\bmonitor\w*|\bwatch\w*|\bnsm\b|%|\brate\b|\bsuccess\b|\bkeep an eye|\blook at\b|\bdashboard",
    re.I,
)
_METRIC_WORDS = re.compile(
    r"\b(?:rate|ratio|%|per|share|count|number|time|retention|churn|dau|wau|mau|score|revenue|"
    r"value|gmv|ctr|nps|views?|sessions?|minutes|hours|days?|weekly|daily|monthly|within|p\d\d|latency|reports?)\b",
    re.I,
)


def _catalog_plausible(text: str, a: int, b: int, spans: list[Unit]) -> bool:
    """A catalog alias that reads like an everyday phrase ("contributors") counts as a
    metric only where the text is talking about metrics."""
    phrase = text[a:b]
    if _METRIC_WORDS.search(phrase) or (phrase.isupper() and len(phrase) <= 6):
        return True
    unit = _unit_at(spans, a)
    if unit is None:
        return False
    if _METRIC_CONTEXT.search(unit.text):
        return True
    label, _ = _label_for(text, a, unit, spans)
    return label is not None


def _trim(text: str, a: int, b: int) -> int:
    """Cut a definitional phrase at the first clause boundary that starts a new thought."""
    seg = text[a:b]
    for m in _CUT.finditer(seg):
        # keep "who post or comment", cut ", and crash rate"
        if m.start() < 6:
            continue
        rest = seg[m.end():]
        starts_metric = any(lm.pattern.match(rest) for lm in lexicon()) or re.match(
            r"(?:%|percent|share|number|#|the number|average|avg|median|rate)\b", rest, re.I
        )
        if m.group(0).startswith(",") and not starts_metric and not re.match(
            r",?\s+(?:and|or|plus|but|because|since|so|which|to)\b", m.group(0), re.I
        ):
            continue
        if starts_metric or not re.match(r"\s*(?:or|and)\s", m.group(0), re.I):
            return a + m.start()
    return a + len(seg.rstrip(" ,-"))


def _good_rate(s: str) -> bool:
    words = s.split()
    return bool(words) and not _RATE_NOISE.match(words[0]) and not re.search(
        r"\b(?:first time|same time|real time|long time|over time|this time|any time|on time|next time|"
        r"spend time|spent time|at a time|part time|full time|one time|some time|free time)\b",
        s,
        re.I,
    )


def _unit_at(spans: list[Unit], pos: int) -> Unit | None:
    i = _bisect(spans, pos)
    if 0 <= i < len(spans) and spans[i].start <= pos < spans[i].end:
        return spans[i]
    return None


def _bisect(spans: list[Unit], pos: int) -> int:
    lo, hi = 0, len(spans)
    while lo < hi:
        mid = (lo + hi) // 2
        if spans[mid].start <= pos:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


@functools.lru_cache(maxsize=4096)
def _labels_in(segment: str) -> tuple[tuple[int, TierOut, str], ...]:
    """Every tier label in a clause: (offset, tier, words), by offset."""
    found = [(m.start(), tier, m.group(0)) for tier, rx in LABELS for m in rx.finditer(segment)]
    return tuple(sorted(found, key=lambda x: x[0]))


def _label_for(text: str, a: int, unit: Unit | None, spans: list[Unit]) -> tuple[TierOut | None, str | None]:
    """The tier label that governs position ``a``: in its clause, else its heading."""
    if unit is None:
        return None, None
    rel = a - unit.start
    labels = _labels_in(unit.text)
    before = [x for x in labels if x[0] + len(x[2]) <= rel]
    if before:
        return before[-1][1], before[-1][2]
    for off, tier, words in labels:
        if off >= rel and re.search(r"\b(?:as|be|is|for|would|will|my|our|the)\b", unit.text[rel:off], re.I):
            return tier, words
    idx = _bisect(spans, unit.start)
    # a label earlier in the same line (e.g. "North star: X. It measures ...")
    for prev in reversed(spans[:idx]):
        if prev.line != unit.line:
            break
        pl = _labels_in(prev.text)
        if pl and (prev.text.rstrip().endswith(":") or len(prev.text.split()) <= 4):
            return pl[0][1], pl[0][2]
    # a heading above, while we are still in its list
    for prev in reversed(spans[:idx]):
        if prev.line == unit.line:
            continue
        pl = _labels_in(prev.text)
        if prev.heading or prev.text.rstrip().endswith(":"):
            return (pl[0][1], pl[0][2]) if pl else (None, None)
        if not prev.bullet:
            if unit.bullet and pl:
                # bullets directly under a labelled sentence ("My guardrails would be:")
                return pl[0][1], pl[0][2]
            return None, None
    return None, None


def _judge(
    text: str,
    a: int,
    b: int,
    kind: str,
    payload: Any,
    unit: Unit | None,
    spans: list[Unit],
    scenario: Scenario | None,
) -> Mention:
    phrase = text[a:b]
    cat: Metric | None = payload if kind == "catalog" else None
    lex: LexMetric | None = payload if kind == "lexicon" else None
    fuzzy = False
    if cat is None and scenario is not None and kind in ("ratio", "count", "per", "rate", "lexicon", "periodic"):
        cat = _closest(scenario, phrase)
        fuzzy = cat is not None
    if lex is None and cat is None:
        for lm in lexicon():
            if lm.pattern.search(_numerator(phrase)) and kind in ("count", "rate", "per", "periodic"):
                lex = lm
                break

    label, label_text = _label_for(text, a, unit, spans)
    unit_text = unit.text if unit else phrase
    context_before = text[unit.start if unit else a : a]
    context_after = text[b : unit.end if unit else b]
    rejected = bool(_REJECT_BEFORE.search(context_before[-60:]) or _REJECT_AFTER.match(context_after)
                    or _REJECT_TAIL.search(context_after))

    # vanity, with reason and a better metric for this product
    indicator: str
    if cat is not None and fuzzy and kind in ("count", "per", "periodic", "ratio") and _value_or_activity(phrase) is not None:
        vanity = bool(_value_or_activity(phrase))
        reason = (cat.vanity_reason or "") if vanity and cat.vanity else (_WORDING_REASON if vanity else "")
        suggestion = _suggest(scenario, cat if cat.vanity else None) if vanity else ""
        name = cat.name
        indicator = cat.indicator
    elif cat is not None:
        vanity = cat.vanity
        reason = cat.vanity_reason or ""
        suggestion = _suggest(scenario, cat)
        name = cat.name
        indicator = cat.indicator
    elif lex is not None:
        vanity = lex.vanity
        if kind in ("count", "per", "rate") and vanity and _RATIO_FORM.search(phrase) and _VALUE_WORDS.search(phrase):
            vanity = False
        reason = lex.reason if vanity else ""
        suggestion = _suggest(scenario, None, lex) if vanity else ""
        name = lex.name
        indicator = lex.indicator
    elif kind in ("count", "per", "periodic", "labelled") and _value_or_activity(phrase) is not None:
        vanity = bool(_value_or_activity(phrase))
        reason = _WORDING_REASON if vanity else ""
        suggestion = _suggest(scenario, None) if vanity else ""
        name = phrase.strip()
        indicator = "leading"
    else:
        vanity, reason = _wording_vanity(kind, phrase)
        suggestion = _suggest(scenario, None) if vanity else ""
        name = phrase.strip()
        indicator = "leading"

    # tier: the candidate's label, then the catalog, then the lexicon, then wording
    tier: TierOut
    if rejected:
        tier, source = "unclassified", "rejected"
    elif label is not None:
        tier, source = label, "label"
    elif _GUARD_WORDS.search(phrase) and not (cat is not None and cat.vanity):
        tier, source = "guardrail", "wording"
    elif lex is not None and lex.id in _VAGUE and cat is None:
        tier, source = "unclassified", "lexicon"
    elif cat is not None:
        tier, source = _catalog_tier(scenario, cat), "catalog"
    elif lex is not None:
        tier, source = lex.tier, "lexicon"
        if _GUARD_WORDS.search(phrase):
            tier = "guardrail"
    elif _GUARD_WORDS.search(phrase):
        tier, source = "guardrail", "wording"
    elif kind in ("ratio", "per", "count"):
        tier, source = "input", "wording"
    else:
        tier, source = "unclassified", "wording"

    defined = bool(_RATIO_FORM.search(phrase) and (_WINDOW.search(phrase) or _WINDOW.search(unit_text)))
    return Mention(
        text=phrase,
        start=a,
        end=b,
        name=name,
        tier=tier,
        tier_source=source,
        vanity=vanity,
        reason=reason,
        suggestion=suggestion,
        indicator=indicator,
        defined=defined,
        rejected=rejected,
        catalog_id=cat.id if cat else None,
        lexicon_id=lex.id if lex else None,
        label_text=label_text,
    )


_WORDING_REASON = "a raw count of activity grows with volume and marketing, not with the value each user gets."
_SUCCESS = re.compile(
    r"\b(?:success\w*|complet\w*|purchas\w*|book(?:ed|ing)s?|hire[sd]?|match(?:ed|es)|resolv\w*|retain\w*|repeat|"
    r"transact\w*|earn\w*|arriv\w*|deliver(?:ed|ies)|paid|revenue|gmv|follows|saves?|saved|repl(?:y|ies|ied)|"
    r"answered|converted|conversion|finish\w*|perfect|on[- ]time|accepted|confirmed|sold)\b",
    re.I,
)
_ACTIVITY = re.compile(
    r"\b(?:users|members|people|accounts|downloads?|installs?|views?|visits?|impressions?|posts?|likes?|followers?|"
    r"sessions?|clicks?|page ?views?|sign[- ]?ups?|groups|videos|messages|notifications|opens?|listings|minutes|hours|"
    r"reels|stories|shorts|tweets|content|searches|reviews|connections|ratings|thumbs|streaks?|uploads?|watched|"
    r"uploaded|started|created|sent|opened|viewed|joined|added|written|registered|actives|time spent)\b",
    re.I,
)


def _numerator(phrase: str) -> str:
    return re.split(r"\s+(?:per|/)\s+", phrase, maxsplit=1)[0]


def _value_or_activity(phrase: str) -> bool | None:
    """True for a count of activity, False for a count of outcomes, None when unclear."""
    num = _numerator(phrase)
    if _SUCCESS.search(num) or _VALUE_WORDS.search(phrase) or _GUARD_WORDS.search(num):
        return False
    if re.search(r"\b(?:daily|weekly|monthly|total|registered|l28|l7)\s+active\b|\bactive (?:users|members)\b", phrase, re.I):
        return True
    if _ACTIVITY.search(num):
        return True
    return None


def _wording_vanity(kind: str, phrase: str) -> tuple[bool, str]:
    if kind == "ratio":
        if _ACTIVITY_ONLY.search(phrase) and not _VALUE_WORDS.search(phrase):
            return True, "it counts people who showed up, not people who got something done."
        return False, ""
    if kind == "count" and _COUNT_VANITY.search(phrase) and not _VALUE_WORDS.search(phrase):
        if re.search(r"\b(?:success|complet|purchas|book|hire|match|resolv|retain|repeat)\w*", phrase, re.I):
            return False, ""
        return True, "a raw count grows with volume and marketing, not with the value each user gets."
    return False, ""


def _closest(scenario: Scenario, phrase: str) -> Metric | None:
    toks = content_tokens(phrase)
    if len(toks) < 2:
        return None
    best, best_score = None, 0.0
    for ctoks, m in catalog_for(scenario).tokens:
        inter = len(toks & ctoks)
        score = inter / max(1, min(len(toks), 12))
        if score > best_score:
            best, best_score = m, score
    return best if best_score >= 0.6 else None


def _catalog_tier(scenario: Scenario | None, m: Metric) -> TierOut:
    if m.vanity:
        return "input" if "input" in m.tiers else m.tiers[0] if m.tiers[0] != "north_star" else "input"
    if scenario is not None:
        rec = scenario.recommendation
        if any(g.metric == m.id for g in rec.guardrails):
            return "guardrail"
        if any(s.metric == m.id for s in rec.secondary):
            return "input"
    if "input" in m.tiers:
        return "input"
    if "guardrail" in m.tiers:
        return "guardrail"
    return "input"


def _first_sentence(text: str) -> str:
    m = re.match(r"(.+?[.;])(?:\s|$)", text)
    return (m.group(1) if m else text).rstrip(";") + ("" if (m and m.group(1).endswith(".")) else ".")


def _suggest(scenario: Scenario | None, cat: Metric | None, lex: LexMetric | None = None) -> str:
    if scenario is not None:
        if cat is not None and cat.value_alternative:
            alt = scenario.metric(cat.value_alternative)
            return f"{alt.name}: {_first_sentence(alt.definition)}"
        ns = scenario.metric(scenario.recommendation.north_star.metric)
        return f"{ns.name}: {_first_sentence(ns.definition)}"
    if lex is not None and lex.suggestion:
        return lex.suggestion
    return "a defined rate of users who get the product's core value (who, out of whom, over what window)"
