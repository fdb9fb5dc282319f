"""Metric mentions: where a candidate names a measure, what form it has, what it means, what
they are doing with it, and whether it is a vanity pick.

Pipeline for one text (a ``structure.Doc``):
1. candidates: the product catalog's names, the generic lexicon, definitional shapes ("% of
   X who ...", "number of ...", "X per Y"), and whatever follows a metric label or sits in a
   list under one;
2. form: unit (count, rate, average, duration, money, score), denominator, window, a filter
   down to value ("who post and get a reply"), per-user normalisation, a return measure;
3. meaning: the catalog metric it paraphrases (by meaning, not by words), and whether the
   counted thing reads as activity or as value;
4. role: proposed as success, a guardrail, dismissed, a segment, a restatement of the
   interviewer's facts, or prose context; then tier and vanity, aware of the product.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from ..models import Metric, Scenario
from . import cues, meaning, structure, value
from .structure import Doc
from .text import Unit, lower_same_length, nocase

TierOut = Literal["north_star", "input", "guardrail", "unclassified"]
Role = Literal["success", "guardrail", "rejected", "segment", "restatement", "context"]
LEXICON = Path(__file__).resolve().parent.parent / "data" / "lexicon" / "metrics.yaml"

#: Products whose business runs on consumption: their own time metric is a defensible north star.
CONSUMPTION_KINDS = frozenset({"content"})


@dataclass(frozen=True)
class LexMetric:
    id: str
    name: str
    pattern: re.Pattern[str]
    prefixes: tuple[str, ...]
    tier: TierOut
    vanity: bool
    kind: str  # activity | value | money | guard | vague | rate
    indicator: str
    reason: str
    suggestion: str


@dataclass(frozen=True)
class Form:
    unit: str  # rate | average | duration | money | score | count | unknown
    denominator: bool
    window: bool
    quality: bool
    per_user: bool
    retention: bool

    def to_json(self) -> dict[str, Any]:
        return {"unit": self.unit, "denominator": self.denominator, "window": self.window,
                "quality_filter": self.quality, "per_user": self.per_user, "retention": self.retention}


@dataclass
class Mention:
    text: str
    start: int
    end: int
    name: str
    tier: TierOut
    tier_source: str  # "label" | "wording" | "catalog" | "lexicon" | "rejected" | "role"
    vanity: bool
    reason: str
    suggestion: str
    indicator: str
    defined: bool
    rejected: bool = False
    catalog_id: str | None = None
    lexicon_id: str | None = None
    label_text: str | None = None
    role: Role = "success"
    form: Form | None = None
    defensible: bool = False
    caveat: str = ""
    similarity: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """What identifies the measure: its catalog metric when named as such, else its words
        (two different phrases that are only near one catalog metric are two measures)."""
        if self.catalog_id and (self.similarity or 0) >= 0.99:
            return self.catalog_id
        return re.sub(r"\s+", " ", self.text.lower().strip())

    @property
    def used(self) -> bool:
        """Put forward by the candidate: as a success measure or a guardrail."""
        return self.role in ("success", "guardrail")

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
            "role": self.role,
            "form": self.form.to_json() if self.form else None,
            "defensible": self.defensible,
            "caveat": self.caveat,
        }


# --------------------------------------------------------------------------- lexicon


def _prefixes(patterns: list[str]) -> tuple[str, ...]:
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
        out.append(LexMetric(
            id=m["id"], name=m["name"],
            pattern=re.compile(rf"(?<![\w/])(?:{pat})(?![\w/])", re.I),
            prefixes=_prefixes(m["patterns"]), tier=m["tier"], vanity=m["vanity"], kind=m["kind"],
            indicator=m["indicator"], reason=m["reason"], suggestion=m["suggestion"],
        ))
    return tuple(out)


@dataclass(frozen=True)
class Catalog:
    scenario: Scenario
    patterns: tuple[tuple[re.Pattern[str], Metric], ...]
    prefixes: tuple[tuple[str, ...], ...]


_CATALOGS: dict[int, Catalog] = {}


def _alias_regex(phrase: str) -> str:
    parts = [re.escape(p) for p in re.split(r"[\s\-_]+", phrase.strip().lower()) if p]
    return r"[\s\-]*".join(parts)


def catalog_for(scenario: Scenario) -> Catalog:
    hit = _CATALOGS.get(id(scenario))
    if hit is not None and hit.scenario is scenario:
        return hit
    if len(_CATALOGS) > 64:
        _CATALOGS.clear()
    pats, prefs = [], []
    for m in scenario.metrics:
        phrases = sorted({m.name.lower(), *[a.lower() for a in m.aliases]}, key=len, reverse=True)
        prefs.append(tuple(sorted({re.split(r"[\s\-_]+", p.strip())[0] for p in phrases if len(p) >= 2})))
        rx = "|".join(_alias_regex(p) for p in phrases if len(p) >= 2)
        pats.append((re.compile(rf"(?<![\w/])(?:{rx})(?![\w/])", re.I), m))
    cat = Catalog(scenario, tuple(pats), tuple(prefs))
    _CATALOGS[id(scenario)] = cat
    return cat


# --------------------------------------------------------------------------- shapes

_STOP_CHARS = r"[^.;:\n()?!]"
_RATIO = re.compile(
    r"(?<!\w)(?:\d{1,3}(?:\.\d)?\s*%|%|percent(?:age)?|pct|share|proportion|fraction|ratio|rate|likelihood)\s+of\s+"
    rf"(?:the\s+|all\s+)?[\w$#]{_STOP_CHARS}{{2,200}}"
    # plain: "the share who reserve ...", "what share of ...", "how much of that time ..."
    rf"|(?<!\w)(?:the[ \t]+|what[ \t]+)?(?:share|fraction|proportion|percentage|portion)[ \t]+(?:who|that|which|they|of them|of it)\b{_STOP_CHARS}{{2,200}}"
    rf"|(?<!\w)how much of[ \t]+{_STOP_CHARS}{{2,200}}"
    rf"|(?<!\w)what[ \t]+(?:share|percentage|fraction|proportion|portion|percent)\b{_STOP_CHARS}{{2,200}}"
    # formulas in notes: "(feed ad $ + promo $) / wkly buyers", "threads + cmts + replies / day"
    r"|\([^()\n]{3,120}\)\s*/\s*[\w#$][^.;:\n()?!]{1,60}"
    r"|(?<![\w'])[\w#$'][\w#$' -]{1,30}(?:\s*\+\s*[\w#$'][\w#$' -]{1,30}){1,6}\s*/\s*[\w#$][^.;:\n()?!]{1,60}"
    # terse: "% listings w/ 1st booking <=30d", "req completion %"
    rf"|(?<![\w%])%\s*(?!of\b)[a-z#][\w\-]*{_STOP_CHARS}{{2,120}}"
    r"|(?<![\w'])[a-z][\w\-]*(?:[ \t]+[a-z][\w\-]*){0,3}[ \t]*%(?!\s*of\b)(?:[ \t]+(?:of|in|w/|within|<|>|≤|≥)[^.;\n()?!]{1,60})?",
    re.I,
)
_COUNT = re.compile(
    r"(?<!\w)(?:(?:total|average|avg\.?|mean|median|weekly|daily|monthly|the)[ \t]+)?(?:number|count|#|no\.|amount|volume|quantity|sum|tally)"
    rf"[ \t]*of[ \t]+[\w]{_STOP_CHARS}{{1,200}}|(?<!\w)how (?:many|often|much|long|quickly|fast|soon)[ \t]+{_STOP_CHARS}{{2,200}}"
    # notes: "# orders submitted / 7d", "avg mins / consumer / wk", "median days to ...", "$ value of orders"
    rf"|(?<![\w#])#[ \t]*(?!of\b)[a-z][\w\-]*{_STOP_CHARS}{{1,160}}"
    rf"|(?<![\w'])(?:avg\.?|average|mean|median|p50|p90|p95)[ \t]+(?!of\b|(?:day|week|month|year|time|person|user)\b)[a-z$][\w\-$]*{_STOP_CHARS}{{1,160}}"
    rf"|(?<![\w'])(?:total[ \t]+)?\$[ \t]*(?:value[ \t]+)?[a-z][\w\-]*{_STOP_CHARS}{{1,160}}"
    rf"|(?<![\w'])total[ \t]+(?:[a-z]+[ \t]+)?(?:value|\$|dollars|amount|time|hours|minutes)[ \t]*(?:of[ \t]+)?{_STOP_CHARS}{{2,160}}"
    # "the total points everybody racks up in a week"
    rf"|(?<![\w'])(?:the[ \t]+)?total[ \t]+(?!of\b|cost\b)[a-z][\w-]*{_STOP_CHARS}{{1,160}}"
    # "what Dashers make for each hour on a job", "what members pay per month"
    rf"|(?<![\w'])what[ \t]+(?:[\w'-]+[ \t]+){{0,3}}(?:make|makes|earn|earns|take home|takes home|get paid|gets paid|spend|spends|pay|pays)\b{_STOP_CHARS}{{2,160}}"
    # "more people sending a reel to a friend who then opens it": a count said as a wish
    rf"|(?<![\w'])(?:more|fewer)[ \t]+(?:(?:new|active|paying|regular)[ \t]+)?(?:people|members|users|riders|drivers|hosts|"
    rf"guests|buyers|sellers|viewers|creators|learners|listeners|customers|shoppers|teams|families|admins|newcomers|folks|"
    rf"workspaces|listings|stores|merchants)[ \t,]+[a-z]+\b{_STOP_CHARS}{{2,160}}"
    # "the hours people spend watching each month per member"
    rf"|(?<![\w'])(?:the[ \t]+)?(?:hours|minutes|time)[ \t]+(?:that[ \t]+)?(?:people|users|members|viewers|listeners|learners|"
    rf"riders|customers|visitors|they|we|each[ \t]+\w+)[ \t]+[a-z]+{_STOP_CHARS}{{1,120}}",
    re.I,
)
_PER = re.compile(
    r"(?<![\w'])(?:(?:average|avg\.?|mean|median)[ \t]+)?[a-z0-9][\w\-]*(?:[ \t]+[a-z][\w\-]*){0,3}[ \t]*"
    r"(?:per|(?<!\bw)/)[ \t]*(?:(?:weekly|daily|monthly|active|1,?000|1k|10k|thousand|100|\d+k|\d+,?\d*|million)[ \t]+)*"
    r"(?:user|member|dau|mau|wau|session|day|week|month|visitor|buyer|seller|rider|driver|host|"
    r"guest|viewer|creator|subscriber|order|trip|listing|post|impression|imp|imps|view|request|message|"
    r"search|lesson|learner|team|workspace|account|customer|household|hour|minute|title|delivery|deliveries|"
    r"ride|booking|stay|night|k|million|dasher|merchant|restaurant|dollar|install|person|people|listener|"
    r"play|stream|conversation|chat|job|applicant|application|seat|admin|group|profile|device|wk|mo|yr|hr|min|visit)s?"
    r"(?:[ \t-]+(?:post|thread|message|view|session|order|trip|delivery|deliveries|booking|search|stay|chat|listing|impression|"
    r"visit|ride|night|play|stream|page|video|reel|member|user)s?)?\b",
    re.I,
)
_RATE = re.compile(r"(?<![\w'])(?:[a-z0-9][\w\-/]*[ \t]+){1,3}(?:rate|ratio|score|time|latency|share|retention|churn|nps|csat)s?\b", re.I)
_RATE_NOISE = re.compile(
    r"^(?:at|over|the|this|that|any|some|a|an|first|next|last|same|real|long|short|more|less|in|on|by|of|for|and|to|with|"
    r"what|which|my|our|their|its|is|it|was|spend|spent|one|no|every|each|from|about|save|saves|saving|takes?|took|"
    r"waste|wasting|most|much|less|half|full|part|free|good|great|bad|right|wrong|lot|lots|high|low|mean|but|so|or|if|"
    r"i|we|you|they|he|she|be|been|being|have|has|had|do|does|did|not|also|just|only|really|very|then|when|while|"
    r"market|at the)$",
    re.I,
)
_RATE_IDIOM = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|several|many|multiple|a few|how many)\s+times\b|"
    r"\b(?:first time|same time|real time|long time|over time|this time|any time|on time|next time|spend time|"
    r"spent time|at a time|part time|full time|one time|some time|free time|in time|every time|whole time|"
    r"the time|a time|time to time|prime time|market share|fair share|lion's share|screen time budget)\b",
    re.I,
)
_PERIODIC = re.compile(
    r"(?<![\w-])(?:daily|weekly|monthly|annual|yearly|d7|d28|d30|l7|l28|total|registered)[ \t]+(?:[a-z][\w-]*[ \t]+){0,2}"
    r"(?:users|members|buyers|sellers|riders|drivers|hosts|guests|viewers|creators|learners|subscribers|customers|"
    r"accounts|teams|listeners|dashers|merchants|actives|transactors|savers|players|readers|shoppers|people|"
    r"participants|posters|contributors|uploaders|bookers|travell?ers|swipers|members)\b",
    re.I,
)
_FRONTED = re.compile(
    r"(?:^|[.;:?!]\s+|\b(?:and|then|also|so|plus)\s+|,\s+)(?P<front>(?:out )?of (?:the |all |every |a given |each |those |these )?"
    r"[^,.;:?!\n]{3,140}),\s*(?:the |what |how )?$",
    re.I,
)
_DENOMINATOR_BEFORE = re.compile(r"(?:\bout of|\bper|\bdivided by|/|\bover)\s+(?:all\s+|the\s+|every\s+|[\d,.]+k?\s+)*(?:[\w-]+\s+){0,2}$", re.I)
_LIST_GAP = re.compile(r"^\s*(?:,\s*|,?\s*(?:or|and|nor|as well as|/|&)\s+|\s*\+\s*)(?:(?:even|just|also|the|total|raw|any|our|their|plain|gross|overall)\s+)*$", re.I)
#: "measure <thing> by <measure>": the thing measured, then the measure
_BY_FRAME = re.compile(r"\b(?:measure|judge|grade|score|evaluate|assess|rate)\s+$", re.I)
_BY_OBJECT = re.compile(r"[\w'-]+(?:\s+[\w'-]+){0,2}?\s+by\s+", re.I)
_LEAD = re.compile(
    r"(?:(?:also|and|or|then|plus|i'?d|we'?d|would|should|will|to|we|i|our|my|the|a|an|track|tracking|watch|watching|"
    r"look|looking|at|measure|measuring|monitor|monitoring|use|using|make|keep|see|star|north|nsm|metric|metrics|"
    r"secondary|input|guardrail|guardrails|be|is|are|on|with|by|its|their|just|really|some|key|main|primary|core|"
    r"want|like|care|about|consider|pick|choose|go|for|optimi[sz]e|maximi[sz]e|increase|grow|improve|raise|boost|"
    r"judge|count|counting|it|this|that|them|us|add|adding|make|making|pick|picking|choose|choosing|go|going|with|is|be|"
    r"optimi[sz]ing|maximi[sz]ing|grade|call|set|d|ll|mainly|mostly|primarily|simply|probably|definitely|then|not|no|never|"
    r"avoid|skip|defend|borrow|adopt|propose|suggest|recommend|prefer|favou?r|argue|say|think|treat|take|keep|report|"
    r"follow|chase|grow|drive|push|hold|w/)[ \t]+)+",
    re.I,
)
_CUT = re.compile(
    r",?\s+(?:and|or|plus|as well as|but|because|since|so that|so|which|to see|to measure|to track|"
    r"to understand|as (?:my|our|the|a)|would be|will be|is (?:my|our|the)|as a|vs\.?|versus|while|whereas|"
    r"meaning|i\.e\.|e\.g\.|like)\s+|,\s+|\s+[-–—]\s+|\s+->\s+|\s+→\s+|"
    r"\s+(?:instead of|rather than|as opposed to|over|versus|vs\.?)\s+|"
    r"\s+(?:can't|cannot|can not|shouldn't|should not|must not|mustn't|won't|will not|doesn't|does not|don't|do not|"
    r"isn't|aren't|has to|have to|needs to|need to|should stay|should hold|must stay|must hold)\s+|"
    r"\s+(?=(?:fell|dropped|rose|declined|increased|decreased|grew|went (?:up|down)|(?:is|was|are|were) (?:down|up))\b)|"
    r"\s+(?=(?:is|are|was|were|'s)\s+(?:a|an|the|not|just|only|too|my|our|what|why|vanity|misleading|"
    r"tempting|useless|noisy|easy|hard|good|great|bad|fine|ok|meaningless|gameable|important|key|critical|down|up)\b)",
    re.I,
)
_DEF_TAIL = re.compile(
    r"\s*(?:[:=(]|\s[-–—]\s|,?\s*(?:i\.e\.|meaning|defined as|which (?:is|means)|where|that is|aka|counting|excluding|"
    r"including|measured as|read as|tightened to|restricted to|limited to|only counting))\s*([^\n.;]{3,220})", re.I)
_METRIC_WORD = re.compile(
    r"\b(?:rate|ratio|%|percent|per|share|count|number|time|retention|churn|dau|wau|mau|score|revenue|value|gmv|ctr|"
    r"nps|views?|sessions?|minutes|hours|days?|weekly|daily|monthly|within|p\d\d|latency|reports?|how many|total|avg|"
    r"average|median)\b",
    re.I,
)

_NUMBER = re.compile(r"(?<![\w.])[-+]?\$?\d[\d,]*(?:\.\d+)?\s*(?:%|pp|k|m|b|bn|billion|million|thousand|x)?(?![\w])", re.I)


def _num_key(s: str) -> str:
    return re.sub(r"[\s,$+]", "", s.lower()).replace("billion", "b").replace("bn", "b").replace("million", "m")


def _level(key: str) -> bool:
    """A number that states a level or a change (10%, 1.8b, 250k, 1,200), not a window (7, 30)."""
    return bool(re.search(r"[%bmkx]|pp$", key)) or (key.replace(".", "").isdigit() and float(key) >= 100)


def context_numbers(context: str | None) -> frozenset[str]:
    """Numbers the interviewer said (levels and changes), as comparable keys."""
    if not context:
        return frozenset()
    out = set()
    for m in _NUMBER.finditer(context):
        k = _num_key(m.group(0)).lstrip("-")
        if re.search(r"\d", k) and _level(k):
            out.add(k)
    return frozenset(out)


# --------------------------------------------------------------------------- finder


def find_mentions(text: str, spans: list[Unit] | Doc, scenario: Scenario | None, context: str | None = None,
                  stage: str | None = None) -> list[Mention]:
    """All metric mentions in ``text`` (offsets into it), left to right, non-overlapping.
    Segments and other phrases that only look like metrics are left out."""
    doc = spans if isinstance(spans, Doc) else structure.build(text)
    cands = _candidates(doc, scenario)
    taken = _resolve(doc, cands)
    numbers = context_numbers(context)
    out: list[Mention] = []
    for a, b, kind, payload in taken:
        m = _judge(doc, a, b, kind, payload, scenario, numbers, stage)
        if m is not None:
            out.append(m)
    _propagate_lists(doc, out)
    return out


def _candidates(doc: Doc, scenario: Scenario | None) -> list[tuple[int, int, str, Any]]:
    text = doc.text
    lowered = doc.low.replace("_", " ")  # "late_delivery_rate" reads as words; offsets unchanged
    cands: list[tuple[int, int, str, Any]] = []
    if scenario is not None:
        cat = catalog_for(scenario)
        for (rx, m), pre in zip(cat.patterns, cat.prefixes, strict=True):
            if _may_occur(pre, lowered):
                cands += [(mt.start(), mt.end(), "catalog", m) for mt in nocase(rx).finditer(lowered)]
    verb = cues.pattern("verb_subject")
    for lm in lexicon():
        if _may_occur(lm.prefixes, lowered):
            cands += [(mt.start(), mt.end(), "lexicon", lm) for mt in nocase(lm.pattern).finditer(lowered)
                      if not verb.search(lowered, max(0, mt.start() - 12), mt.start())]
    for rx, kind in ((_RATIO, "ratio"), (_COUNT, "count"), (_PER, "per"), (_RATE, "rate"), (_PERIODIC, "periodic")):
        for mt in _scan(nocase(rx), lowered, text, kind):
            a, b = mt.start(), _trim(text, mt.start(), mt.end(), kind)
            if kind in ("per", "rate", "periodic"):
                lead = _LEAD.match(text, a, b)
                if lead:
                    a = lead.end()
                by = _BY_OBJECT.match(text, a, b)
                if by and _BY_FRAME.search(text, max(0, a - 40), a):
                    a = by.end()  # "I'd measure Shorts by watch time per viewer": the measure follows "by"
                if kind == "rate":
                    conj = list(re.finditer(r"\b(?:or|and|nor|but|than|if|use|track|is|are|was|were|be|of)\s+", text[a:b], re.I))
                    if conj:
                        a += conj[-1].end()
                    if not _good_rate(text[a:b]):
                        continue
            if kind == "periodic" and re.match(r"[ \t]+(?:who|that|with)\b", text[b:b + 6]):
                stop = re.search(r"[.;:\n()?!]", text[b:b + 200])
                b = _trim(text, a, b + (stop.start() if stop else len(text[b:b + 200])), "count")
            if b - a >= 3:
                cands.append((a, b, kind, None))
    # a denominator said first ("Of the people who searched this week, the share who ...") belongs
    # to the measure that follows it
    fronted: list[tuple[int, int, str, Any]] = []
    for c in cands:
        if c[2] in ("ratio", "count"):
            s0 = text.rfind("\n", 0, c[0]) + 1
            fm = _FRONTED.search(text, max(s0, c[0] - 160), c[0])
            if fm is not None and fm.end() == c[0]:
                fronted.append((fm.start("front"), c[1], c[2], c[3]))
    cands += fronted
    # what follows a metric label ("NS: ...", "My guardrails would be ...") or sits in a list under one
    clause = re.compile(rf"\b(?:{'|'.join(cues.raw()['verb_subject'])})\s+(?!(?:is|are|was|were)\b)[a-z]+", re.I)
    for sec in doc.sections:
        if sec.role not in cues.METRIC_ROLES:
            continue
        if sec.source in ("prefix", "leadin"):
            for a, b in _items(text, sec.start, sec.end):
                if not clause.search(lowered, a, b):  # "see which segment it hits" is a clause, not a metric
                    cands.append((a, b, "labelled", sec))
        else:
            for ln in doc.lines:
                if ln.blank or ln.heading or ln.start < sec.start or ln.end > sec.end:
                    continue
                body = ln.label_end if ln.label_end is not None and structure.label_role(ln.label or "") else ln.body
                stop = re.search(r"\s[-–—]\s|:\s|\(|\s->\s|\s→\s|(?:,\s*|\s+)(?:because|since|so that|which|to (?:see|make|catch|keep|check))\b|[.;?!](?:\s|$)",
                                 text[body:ln.end])
                b = body + (stop.start() if stop else ln.end - body)
                b = len(text[:b].rstrip(" ,*_"))
                if 3 <= b - body <= 200:
                    cands.append((body, b, "labelled", sec))
    # a terse note under a label of no known kind ("SMB: reply <1h rate") names a measure when
    # its words have the form of one
    for ln in doc.lines:
        if ln.label is None or ln.label_end is None or structure.label_role(ln.label) is not None:
            continue
        if len(ln.label.split()) > 4 or structure._METRICISH.search(ln.label) or re.search(r"[/#%]", ln.label):
            continue  # "views/day = vanity": the label is the measure, what follows judges it
        stop = re.search(r"\s[-–—]\s|\(|\s->\s|\s→\s|(?:,\s*|\s+)(?:because|since|so that|which)\b|[.;?!](?:\s|$)",
                         text[ln.label_end:ln.end])
        b = ln.label_end + (stop.start() if stop else ln.end - ln.label_end)
        item = text[ln.label_end:b]
        f = parse_form(item)
        where = doc.section_at(ln.label_end)
        if where is not None and where.role in ("segments", "journeys", "rationale", "goals"):
            continue
        if 3 <= len(item.strip()) <= 120 and (f.unit in ("rate", "count", "average", "duration") or f.window
                                               or f.retention or re.search(r"[%#]", item)):
            cands.append((ln.label_end, len(text[:b].rstrip(" ,*_")), "labelled", None))
    # words inside a label of no known kind ("Retention: ...", "Dasher: ...") name a topic, not a measure
    topic = [(ln.body, ln.label_end) for ln in doc.lines
             if ln.label is not None and ln.label_end is not None and structure.label_role(ln.label) is None]
    cands = [c for c in cands if not any(t0 <= c[0] < t1 and c[1] <= t1 for t0, t1 in topic)]
    return [c for c in cands if not _DENOMINATOR_BEFORE.search(text[max(0, c[0] - 40):c[0]])]


def _scan(rx: re.Pattern[str], lowered: str, text: str, kind: str) -> list[re.Match[str]]:
    """Matches of a shape, each resumed where the previous one was trimmed, so a list of
    measures ("how many X, how many Y and how much Z") yields each of them."""
    out: list[re.Match[str]] = []
    pos = 0
    while True:
        mt = rx.search(lowered, pos)
        if mt is None:
            return out
        out.append(mt)
        pos = max(mt.start() + 1, _trim(text, mt.start(), mt.end(), kind))


_RELATIVE_END = re.compile(r"\b(?:who|whom|whose|that|which|where)(?:\s+(?:in|over|during|within)\s+the\s+last\s+\w+\s+\w+)?$", re.I)


def _items(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """The list items of a labelled stretch: "X, Y and Z", "X; Y", up to a reason."""
    seg = text[a:b]
    # a parenthesis inside a definition ("unique accounts (consumer and Workspace) whose ...")
    # does not end it: blank it out for the search, keeping the offsets
    seg_scan = re.sub(r"\([^()\n]{0,200}\)(?=\s+(?:who|whose|that|which|where|with)\b)", lambda m: " " * len(m.group(0)), seg)
    stop = re.search(r"(?:[.?!](?:\s|$))|\s*\(|[”\"]\s|\s[-–—]\s|;\s*(?=(?:if|when|so|because|since|that|this|it|we|i|they|which|but|and then|then)\b)"
                     r"|(?:,?\s+(?:because|since|as it|so that|which (?:is|means|tells)|given that|to make sure|to see if)\b)"
                     r"|\s+as (?:the|my|our|a) (?:north[\s-]*star|primary|main|headline|guard[\s-]*rail|secondary|input|counter)", seg_scan, re.I)
    if stop:
        seg = seg[:stop.start()]
    out: list[tuple[int, int]] = []
    pos = 0
    open_def = False  # the last item ended in "who"/"that": what follows, up to the end, defines it
    masked = seg_scan[:len(seg)]
    for part_m in re.split(r";\s*|,\s+(?:and\s+|or\s+)?(?=[A-Za-z%#\d$])|\s+(?:and|plus)\s+(?=(?:the\s+)?(?:%|#|\d|number|share|rate|count|more|fewer|higher|lower|less|[a-z]+ rate))", masked):
        idx = masked.find(part_m, pos)
        if idx < 0:
            continue
        pos = idx + len(part_m)
        part = seg[idx:pos]  # the words themselves, parentheses included
        stripped = re.sub(r"^(?:is|are|was|would be|will be|=|:)\s+(?:simply |just |basically |probably |really )?", "",
                          part.strip(" *_\"'"), flags=re.I)
        purpose = re.search(r"\s+(?:to (?:show|see|track|measure|catch|check|make sure|keep|spot|confirm|prove)|so (?:we|that))\b", stripped, re.I)
        if purpose:
            stripped = stripped[:purpose.start()]
        if open_def and out and part.strip():
            out[-1] = (out[-1][0], a + idx + len(part.rstrip(" ,")))  # "unique people who, in the last 7 days, ..."
            continue
        if len(stripped) >= 3 and not re.match(r"(?:if|when|so|because|since|that|this|it|we|we're|i|i'm|they|which|but)\b", stripped, re.I):
            lead = part.find(stripped)
            open_def = bool(_RELATIVE_END.search(stripped))
            if out and (re.search(r"\b(?:included|excluded|only|aside|counted|too)$", stripped, re.I)
                        or re.match(r"(?:counted|measured|read|tracked|reported|summed|averaged)\b", stripped, re.I)):
                out[-1] = (out[-1][0], a + idx + lead + len(stripped.rstrip(" ,")))  # "X, calls included"
                continue
            out.append((a + idx + lead, a + idx + lead + len(stripped.rstrip(" ,"))))
    return out


def _resolve(doc: Doc, cands: list[tuple[int, int, str, Any]]) -> list[tuple[int, int, str, Any]]:
    text = doc.text
    rank = {"ratio": 0, "catalog": 1, "count": 2, "per": 2, "lexicon": 3, "rate": 4, "periodic": 4, "labelled": 5}
    cands = [c for c in cands if c[2] != "catalog" or _catalog_plausible(doc, c[0], c[1])]
    # a short labelled item ("NS: time spent listening to the playlist") is one measure, whole;
    # a long one may hold several, so the named metrics inside it win
    named = [c for c in cands if c[2] in ("catalog", "lexicon")]

    def short_item(c: tuple[int, int, str, Any]) -> bool:
        if c[2] != "labelled" or len(text[c[0]:c[1]].split()) > 12:
            return False
        inner = sorted((n for n in named if c[0] <= n[0] and n[1] <= c[1]
                        and not _DENOMINATOR_BEFORE.search(text[max(c[0], n[0] - 40):n[0]])
                        and not re.search(r"(?:\bper|/|\bout of|\bof every)\s+(?:[\d,.]+k?\s+)?\w*\s*$", text[max(c[0], n[0] - 30):n[0]], re.I)),
                       key=lambda n: n[0])
        # "DAU and time spent" is two measures: the named ones win
        apart = [n for i, n in enumerate(inner) if i == 0 or n[0] >= inner[i - 1][1]]
        return len(apart) < 2
    def defined_item(c: tuple[int, int, str, Any]) -> bool:
        """A labelled definition built on one named measure ("experience bookings that took place
        as promised and went well ..."): one measure, whole; the name inside is its head."""
        if c[2] != "labelled" or len(text[c[0]:c[1]].split()) < 8:
            return False
        inner = [n for n in named if c[0] <= n[0] and n[1] <= c[1]]
        heads = [n for n in inner if n[0] - c[0] <= 40 and _QUALIFIED_AFTER.match(text, n[1], c[1])]
        return bool(heads) and all(n in heads or _CONDITION_NOUN.search(text, max(c[0], n[0] - 20), n[0]) for n in inner)

    # a name used as a noun inside a definition's condition ("had a session on 3 days", "sent a
    # message that got a reply") is part of that definition, not a second measure
    for c in [c for c in cands if c[2] == "labelled" and len(text[c[0]:c[1]].split()) >= 8]:
        named = [n for n in named if not (c[0] < n[0] and n[1] <= c[1]
                                          and _CONDITION_NOUN.search(text, max(c[0], n[0] - 20), n[0]))]
    cands = [c for c in cands if c[2] not in ("catalog", "lexicon") or c in named]
    cands.sort(key=lambda c: (c[2] == "labelled" and not (short_item(c) or defined_item(c)), -(c[1] - c[0]),
                              rank[c[2]], c[0]))
    taken: list[tuple[int, int, str, Any]] = []
    occupied = bytearray(len(text) + 1)
    for c in cands:
        if 1 in occupied[c[0]:c[1]]:
            continue
        occupied[c[0]:c[1]] = b"\x01" * (c[1] - c[0])
        taken.append(c)
    taken.sort(key=lambda c: c[0])
    # "successful trips/wk (pickup <= ETA+3m, no cancel)", "NS: nights stayed well = nights from stays
    # with no host cancellation": what follows a measure to define it is not a second measure
    out: list[tuple[int, int, str, Any]] = []
    for c in taken:
        if out and _in_definition(text, out[-1], c[0]):
            continue
        out.append(c)
    return out


_QUALIFIED_AFTER = re.compile(r"\s*(?:\([^()]{0,120}\)\s*)?,?\s*(?:that|who|whose|which|where|in which|with(?:out)?)\b", re.I)
_CONDITION_NOUN = re.compile(r"(?:\b(?:a|an|one|each|every|any|no|their|its|at least (?:\w+ )?|more than (?:\w+ )?)|\b\d[\d,.]*)\s*$", re.I)

_DEFINES = re.compile(r"[ \t]*(?:\(|=|:|,?[ \t]*(?:meaning|defined as|i\.e\.|where|which means|that is|counted as|counting)\b|[ \t][-–—][ \t])", re.I)


def _in_definition(text: str, prev: tuple[int, int, str, Any], a: int) -> bool:
    """Does ``a`` fall in the definition that follows the measure ``prev`` (same sentence)?"""
    m = _DEFINES.match(text, prev[1])
    if m is None or prev[2] not in ("labelled", "catalog", "periodic", "count", "ratio", "per", "lexicon"):
        return False
    if text[prev[1]:m.end()].strip() == "(":
        close = text.find(")", m.end())
        return close < 0 or a < close
    rest = re.sub(r"\([^()\n]{0,200}\)", lambda p: " " * len(p.group(0)), text[m.end():])  # "(a; b)" is inside
    # a semicolon ends the definition only when a new item or label follows it ("...; guardrails: Z");
    # "...; broadcasts later removed are excluded" still qualifies the measure
    end = re.search(r"[.!?](?:\s|$)|\n|;(?=\s*(?:[\w' -]{1,30}:|(?:and |also |plus )?(?:my|our|i'd|i would|i'll|guard|second|input|counter|north|ns\b|nsm\b)))", rest, re.I)
    return a < m.end() + (end.start() if end else len(text))


_METRIC_CONTEXT = re.compile(
    r"\bmetrics?\b|\bmeasur\w*|\btrack\w*|\bkpis?\b|\bnorth[\s-]*star|\bguard[\s-]*rails?|\bsecondary|\binput|"
    r"\bcounter|\bmonitor\w*|\bwatch\w*|\bnsm\b|%|\brate\b|\bsuccess\b|\bkeep an eye|\blook at\b|\bdashboard|\bns\b|\bgr\b",
    re.I,
)


def _catalog_plausible(doc: Doc, a: int, b: int) -> bool:
    """A catalog alias that reads like an everyday phrase ("contributors") counts as a
    metric only where the text is talking about metrics."""
    phrase = doc.text[a:b]
    if _METRIC_WORD.search(phrase) or (phrase.isupper() and len(phrase) <= 6):
        return True
    u = doc.unit_at(a)
    if u is None:
        return False
    sec = doc.section_at(a)
    return bool(_METRIC_CONTEXT.search(u.text) or (sec is not None and sec.role in cues.METRIC_ROLES))


_STARTS_METRIC = re.compile(
    r"(?:[\w'-]+\s+){0,3}?(?:%|percent|share|number|#|average|avg|median|rate|ratio|retention|churn|how (?:many|much|often|long))\b"
    r"|(?:[\w'-]+\s+){0,2}?[\w-]+ (?:rate|ratio|share|retention|churn)\b", re.I)
#: After a comma, what carries a definition on rather than starting a new thought.
_ASIDE = re.compile(r"\s*(?:in|on|over|during|within|each|every|per|for|across|at|by|from|after|before|excluding|"
                    r"including)\b[^,.;]{1,50}(?=,)", re.I)
_GOES_ON = re.compile(
    r"\s*(?:and |or )?(?:who|that\b(?!['’])|with|in(?! case)|within|over|for|from|during|per|out of|divided by|as a share of|excluding|including|"
    r"not counting|tightened|restricted|limited|narrowed|filtered|only counting|counting only|only those|but only|where|"
    r"whose|each of whom)\b|[^,.;]{1,40}\b(?:included|excluded|only|aside)\b", re.I)
_VERB_GOES_ON = re.compile(
    r"\s*(?:posted|wrote|got|had|made|did|took|sent|received|booked|bought|finished|completed|came|went|heard|left|"
    r"joined|started|stayed|returned|practi[sc]ed|watched|listened|saved|shared|ordered)\b", re.I)


def _trim(text: str, a: int, b: int, kind: str) -> int:
    """Cut a definitional phrase at the first clause boundary that starts a new thought."""
    seg = text[a:b]
    closes_aside = -1
    for m in _CUT.finditer(seg):
        if m.start() < 6 or m.start() == closes_aside:
            continue
        cut = m.group(0)
        if not cut.strip():
            return a + m.start()  # before a copula that judges the phrase ("X is a vanity number")
        rest = seg[m.end():]
        starts_metric = bool(_STARTS_METRIC.match(rest)) or any(lm.pattern.match(rest) for lm in lexicon())
        glue = cut.strip().lower().lstrip(",").strip()
        comma = glue == "" and cut.startswith(",")
        if comma and not starts_metric:
            aside = _ASIDE.match(rest)
            if aside:
                closes_aside = m.end() + aside.end()  # "who, in a given week, write ...": the clause goes on
                continue
            if _GOES_ON.match(rest) or (kind in ("count", "ratio") and _VERB_GOES_ON.match(rest)):
                continue
            return a + m.start()
        if glue in ("and", "or") and not starts_metric:
            continue  # "who post or comment", "posted and got a reply": a relative clause goes on
        if glue == "which" and re.search(r"\b(?:in|on|for|at|during|by|after)$", seg[:m.start()], re.I):
            continue  # "trips in which the user arrived": the clause says which ones count
        if glue in ("like", "meaning", "i.e.", "e.g.") and kind in ("ratio", "count"):
            continue
        return a + m.start()
    return a + len(seg.rstrip(" ,-"))


def _good_rate(s: str) -> bool:
    words = s.split()
    return bool(words) and not _RATE_NOISE.match(words[0]) and not _RATE_IDIOM.search(s)


def _propagate_lists(doc: Doc, out: list[Mention]) -> None:
    """A dismissal covers the whole list ("I wouldn't use DAU, MAU or time spent"), forwards
    and backwards ("DAU, MAU and likes are all vanity")."""
    text = doc.text
    for _ in range(2):
        for prev, cur in zip(out, out[1:], strict=False):
            if not _LIST_GAP.match(text[prev.end:cur.start]):
                continue
            if prev.rejected and not cur.rejected and cur.role != "guardrail":
                _reject(cur)
            elif cur.rejected and not prev.rejected and prev.role != "guardrail" and cur.extra.get("rejected_by") == "after":
                _reject(prev)
    return None


def _reject(m: Mention) -> None:
    m.rejected = True
    m.role = "rejected"
    m.tier, m.tier_source = "unclassified", "rejected"
    m.vanity = False
    m.defensible = False
    m.caveat = ""


# --------------------------------------------------------------------------- judgement


def _unit_words(low: str) -> str:
    """The phrase without spans of time that only filter what is counted ("skips in the first
    30 seconds" is a count of skips, not a duration)."""
    return cues.pattern("unit_qualifier").sub(" ", low)


def parse_form(phrase: str) -> Form:
    low = phrase.lower()
    unit = "unknown"
    core = _unit_words(low)
    for u in cues.UNITS:
        if cues.unit_pattern(u).search(core):
            unit = u
            break
    if unit == "unknown" and re.search(r"\b(?:daus?|maus?|waus?|actives)\b", low):
        unit = "count"
    fronted = bool(re.match(r"\W*(?:out )?of (?:the |all |every |a given |each |those |these )", low) or re.search(
        r"\bhow many of\b|\bof (?:them|those)\b|\bfor every\b|\bper (?:thousand|hundred|million|\d+k?)\b|/\s*(?:\d+k?|1,?000)\b", low))
    if fronted and unit in ("count", "unknown"):
        unit = "rate"
    return Form(
        unit=unit,
        denominator=fronted or bool(re.search(r"\bfor every\b|\bper (?:thousand|hundred|million|\d+k?)\b|%|\bpercent|\bshare of|\bproportion|\bfraction|\bratio|\bout of\b|\bof all\b|/|\bper\b|"
                                   r"\bdivided by\b|\brate\b", low)),
        window=bool(cues.window_pattern().search(low)),
        quality=bool(cues.pattern("quality").search(low)),
        per_user=bool(cues.unit_pattern("average").search(low)),
        retention=bool(cues.pattern("retention").search(low)),
    )


def _definition_tail(doc: Doc, b: int, clause_end: int) -> str:
    m = _DEF_TAIL.match(doc.text, b, min(clause_end + 200, len(doc.text)))
    return m.group(1) if m else ""


_NEGATED_SPAN = re.compile(r"(?:not(?!\s+(?:only|just)\b)|never|rather than|instead of)\s+(?=\S)", re.I)

_CLAUSE_START = re.compile(r"(?:it|that|this|there|he|she|they|we|i|you)(?:'s|'re|’s| is| are| was| were)\b", re.I)


def _judge(doc: Doc, a: int, b: int, kind: str, payload: Any, scenario: Scenario | None,
           numbers: frozenset[str], stage: str | None) -> Mention | None:
    text = doc.text
    phrase = text[a:b]
    if _CLAUSE_START.match(phrase):
        return None  # "it's about enjoying, not hours": a clause, not a measure
    # a span that opens with its own negation ("..., not how many people use it"): the negation
    # belongs before the measure, where the dismissal rules below read it
    negation = _NEGATED_SPAN.match(phrase)
    if negation is not None:
        a += negation.end()
        phrase = text[a:b]
    unit = doc.unit_at(a)
    c0, c1 = (unit.start, unit.end) if unit else (a, b)
    s0, s1 = doc.sentence_span(a)
    sec = doc.section_at(a)
    if sec is not None and sec.label_start <= a < sec.label_end and sec.role not in cues.METRIC_ROLES:
        sec = None  # the phrase is inside a label's own words ("Why not DAU:")
    if sec is not None and sec.role == "other" and sec.source == "prefix":
        sec = None  # "SMB: reply rate <1h" says who, not what kind of measure
    tail = _definition_tail(doc, b, c1)
    # the phrase's own form judges it; its definition (": people who ...") only adds a window
    form = parse_form(phrase.replace("_", " "))
    if tail:
        full = parse_form(phrase + " " + tail)
        kind_of_unit = "rate" if re.match(r"\s*\([^)]*%", doc.text[b:b + 40]) else form.unit  # "sessions w/ play (%)"
        form = Form(kind_of_unit, form.denominator or full.denominator or kind_of_unit == "rate", form.window or full.window,
                    form.quality or (full.quality and bool(re.match(
                        r",?\s*(?:[:=(]|meaning|defined as|i\.e\.|tightened to|restricted to|limited to|only counting)", doc.text[b:b + 20], re.I))),
                    form.per_user or full.per_user, form.retention)

    cat: Metric | None = payload if kind == "catalog" else None
    sim: float | None = 1.0 if cat is not None else None
    lex: LexMetric | None = payload if kind == "lexicon" else None
    if lex is None and kind in ("count", "per", "rate", "periodic", "labelled", "ratio"):
        num = _numerator(phrase)
        for lm in lexicon():
            mt = lm.pattern.search(num)
            if mt and (kind != "ratio" or lm.kind in ("guard", "money")) and len(mt.group(0)) * 3 >= len(num.strip()):
                lex = lm
                break
    if cat is None and scenario is not None and kind != "catalog":
        cand, s = meaning.closest_metric(scenario, phrase + (" " + tail if tail else ""))
        num = _numerator(phrase)
        if num != phrase and len(num.split()) >= 1:
            # "messages per user per day" is about messages: what is counted names the metric,
            # unless the whole phrase is itself a catalog name ("notifications per user")
            by_num, s_num = meaning.closest_metric(scenario, num)
            if by_num is not None and s_num >= meaning.CATALOG_THRESHOLD and s_num > s + 0.05:
                cand, s = by_num, s_num
        if cand is not None and s >= meaning.CATALOG_THRESHOLD:
            cat, sim = cand, s

    # ---- role
    role: Role
    rejected_by = ""
    if sec is not None and sec.role == "rejected":
        role, rejected_by = "rejected", "section"
    elif sec is not None and sec.role == "restated":
        role = "restatement"
    elif structure.guarded_before(doc, a, c0) and cues.pattern("guard_want").search(doc.low[max(c0, a - 60):a]):
        role = "guardrail"  # "I don't want fewer people coming back": something to protect
    elif structure.dismissed_before(doc, a, sec.start if sec is not None and sec.start <= a else 0) \
            and not structure.guarded_after(doc, b, c1):
        role, rejected_by = "rejected", "before"
    elif structure.dismissed_after(doc, _after_list(doc, b, s1), s1) and not structure.guarded_after(doc, b, c1):
        role, rejected_by = "rejected", "after"
    elif _VERDICT_END.search(doc.low[b:s1]) and not doc.low[s0:a].strip(" -*•\t") :
        role, rejected_by = "rejected", "after"  # "DAU = people checking a price, not value -> no."
    elif sec is not None and sec.role == "guardrail" or structure.guarded_after(doc, _after_list(doc, b, c1), c1) or structure.guarded_before(doc, a, c0):
        role = "guardrail"
    else:
        role = _proposed_or_not(doc, a, b, kind, phrase, form, cat, lex, sec, numbers, stage, c0, c1)
    if role == "segment":
        return None

    # ---- tier
    tier: TierOut
    label_text = sec.label if sec is not None else None
    if role == "rejected":
        tier, tier_source = "unclassified", "rejected"
    elif role == "guardrail":
        tier, tier_source = "guardrail", "label" if sec is not None and sec.role == "guardrail" else "wording"
    elif role in ("restatement", "context"):
        tier, tier_source = "unclassified", "role"
    elif sec is not None and sec.role == "north_star" and a > sec.start + 3 and (
            _COMPANION.search(doc.low[max(sec.start, a - 30):a]) or _COMPANION_ITEM.match(phrase)):
        # "North star: hours per member, with a satisfaction survey beside it": the companion
        # is the check on the north star, not a second one
        role, tier, tier_source = "guardrail", "guardrail", "label"
    elif sec is not None and sec.role in ("north_star", "input"):
        tier, tier_source = ("north_star" if sec.role == "north_star" else "input"), "label"
    elif _COMPANION.search(doc.low[max(c0, a - 30):a]) or (_COMPANION_ITEM.match(phrase) and a > c0):
        # "total plays, with likes per reel beside it": a supporting measure, or a check
        tier, tier_source = ("guardrail" if _harm(phrase, lex, cat, scenario) or form.unit == "score" else "input"), "label"
        if tier == "guardrail":
            role = "guardrail"
    elif _ns_in_clause(doc, a, b, c0, c1):
        tier, tier_source = "north_star", "label"
    elif _harm(phrase, lex, cat, scenario):
        role, tier, tier_source = "guardrail", "guardrail", "wording"
    else:
        # put forward with no word on its tier: a secondary measure ("I'd also track ...")
        tier, tier_source = "input", "wording"

    # ---- vanity, judged from role, form and meaning, aware of the product
    vanity, reason, defensible, caveat = False, "", False, ""
    would_be, why = _vanity(phrase, tail, form, cat, sim, lex, kind)
    if role == "success":
        vanity, reason = would_be, why
        if scenario is not None and scenario.kind in CONSUMPTION_KINDS and tier == "north_star" \
                and (form.unit == "duration" or cues.unit_pattern("duration").search(_unit_words(phrase.lower()))):
            vanity, reason, defensible = False, "", True
            caveat = (f"time is close to how {scenario.product} earns, but it rewards autoplay and binges as much "
                      "as enjoyment, so it needs a satisfaction or regret guardrail beside it.")
            if form.quality:
                caveat = ""
    suggestion = _suggest(scenario, cat if cat is not None and cat.vanity else None, lex) if vanity else ""
    name = cat.name if cat is not None else lex.name if lex is not None else phrase.strip()
    indicator = cat.indicator if cat is not None else lex.indicator if lex is not None else "leading"
    defined = bool(form.denominator and (form.window or bool(cues.window_pattern().search(text, c0, c1))))
    m = Mention(
        text=phrase, start=a, end=b, name=name, tier=tier, tier_source=tier_source, vanity=vanity, reason=reason,
        suggestion=suggestion, indicator=indicator, defined=defined, rejected=role == "rejected",
        catalog_id=cat.id if cat is not None else None, lexicon_id=lex.id if lex is not None else None,
        label_text=label_text, role=role, form=form, defensible=defensible, caveat=caveat,
        similarity=round(sim, 3) if sim is not None else None,
    )
    m.extra["activity"] = would_be  # vanity, had it been put forward as success
    if rejected_by:
        m.extra["rejected_by"] = rejected_by
    del s0
    return m


def _after_list(doc: Doc, b: int, end: int) -> int:
    """Skip a list that continues after a phrase ("DAU, MAU and likes are vanity")."""
    text = doc.text
    m = re.match(r"(?:\s*(?:,|and|or|&|/)\s*[\w\s'-]{1,30}?)*(?=\s+(?:are|is|aren't|isn't|don't|doesn't|would|alone|on their own|all|both|just)\b|\s*(?:=|->|→|\s-\s|:))",
                 text[b:end])
    return b + m.end() if m else b


_PEOPLE_HEAD = None


def _people_head(phrase: str) -> bool:
    """Does the phrase name people ("new users", "the daily actives who mostly read")?"""
    if re.search(r"\bper\b|/|\bout of\b", phrase.lower()):
        return False  # "conversations per daily user": users are the denominator
    head = re.split(r"\s+(?:who|that|which|whose|with|w/|in|on|from|at|calling|using|doing|across|among|like)\b", phrase.lower())[0]
    words = re.findall(r"[a-z][a-z'-]*", head)
    return bool(words) and bool(cues.pattern("people").search(words[-1]))


def _proposed_or_not(doc: Doc, a: int, b: int, kind: str, phrase: str, form: Form, cat: Metric | None,
                     lex: LexMetric | None, sec: structure.Section | None, numbers: frozenset[str],
                     stage: str | None, c0: int, c1: int) -> Role:
    text = doc.text
    clause = doc.low[c0:c1]
    in_metric_section = sec is not None and sec.role in cues.METRIC_ROLES
    in_other_section = sec is not None and sec.role in ("segments", "journeys", "rationale", "goals", "other")
    # a group of people named like a metric ("new users", "daily actives in India") is a segment
    measure_words = form.unit in ("rate", "average", "duration", "money", "score") or re.search(
        r"\b(?:number|count|how many|total|share|rate|amount)\b|[#%]", phrase, re.I)
    acronym = bool(re.search(r"\b(?:DAU|MAU|WAU|L7|L28)s?\b", phrase))
    if _people_head(phrase) and not measure_words and not acronym:
        periodic_active = bool(re.search(r"\b(?:daily|weekly|monthly|d\d+|l\d+)\s+(?:active|engaged|transacting|returning)\b", phrase, re.I))
        # under a metric label, only the labelled item itself ("NS: weekly active members")
        # is a measure; people named later in the sentence ("it misses readers") are not
        is_item = sec is not None and in_metric_section and (
            a - sec.start <= 3 or (sec.role != "north_star" and _starts_item(doc, a)))
        if not (is_item or (periodic_active and _propose_frame(doc, a, c0, c1))):
            return "segment"
    # a measure reported as having moved ("watch time is down 5% WoW") is described, not proposed
    if not in_metric_section and (cues.pattern("change_after").match(doc.low[b:c1])
                                  or re.match(r"\W*(?:you (?:said|mentioned|told me)|as you said|since you said|given that)\b", clause)):
        return "restatement"
    # a number the interviewer gave, repeated ("with 1.8B monthly users", "since DAU fell 10%")
    if numbers and not in_metric_section:
        near = doc.low[max(c0, a - 25):min(c1, b + 25)]
        for mt in _NUMBER.finditer(near):
            if _num_key(mt.group(0)).lstrip("-") in numbers:
                return "restatement"
    if in_metric_section:
        return "success"
    if _propose_frame(doc, a, c0, c1) or _NS_AFTER.match(doc.low, b, c1):
        return "success"
    if in_other_section or (sec is not None and sec.role in ("segments", "journeys")):
        return "context"
    # a clause that is mostly the phrase ("- DAU, time spent", "And how often X does Y.") names it
    # as a measure; so does a measure-shaped phrase that opens its clause
    words_clause = len(re.findall(r"\w+", clause))
    words_phrase = len(re.findall(r"\w+", phrase))
    if words_clause and words_phrase >= 0.55 * words_clause:
        return "success"
    # an item of a terse list ("2°: app downloads, MAU, search->book 7d", "Dasher: $/active hr")
    # is put forward
    if _starts_item(doc, a):
        stop = re.search(r"[,;]|\s(?:and|or|&|\+)\s|$", doc.text[b:c1])
        item_words = len(re.findall(r"\w+", doc.text[a:b + (stop.start() if stop else 0)]))
        if item_words and words_phrase >= 0.55 * item_words and (
                doc.text.count(",", c0, c1) + doc.text.count(":", c0, c1) >= 1 or line_label(doc, a)):
            return "success"
    opener = re.sub(r"^\W*(?:(?:and|then|also|plus|so|next|finally|lastly|for (?:the )?[\w' -]{1,30}?,|on the [\w -]{1,20}? side,)\s+)*",
                    "", doc.low[c0:a]).strip(" ,:-")
    if kind in ("ratio", "count", "per") and not opener:
        return "success"
    if kind in ("ratio", "count", "per") and form.window:
        return "success"  # a defined measure is put forward even in passing
    del text, cat, lex
    return "context"


def _starts_item(doc: Doc, a: int) -> bool:
    """Does a list item start at ``a`` ("- X", "Label: X", "X, Y and Z" after a label)?"""
    line = doc.line_at(a)
    if line is not None and (a - line.body <= 3 or (line.label_end is not None and 0 <= a - line.label_end <= 3)):
        return True
    return bool(re.search(r"(?:[,;]|\band|\bor)\s*$", doc.text[max(0, a - 6):a]))


def line_label(doc: Doc, a: int) -> bool:
    line = doc.line_at(a)
    return line is not None and line.label_end is not None and a >= line.label_end


def _propose_frame(doc: Doc, a: int, c0: int, c1: int) -> bool:
    """Is the clause putting this measure forward ("I'd track ...", "success is ...", "grow X")?
    The verb comes before its object: in "YouTube runs on watch time, so I'd measure ...", the
    first "watch time" is not what is measured."""
    before = doc.low[c0:a]
    if cues.pattern("propose").search(before):
        return True
    raw = cues.raw()
    goal = "|".join(raw["goal_verbs"])
    agent = "|".join(re.escape(x) for x in raw["agent_before"])
    gm = re.search(rf"(?:^|\W)((?:(?:{agent})\s+)?)(?:{goal})\b(?:\s+[\w'-]+){{0,4}}\s*$", before)
    # "grow X", "I'd grow X", "to increase X": the candidate acts; "Groups drives X" describes
    return bool(gm and (gm.group(1) or not before[:gm.start() + 1].strip(" -*•\t")))


_VERDICT_END = re.compile(r"(?:->|→|=|:|\s-)\s*(?:no|nope|skip|drop|vanity|not it|bad|out|x)\W*$", re.I)
_COMPANION = re.compile(r"(?:,|;|\band)\s*(?:paired with|alongside|together with|next to|beside|plus|with|against)\s+(?:a |an |the )?$", re.I)

_COMPANION_ITEM = re.compile(r"(?:paired with|alongside|together with|next to|beside|plus|with|against)\s", re.I)

_NS_AFTER = re.compile(
    r"[^.;]{0,40}?(?:\b(?:is|would be|will be|as|=|becomes|:)\s+|\s+)(?:(?:my|our|the|a)\s+|(?=ns\b))(?:(?:north[\s-]*star|nsm|primary (?:success )?metric|"
    r"one (?:number|metric)|main (?:success )?metric|headline metric|single (?:most important )?metric|ns)\b)", re.I)


def _ns_in_clause(doc: Doc, a: int, b: int, c0: int, c1: int) -> bool:
    before = doc.low[c0:a]
    if cues.label_pattern("north_star").search(before) and re.search(r"\b(?:is|be|would be|=|:|as|by|on)\b|[:=]", before):
        # "my north star would be X", "which is why I'd judge us by X"
        last_ns = list(cues.label_pattern("north_star").finditer(before))[-1]
        if not cues.pattern("contrast").search(before[last_ns.end():]):
            return True
    return bool(_NS_AFTER.match(doc.low, b, c1))


def _harm(phrase: str, lex: LexMetric | None, cat: Metric | None, scenario: Scenario | None) -> bool:
    """A measure of harm (crashes, reports, refunds) put forward with no label is a guardrail."""
    if lex is not None and lex.kind == "guard":
        return True
    if cat is not None and scenario is not None:
        rec = scenario.recommendation
        if any(g.metric == cat.id for g in rec.guardrails) and cat.tiers == ["guardrail"]:
            return True
    return False


RATE_THRESHOLD = 0.9

#: A catalog metric close in meaning counts this much towards the activity/value call.
CATALOG_PRIOR, CATALOG_PRIOR_SIM = 0.3, 0.76


def _lexicon_head(phrase: str) -> LexMetric | None:
    """The generic metric the phrase starts with ("time spent in ...", "total page views ...")."""
    low = re.sub(r"^\W*(?:the|a|an|our|total|overall|raw|gross|plain|simple|average|avg|daily|weekly|monthly|#)\s+", "", phrase.lower())
    for lm in lexicon():
        mt = lm.pattern.match(low)
        if mt:
            return lm
    return None


def _covers(lm: LexMetric, phrase: str) -> bool:
    """Does the generic metric's own name make up most of the phrase ("DAU/MAU ratio")?"""
    m = lm.pattern.search(phrase.lower())
    return m is not None and len(m.group(0)) >= 0.6 * len(phrase.strip())


def _harm_words(phrase: str) -> bool:
    return any(lm.kind == "guard" and lm.pattern.search(phrase) for lm in lexicon())


_WORDING_REASON = "a raw count of activity grows with volume and marketing, not with the value each user gets."


def _numerator(phrase: str) -> str:
    return re.split(r"\s+(?:per|/|out of|divided by)\s+", phrase, maxsplit=1)[0]


def _vanity(phrase: str, tail: str, form: Form, cat: Metric | None, sim: float | None, lex: LexMetric | None,
            kind: str) -> tuple[bool, str]:
    """A success measure is vanity when it counts activity or reach rather than value: the
    catalog's author says so for its own names; otherwise the activity/value head decides
    from the phrase's meaning and form."""
    if form.retention or form.quality or form.unit in ("money", "score") or (lex is not None and lex.kind in ("money", "guard")):
        return False, ""
    if _harm_words(phrase + " " + tail):
        return False, ""  # a count of harm (refunds, reports, crashes) is watched, not vanity
    if cat is not None and (sim or 0) >= 0.99:
        return cat.vanity, (cat.vanity_reason or "") if cat.vanity else ""
    if lex is not None and lex.kind == "vague" and not (form.window and form.denominator):
        return True, lex.reason
    head = _lexicon_head(phrase)
    if head is not None and head.kind in ("activity", "vague") and (
            form.unit != "rate" or _covers(head, phrase)):
        return True, head.reason  # "time spent in MP per visitor", "DAU/MAU ratio": activity
    if tail and len(phrase.strip()) <= 5 and phrase.strip().isupper():
        phrase = tail  # "MAR (monthly active riders)": the words say what the letters count
        head = _lexicon_head(phrase)
        if head is not None and head.kind in ("activity", "vague"):
            return True, head.reason
    p = value.activity_probability(phrase)
    if p is None:  # no model file (while training): the meaning prototypes alone
        p = 0.5 + meaning.activity_lean(_numerator(phrase + (" " + tail if tail else "")))
    if cat is not None and (sim or 0) >= CATALOG_PRIOR_SIM:
        p = (1 - CATALOG_PRIOR) * p + CATALOG_PRIOR * (1.0 if cat.vanity else 0.0)
    # a rate ("follows per 1,000 plays", "% of sessions that ...") is an input at worst; only a
    # clearly activity-shaped one is vanity
    needed = RATE_THRESHOLD if form.unit == "rate" else value.threshold()
    if p < needed:
        return False, ""
    if cat is not None and cat.vanity and cat.vanity_reason:
        return True, cat.vanity_reason
    if lex is not None and lex.vanity:
        return True, lex.reason
    if form.unit == "duration":
        return True, "more minutes can mean more value or more friction; time rewards compulsive use and punishes fast flows."
    return True, _WORDING_REASON


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


def lowered(text: str) -> str:
    return lower_same_length(text)
