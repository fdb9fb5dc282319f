"""Find the framework's parts in free text, each with the clause that shows it."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ..models import Scenario
from .text import Unit, lower_same_length, nocase

CUES: dict[str, str] = {
    "mission": r"\bmission\b|\bvision\b|\bbring the world closer|\bcompany(?:'s)? (?:goal|purpose)|\bpurpose\b|"
    r"\bbuild community|\bconnect (?:people|the world)|\btie[sd]? (?:back )?to the (?:company|mission)",
    "why_exists": r"\bwhy (?:it|this|the product|\w+) exists?|\bexists? (?:to|because|so)\b|\breason (?:it|for it|this product) (?:exists|to exist)|"
    r"\b(?:job|problem)s? (?:it|this|the product) (?:solves|does)|\bsolves?\b|\bvalue (?:for|to) (?:users|people|members|the company|meta|us)|"
    r"\bhelps? (?:people|users|members|buyers|sellers|drivers|riders|creators|learners|teams)\b|\buser needs?\b|\bpain points?\b|"
    r"\bfor (?:users|people|members)(?:,| it)|\bfor (?:the company|meta|the business)(?:,| it)|\blets? (?:people|users)\b|\bso that (?:people|users)\b",
    "threats": r"\bthreats?\b|\bweakness(?:es)?\b|\bcompetit\w*|\brisks?\b|\bchalleng\w*|\bdisrupt\w*|\blos(?:e|ing) (?:users|share|young)|"
    r"\btiktok\b|\breddit\b|\bdiscord\b|\blyft\b|\bwaymo\b|\bvrbo\b|\bdisney\b|\bteams\b|\btelegram\b|\bimessage\b|\bapple maps\b|\bwaze\b|"
    r"\bindeed\b|\bebay\b|\bcraigslist\b|\buber ?eats\b|\bbabbel\b|\bwalmart\b|\bnextdoor\b|\bsnapchat\b|\bmoat\b|\bheadwinds?\b",
    "lifecycle": r"\blife[- ]?cycle\b|\bmature\b|\bmaturity\b|\bgrowth (?:stage|phase)\b|\bearly[- ]stage\b|\bnew product\b|\b0 ?(?:to|->) ?1\b|"
    r"\bdeclining (?:stage|phase)\b|\bsaturat\w*|\bat scale\b|\bstage of the product\b|\bproduct stage\b",
    "segments": r"\bsegments?\b|\buser (?:types?|groups)\b|\bpersonas?\b|\bsides? of the (?:market|marketplace)\b|\btwo[- ]sided\b|\bthree[- ]sided\b|"
    r"\bsupply side\b|\bdemand side\b|\bbuyers\b|\bsellers\b|\bdrivers\b|\briders\b|\bhosts\b|\bguests\b|\bcreators\b|\bviewers\b|"
    r"\badmins\b|\bmoderators\b|\blurkers\b|\bcontributors\b|\badvertisers\b|\bmerchants\b|\blearners\b|\brecruiters\b|\bjob seekers\b|"
    r"\bdashers\b|\bconsumers\b|\blisteners\b|\bsubscribers\b|\bnew users\b|\bpower users\b|\bcasual users\b|\bend users\b",
    "journeys": r"\bjourneys?\b|\bfunnel\b|\buser flow\b|\bsteps?\b|→|->|\bdiscover\w*\b.{0,40}\b(?:join|sign|install|book|buy|request)\w*|"
    r"\bonboard\w*\b.{0,60}\b(?:retain|return|habit)\w*|\bstages? of\b",
    "objectives": r"\bgoals?\b|\bobjectives?\b|\bwe want (?:to|people|users|more)\b|\baim(?:s|ing)? to\b|\bkey results?\b|\bokrs?\b|"
    r"\bi'?d (?:want|aim) to (?:increase|grow|improve|help|reduce|make)\b|\bsuccess (?:looks like|means|would be)\b|\bthe outcome\b",
    "prioritization": r"\bprioriti[sz]\w*|\bmost important\b|\btop (?:priority|goal|objective)\b|\bfirst priority\b|\bfocus (?:on|first)\b|"
    r"\b#1\b|\bnumber one\b|\bprimary (?:goal|objective|focus)\b|\bsecond(?:ary)? (?:goal|priority|objective)\b|\bi'?d pick\b|"
    r"\bi'?d (?:start|lead) with\b|\bdeprioriti[sz]\w*|\bnot (?:focus|prioriti[sz])\w*|\bcomes? first\b|\bbefore\b.{0,40}\bbecause\b|"
    r"\bwould (?:come|rank) (?:first|second)\b|\bover\b.{0,40}\bbecause\b|\branked?\b|\bnot (?:now|yet)\b|\blater\b",
    "pros_cons": r"\bpros?\b|\bcons?\b|\bdownsides?\b|\bupsides?\b|\bmeanwhile\b|\bhowever\b|\bthe (?:real )?(?:gain|cost|benefit)\b|\bon the plus side\b|\bdrawbacks?\b|\bthe risk (?:is|with|here)\b|\bcould be gamed\b|"
    r"\bgam(?:e|ed|ing)\b|\bcaveats?\b|\blimitations?\b|\bbut it (?:misses|ignores|doesn't|does not|can)\b|\bmisses\b|\bblind spots?\b|"
    r"\bweakness of\b|\bthe problem with\b|\bstrength\b|\badvantage\b|\bdisadvantage\b|\bnoisy\b|\blags?\b|\blagging\b|\bslow to move\b",
    "targets": r"\bbaselines?\b|\btargets?\b|\bfrom \d+(?:\.\d+)?\s*%? to \d+|\b(?:increase|grow|lift|improve|reduce|raise|cut)\w* (?:it |this )?by \d+|"
    r"\b\d+(?:\.\d+)?\s*(?:%|pp\b|percentage points?\b|bps\b)|\bbenchmarks?\b|\bmde\b",
    "tradeoff_language": r"\bwe could (?:also )?\w+.{0,100}\bbut\b|\binstead of\b|\brather than\b|\btrade[- ]?offs?\b|"
    r"\bat the (?:cost|expense) of\b|\bon the other hand\b|\bi'?d prioriti[sz]e\b.{0,80}\bbecause\b|\bweigh\w*\b|\bnet (?:positive|negative|effect|impact)\b|"
    r"\bworth it\b|\bin exchange for\b|\bcost of\b",
    "launch_plan": r"\ba/?b[- ]?tests?\b|\bexperiments?\b|\bholdouts?\b|\brollout\b|\broll (?:it |this )?out\b|\bramp(?:ing)?\b|\bstaged\b|"
    r"\bcanary\b|\bpilot\b|\bpost[- ]launch\b|\bpre[- ]launch\b|\blaunch (?:decision|criteria|plan|review)\b|\bkill switch\b|"
    r"\broll ?back\b|\bdogfood\w*\b|\bbeta\b|\bstatistical(?:ly)? significan\w*|\bsample size\b|\bpower analysis\b|\bmonitor\w*\b|"
    r"\bdashboards?\b|\b(?:an|add|set up|with|the) alerts?\b|\balerting\b|\bgradual(?:ly)? (?:launch|release)\b|\b\d+% of (?:users|traffic)\b|\bship (?:it|to)\b",
    "detail": r"\bedge cases?\b|\bburn ?out\b|\bflame wars?\b|\bsilent (?:readers|majority)\b|\bminorit(?:y|ies)\b|"
    r"\bmisuse\b|\bgam(?:e|ing) (?:the|this|it)\b|\bcorner cases?\b|\bcannibali[sz]\w*|\becosystem\b|\bother side\b|\bboth sides\b|\bnew (?:vs\.?|versus|and) (?:existing|old|returning)\b|"
    r"\bnovelty (?:effect|bias)\b|\blong[- ]term\b|\bshort[- ]term\b|\bmix[- ]shift\b|\bsimpson\w*|\bspill[- ]?over\b|\bnetwork effects?\b|"
    r"\bsecond[- ]order\b|\bunintended\b|\bsurvivorship\b|\bselection bias\b|\bheavy (?:vs\.? )?(?:and )?light users?\b|\bcohorts?\b|"
    r"\bby (?:country|platform|segment|cohort|market)\b|\binternational\b|\baccessibility\b|\bprivacy\b|\bintegrity\b|\bsafety\b|"
    r"\bsibling (?:products?|apps?)\b|\bcross[- ]product\b|\bseasonality\b|\binteraction effects?\b|\bregression to the mean\b|"
    r"\blow[- ]connectivity\b|\bemerging markets?\b|\bfraud\b|\bspam\b|\bgaming the metric\b|\bcould be gamed\b",
    "hypothesis": r"\broot cause\b|\bmy (?:hypothesis|guess|best guess)\b|\bi (?:think|suspect|believe|bet) (?:it(?:'s| is| was)|the|this)\b|"
    r"\bit(?:'s| is| was) (?:probably|likely|most likely)\b|\bthe (?:cause|culprit|reason) (?:is|was)\b|\bcaused by\b|\bdue to\b|\bpoints to\b|"
    r"\bso it(?:'s| is| was)\b|\bthat (?:suggests|means|explains)\b|\bconclusion\b",
    "action_plan": r"\bi'?d (?:roll ?back|revert|fix|hotfix|patch|ship|pause|investigate|alert|add|talk|reach out|communicate|escalate|monitor|run|launch|keep|wait|do nothing|file|post-?mortem)\b|"
    r"\baction plan\b|\bnext steps?\b|\broll ?back\b|\brevert\b|\bhotfix\b|\bpost-?mortem\b|\bfix (?:the|it)\b|\bno action\b|\bdo nothing\b|"
    r"\badd (?:an? )?(?:alert|monitor|test|check)\w*\b|\bcommunicate\b|\bwork with (?:eng|engineering|the team|data)\b",
    "verdict": r"\bverdict\b|\bship it\b|\bdon'?t ship\b|\bwouldn'?t ship\b|\bnot (?:ship|launch) (?:it|this)\b|"
    r"\b(?:good|bad) (?:trade[- ]?off|outcome|result|thing|sign|change|for)\b|\boverall (?:good|bad|positive|negative)\b|\bnet (?:positive|negative|good|bad)\b|"
    r"\bi(?:'d| would)(?: not)? (?:ship|launch|keep|roll back|revert|iterate)\b|\bi wouldn't (?:ship|launch|keep)\b|\b(?:don't|do not) (?:ship|launch)\b|"
    r"\bit depends\b|\bdepends on\b|\bmy (?:verdict|call|recommendation|decision)\b|\bi(?:'d| would) (?:call|consider) (?:this|it) (?:good|bad|a win|a loss|positive|negative)\b|"
    r"\bthis is (?:good|bad|positive|negative|a win|a loss|healthy|unhealthy)\b|\b(?:so|overall),? (?:good|bad)\b|\blikely (?:good|bad)\b",
    "conditions": r"\bif\b|\bas long as\b|\bprovided (?:that)?\b|\bunless\b|\bonly if\b|\bdepends on\b|\bassuming\b|\bconditional on\b",
    "impact_ns": r"\bnorth[- ]?star\b|\bnsm\b|\bprimary metric\b|\bmain metric\b|\bour (?:core|key|success) metric\b",
    "impact_guardrail": r"\bguard[- ]?rails?\b|\bhealth metrics?\b|\bcounter[- ]metrics?\b|\bcannibali[sz]\w*|\bretention\b|\bchurn\b|\brevenue\b|\bads?\b|\bsecondary\b|\binput metrics?\b",
    "actions": r"\bi'?d (?:run|check|segment|look|investigate|dig|test|a/b|slice|break (?:it )?down|cut|compare|survey|talk|interview|measure|hold|roll|ship|iterate|monitor|analy[sz]e|split|launch|pause|add|build|tune|cap|try|exclude|re-?run|keep|limit|lower|raise|move|revert|fix)\w*\b|"
    r"\bfirst,|\bsecond,|\bthird,|\bnext,|\bthen,|\bfinally,|\ba/?b[- ]?tests?\b|\bholdouts?\b|\bsegment (?:the|by)\b|\bdeep[- ]dive\b|\blook at\b",
}

COMPILED = {k: re.compile(v, re.I) for k, v in CUES.items()}


@dataclass(frozen=True)
class Hit:
    part: str
    start: int
    end: int
    cue: str

    def quote(self, text: str) -> str:
        return text[self.start:self.end]


def find_parts(text: str, spans: list[Unit], scenario: Scenario | None = None) -> dict[str, list[Hit]]:
    """For each framework part, the clauses where the candidate shows it (first cue per clause)."""
    starts = [u.start for u in spans]
    shown = [_shown_unit(spans, i) for i in range(len(spans))]
    out: dict[str, list[Hit]] = {}
    seg_rx = _segment_names(scenario)
    low = lower_same_length(text)
    for part, rx in COMPILED.items():
        out[part] = _scan(low, nocase(rx), part, spans, starts, shown)
    if seg_rx is not None:
        have = {h.start for h in out["segments"]}
        extra = [h for h in _scan(low, nocase(seg_rx), "segments", spans, starts, shown) if h.start not in have]
        out["segments"] = sorted(out["segments"] + extra, key=lambda h: h.start)
    return out


def _shown_unit(spans: list[Unit], i: int) -> Unit:
    u = spans[i]
    if _is_label_line(u.text) and i + 1 < len(spans):
        # a bare heading ("Goals:") is shown with the line that follows it
        nxt = spans[i + 1]
        return Unit(u.start, nxt.end, u.text, u.line, u.heading, u.bullet)
    return u


def _scan(
    text: str, rx: re.Pattern[str], part: str, spans: list[Unit], starts: list[int], shown: list[Unit]
) -> list[Hit]:
    hits: list[Hit] = []
    last = -1
    for m in rx.finditer(text):
        i = bisect.bisect_right(starts, m.start()) - 1
        if i < 0 or i == last or m.end() > spans[i].end:
            continue
        last = i
        hits.append(_hit(part, shown[i], m.group(0)))
    return hits


def _is_label_line(t: str) -> bool:
    st = t.strip().strip("*#").strip()
    return st.endswith(":") and len(st) <= 40


def _hit(part: str, u: Unit, cue: str) -> Hit:
    # trim the clause to its words: leading bullets and spaces are not part of the quote
    lead = len(u.text) - len(u.text.lstrip(" \t-*•>#0123456789.)"))
    trail = len(u.text) - len(u.text.rstrip())
    a = u.start + lead
    b = max(a + 1, u.end - trail)
    return Hit(part, a, b, cue)


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
