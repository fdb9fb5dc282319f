"""Find metric mentions in free text, match them to a catalog, and judge tier and vanity."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from ..models import Metric, Scenario
from .text import Unit, content_tokens

TierOut = Literal["north_star", "input", "guardrail", "unclassified"]
LEXICON = Path(__file__).resolve().parent.parent / "data" / "lexicon" / "metrics.yaml"


@dataclass(frozen=True)
class LexMetric:
    id: str
    name: str
    pattern: re.Pattern[str]
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
    for m in scenario.metrics:
        phrases = sorted({m.name.lower(), *[a.lower() for a in m.aliases]}, key=len, reverse=True)
        rx = "|".join(_alias_regex(p) for p in phrases if len(p) >= 2)
        pats.append((re.compile(rf"(?<![\w/])(?:{rx})(?![\w/])", re.I), m))
        toks.append((frozenset(content_tokens(m.name + " " + m.definition)), m))
    return Catalog(scenario, tuple(pats), tuple(toks))


# A definitional phrase: "% of weekly active members who post ...", "share of buyers who ..."
_RATIO = re.compile(
    r"(?<!\w)(?:\d{1,3}\s*%|%|percent(?:age)?|share|proportion|fraction|ratio|rate)\s+of\s+"
    r"(?:the\s+)?[\w$#][^.;:\n()?!]{2,160}",
    re.I,
)
_COUNT = re.compile(
    r"(?<!\w)(?:(?:total|average|avg\.?|mean|median)\s+)?(?:number|count|#|no\.|amount|volume)\s+of\s+"
    r"[\w][\w\s\-']{1,60}",
    re.I,
)
_PER = re.compile(
    r"(?<!\w)(?:(?:average|avg\.?|mean|median)\s+)?[a-z][\w\-]*(?:\s+[a-z][\w\-]*){0,3}\s+"
    r"(?:per|/)\s+(?:(?:weekly|daily|monthly|active|1,?000|thousand|100)\s+)*"
    r"(?:user|member|dau|mau|wau|session|day|week|month|visitor|buyer|seller|rider|driver|host|"
    r"guest|viewer|creator|subscriber|order|trip|listing|post|impression|view|request|message|"
    r"search|lesson|learner|team|workspace|account|customer|household)s?\b",
    re.I,
)
_RATE = re.compile(
    r"(?<!\w)(?:[a-z][\w\-]*\s+){1,3}(?:rate|ratio|score|time|latency)s?\b",
    re.I,
)
_RATE_NOISE = re.compile(
    r"^(?:at the same|over|the same|this|that|any|some|a|the|first|next|last|same|real|long|"
    r"short|more|less|in|on|at|by|of|for|and|to|with|what|which|my|our|their|its|is|it|was|"
    r"spend|spent|one)$",
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
_REJECT_BEFORE = re.compile(
    r"(?:instead of|rather than|not|avoid|avoiding|other than|vanity metrics? (?:like|such as)|"
    r"(?:i|we)(?:'d| would) not (?:use|pick|choose)|wouldn't (?:use|pick|choose)|"
    r"don't (?:use|pick|want)|not just|beyond|more than just|over)\s+(?:\w+\s+){0,2}$",
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

_GUARD_WORDS = re.compile(
    r"\b(?:crash|errors?|latency|load time|spam|reports?|report rate|abuse|fraud|scam|block|hide|"
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
    if scenario is not None:
        for rx, m in catalog_for(scenario).patterns:
            for mt in rx.finditer(text):
                cands.append((mt.start(), mt.end(), "catalog", m))
    for lm in lexicon():
        for mt in lm.pattern.finditer(text):
            cands.append((mt.start(), mt.end(), "lexicon", lm))
    for rx, kind in ((_RATIO, "ratio"), (_COUNT, "count"), (_PER, "per"), (_RATE, "rate")):
        for mt in rx.finditer(text):
            a, b = mt.start(), _trim(text, mt.start(), mt.end())
            if kind == "rate" and not _good_rate(text[a:b]):
                continue
            if b - a >= 4:
                cands.append((a, b, kind, None))

    # Longest first, with catalog and lexicon names preferred over generic shapes of equal
    # reach; a generic definitional phrase that contains a named metric keeps the whole span.
    rank = {"ratio": 0, "catalog": 1, "count": 2, "per": 2, "lexicon": 3, "rate": 4}
    cands = [c for c in cands if c[2] != "catalog" or _catalog_plausible(text, c[0], c[1], spans)]
    cands.sort(key=lambda c: (-(c[1] - c[0]), rank[c[2]], c[0]))
    taken: list[tuple[int, int, str, Any]] = []
    for c in cands:
        if any(c[0] < t[1] and t[0] < c[1] for t in taken):
            continue
        taken.append(c)
    taken.sort()
    out = []
    for a, b, kind, payload in taken:
        unit = _unit_at(spans, a)
        out.append(_judge(text, a, b, kind, payload, unit, spans, scenario))
    return out


_METRIC_CONTEXT = re.compile(
    r"\bmetrics?\b|\bmeasur\w*|\btrack\w*|\bkpis?\b|\bnorth[\s-]*star|\bguard[\s-]*rails?|\bsecondary|\binput|"
    r"\bhealth\b|\bcounter|\bmonitor\w*|\bwatch\w*|\bnsm\b|%|\brate\b|\bsuccess\b|\bkeep an eye|\blook at\b|\bdashboard",
    re.I,
)
_METRIC_WORDS = re.compile(
    r"\b(?:rate|ratio|%|per|share|count|number|time|retention|churn|users?|members?|dau|wau|mau|score|revenue|"
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
    for u in spans:
        if u.start <= pos < u.end:
            return u
    return None


def _label_for(text: str, a: int, unit: Unit | None, spans: list[Unit]) -> tuple[TierOut | None, str | None]:
    """The tier label that governs position ``a``: in its clause, else its heading."""
    if unit is not None:
        before = text[unit.start:a]
        best: tuple[int, TierOut, str] | None = None
        for tier, rx in LABELS:
            for m in rx.finditer(before):
                if best is None or m.start() > best[0]:
                    best = (m.start(), tier, m.group(0))
        if best:
            return best[1], best[2]
        after = text[a:unit.end]
        for tier, rx in LABELS:
            am = rx.search(after)
            if am and re.search(r"\b(?:as|be|is|for|would|will|my|our|the)\b", after[: am.start()], re.I):
                return tier, am.group(0)
        # a label earlier in the same line (e.g. "North star: X. It measures ...")
        for prev in reversed(spans):
            if prev.start >= unit.start or prev.line != unit.line:
                continue
            for tier, rx in LABELS:
                pm = rx.search(prev.text)
                if pm and prev.text.rstrip().endswith(":"):
                    return tier, pm.group(0)
        # a heading above, while we are still in its list
        idx = spans.index(unit)
        for prev in reversed(spans[:idx]):
            if prev.line == unit.line:
                continue
            if prev.heading or prev.text.rstrip().endswith(":"):
                for tier, rx in LABELS:
                    hm = rx.search(prev.text)
                    if hm:
                        return tier, hm.group(0)
                return None, None
            if not prev.bullet and not unit.bullet:
                return None, None
            if not prev.bullet and unit.bullet:
                # bullets directly under a labelled sentence ("My guardrails would be:")
                for tier, rx in LABELS:
                    bm = rx.search(prev.text)
                    if bm:
                        return tier, bm.group(0)
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
    if cat is None and scenario is not None and kind in ("ratio", "count", "per", "rate", "lexicon"):
        cat = _closest(scenario, phrase)
    if lex is None and cat is None:
        for lm in lexicon():
            if lm.pattern.search(phrase) and kind in ("count", "rate", "per"):
                lex = lm
                break

    label, label_text = _label_for(text, a, unit, spans)
    unit_text = unit.text if unit else phrase
    context_before = text[unit.start if unit else a : a]
    context_after = text[b : unit.end if unit else b]
    rejected = bool(_REJECT_BEFORE.search(context_before[-60:]) or _REJECT_AFTER.match(context_after))

    # vanity, with reason and a better metric for this product
    if cat is not None:
        vanity = cat.vanity
        reason = cat.vanity_reason or ""
        suggestion = _suggest(scenario, cat)
        name = cat.name
        indicator: str = cat.indicator
    elif lex is not None:
        vanity = lex.vanity
        if kind in ("count", "per", "rate") and vanity and _RATIO_FORM.search(phrase) and _VALUE_WORDS.search(phrase):
            vanity = False
        reason = lex.reason if vanity else ""
        suggestion = _suggest(scenario, None, lex) if vanity else ""
        name = lex.name
        indicator = lex.indicator
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


def _suggest(scenario: Scenario | None, cat: Metric | None, lex: LexMetric | None = None) -> str:
    if scenario is not None:
        if cat is not None and cat.value_alternative:
            alt = scenario.metric(cat.value_alternative)
            return f"{alt.name}: {alt.definition}"
        ns = scenario.metric(scenario.recommendation.north_star.metric)
        return f"{ns.name}: {ns.definition}"
    if lex is not None and lex.suggestion:
        return lex.suggestion
    return "a defined rate of users who get the product's core value (who, out of whom, over what window)"
