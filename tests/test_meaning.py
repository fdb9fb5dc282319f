"""Regressions for what issue 9 saw the analysis mishear, each in wording of our own, and
property tests for structure (dismissal, guardrail labels) over many phrasings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmcoach.analysis import analyse, classify
from pmcoach.engine import Config, Interview
from pmcoach.kb import load_bank

BANK = load_bank(include_user=False)
GROUPS = BANK.find("facebook-groups")
ROOT = Path(__file__).resolve().parent.parent


def _mention(text: str, phrase: str, scenario=GROUPS, **kw):  # type: ignore[no-untyped-def]
    rep = analyse(text, scenario, **kw)
    a = text.find(phrase)
    b = a + len(phrase)
    hits = [m for m in rep.mentions if m.start < b and a < m.end]
    # the mention that covers most of the phrase (as benchmarks/quality.py scores it)
    return rep, max(hits, key=lambda m: min(b, m.end) - max(a, m.start), default=None)


def _pushed_back(text: str, scenario=GROUPS, stage: str = "metrics") -> bool:  # type: ignore[no-untyped-def]
    iv = Interview(scenario, Config(scenario.id, []))
    iv.opening()
    iv.stage = stage
    return iv.respond(text).kind == "pushback"


# ---------------------------------------------------------------- metrics and vanity


def test_a_plain_words_north_star_is_a_value_metric_not_vanity() -> None:
    text = ("The number I'd hold the team to: how many people, in any given week, posted something in a group "
            "and had another member answer them within a couple of days.")
    rep, m = _mention(text, "how many people")
    assert m is not None and not m.vanity and m.tier == "north_star"
    assert not _pushed_back(text)


def test_a_return_rate_is_not_a_raw_count() -> None:
    text = "Admin health: share of admins who approve or remove a post in week W and do it again in week W+4."
    _, m = _mention(text, "share of admins")
    assert m is not None and not m.vanity
    assert m.form is not None and m.form.retention and m.form.unit == "rate"


@pytest.mark.parametrize("text, phrase", [
    ("A meaningful interaction is a reply from another member; likes don't count.", "likes"),
    ("I'd steer clear of DAU and time spent here, they reward scrolling.", "time spent"),
    ("DAU alone is a vanity number for Groups.", "DAU"),
    ("Time spent is tempting, but a parent who gets an answer fast had a great visit.", "Time spent"),
])
def test_dismissed_metrics_are_not_pushed_back(text: str, phrase: str) -> None:
    _, m = _mention(text, phrase)
    assert m is not None and m.rejected and not m.vanity
    assert not _pushed_back(text)


def test_an_activity_metric_as_a_guardrail_is_sound() -> None:
    text = "Guardrail: Groups DAU shouldn't fall by more than 1% while we test this."
    _, m = _mention(text, "DAU")
    assert m is not None and m.tier == "guardrail" and not m.vanity
    assert not _pushed_back(text)


@pytest.mark.parametrize("product, text", [
    ("netflix", "North star: hours streamed per member each week, with a satisfaction survey beside it."),
    ("youtube-shorts", "My north star is watch time per daily viewer."),
])
def test_a_consumption_products_own_time_north_star_is_defensible(product: str, text: str) -> None:
    s = BANK.find(product)
    rep = analyse(text, s)
    ns = [m for m in rep.mentions if m.tier == "north_star"]
    assert ns and all(not m.vanity and m.defensible for m in ns)
    assert not _pushed_back(text, s)


def test_time_spent_is_vanity_where_time_is_not_the_value() -> None:
    text = "North star: average time spent in Groups per member per day."
    _, m = _mention(text, "time spent")
    assert m is not None and m.vanity and not m.defensible
    assert _pushed_back(text)


@pytest.mark.parametrize("label", ["Guardrails:", "Counter-metrics:", "Things I'd watch so we don't break anything:"])
def test_every_item_of_a_guardrail_list_is_a_guardrail(label: str) -> None:
    text = f"{label}\n- Groups DAU\n- reports per 1,000 group posts\n- notification opt-out rate\n- ad revenue per member"
    rep = analyse(text, GROUPS)
    assert len(rep.mentions) == 4
    assert all(m.tier == "guardrail" and not m.vanity for m in rep.mentions), [(m.text, m.tier) for m in rep.mentions]


def test_a_clause_keeps_its_metric_whole() -> None:
    s = BANK.find("spotify-discover-weekly")
    text = "The one metric I'd optimise above all is time spent listening to the playlist."
    _, m = _mention(text, "time spent listening", s)
    assert m is not None and m.text.startswith("time spent listening") and m.tier == "north_star"


def test_what_is_counted_names_the_metric_not_its_denominator() -> None:
    slack = BANK.find("slack")
    _, m = _mention("Secondary metrics:\n- messages per teammate per day\n- new workspaces created\n",
                    "messages per teammate per day", slack)
    assert m is not None and m.catalog_id == "messages-sent"


def test_a_span_of_time_that_filters_is_not_a_duration() -> None:
    # "skip in the first thirty seconds" counts skips; it is not a time-spent north star
    dw = BANK.find("spotify-discover-weekly")
    _, m = _mention("I'd judge it by how often listeners skip a track in the first thirty seconds.",
                    "how often listeners skip", dw)
    assert m is not None and m.form.unit != "duration" and not m.defensible


def test_measure_the_product_by_a_metric_takes_the_metric() -> None:
    shorts = BANK.find("youtube-shorts")
    _, m = _mention("I'd measure Shorts by minutes watched per viewer each day, with a survey on whether they "
                    "enjoyed it.", "minutes watched per viewer", shorts)
    assert m is not None and not m.text.lower().startswith("shorts") and m.tier == "north_star"


# ---------------------------------------------------------------- things that are not metric proposals


@pytest.mark.parametrize("text, stage", [
    ("I'd start with new users, because most of them never find a group they come back to.", "segments"),
    ("With 1.8 billion monthly users, reach isn't Groups' problem; depth is.", "rationale"),
    ("Groups exists because it drives engagement that the friend graph no longer produces.", "rationale"),
    ("Segments: lurkers, contributors, admins, and daily actives in India who joined this year.", "segments"),
    ("Reels watch time is down 5% week over week: is that one country or all of them?", "metrics"),
])
def test_ordinary_turns_draw_no_pushback(text: str, stage: str) -> None:
    assert not _pushed_back(text, stage=stage)


def test_a_vanity_proposal_in_plain_words_is_pushed_back() -> None:
    assert _pushed_back("The main thing I'd go after is how many people open Groups every day.")


# ---------------------------------------------------------------- troubleshooting questions


@pytest.mark.parametrize("question, dim", [
    ("Is it the same on phones and on computers?", "platform"),
    ("Do people get stuck somewhere between tapping the alert and seeing the post?", "funnel_step"),
    ("Were there more complaints in the app store reviews?", "user_feedback"),
    ("Is the whole category shrinking, or just us?", "industry"),
])
def test_plain_questions_reach_their_dimension(question: str, dim: str) -> None:
    assert dim in classify(question)


def test_the_decisive_fact_is_reached_without_the_checklist_word() -> None:
    """Every case's decisive fact is reached by questions that never name its dimension's
    checklist word: generic questions of a methodical candidate (benchmarks/data/personas.yaml),
    and, in nearly every case, the questions written from the prompts alone without reading any
    fact sheet (benchmarks/data/v2/blind)."""
    import sys

    import yaml

    from pmcoach.analysis.facts import retrieve

    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    from facts import blind_rows

    persona = yaml.safe_load((Path(__file__).parent.parent / "benchmarks/data/personas.yaml").read_text())
    blind: dict[str, list[str]] = {}
    for r in blind_rows():
        blind.setdefault(r["case"], []).append(r["text"])
    reached_blind = 0
    for s in BANK.scenarios.values():
        for case in s.troubleshooting:
            keys = {k for k, _, _ in case.fact_rows() if case.fact(k).decisive}
            assert keys, case.id
            asked = [q.format(product=s.product, metric=case.metric) for q in persona["questions"]["pm"].values()]
            assert any(h.key in keys for q in asked for h in retrieve(case.fact_rows(), q).hits), case.id
            # the blind set covers the 31 cases of issue 10; later cases were played blind by reviewers
            reached_blind += any(h.key in keys for q in blind.get(case.id, []) for h in retrieve(case.fact_rows(), q).hits)
    assert reached_blind >= 29  # of the 31 with blind questions (benchmarks/facts.py --set blind)


# ---------------------------------------------------------------- rubric evidence


def test_a_bare_verdict_earns_at_most_one_on_trade_offs() -> None:
    s, case = BANK.case("groups-to-1")
    crit = analyse("Ship it, the numbers look fine.", s, "tradeoff", case).criteria["tradeoffs"]
    assert crit.score is not None and crit.score <= 1
    assert "actions to learn more or fix" not in crit.found


def test_terse_trade_off_notes_show_verdict_pros_cons_and_actions() -> None:
    # the parts of a trade-off said as notes: no subject, "+"/"-" lines, an adverb after "I'd"
    s, case = BANK.case("groups-to-1")
    notes = ("Net: leaning bad.\n"
             "+ people who stay read more threads\n"
             "- casual members drop off, the ones we'd grow\n"
             "Wouldn't roll it out to everybody. I'd probably try a variant that keeps some group posts in Feed, "
             "then run the test again.\n")
    crit = analyse(notes, s, "tradeoff", case).criteria["tradeoffs"]
    for part in ("a verdict", "pros and cons", "actions to learn more or fix"):
        assert part in crit.found, (part, crit.found)


def test_restating_the_prompt_earns_no_data_analysis() -> None:
    s, case = BANK.case("groups-to-1")
    numbers = re.findall(r"[-+]?\d+(?:\.\d+)?%", case.prompt)
    assert numbers
    text = f"So we saw {' and '.join(numbers)}. That is what happened in the test, as you said."
    crit = analyse(text, s, "tradeoff", case).criteria["data_analysis"]
    assert crit.score is None or crit.score <= 1


def test_vague_goals_are_not_reasonable_goals() -> None:
    text = ("Groups exists to help people build community. Goals: increase engagement in Groups and grow the "
            "number of groups. I'd prioritize engagement first because it matters most.")
    assert (analyse(text, GROUPS).criteria["goals"].score or 0) <= 2


def test_ranked_goals_with_a_reason_earn_prioritization() -> None:
    s = BANK.find("doordash")
    from pmcoach.answer import build_answer, render_markdown

    text = render_markdown(build_answer(s))
    assert (analyse(text, s).criteria["prioritization"].score or 0) >= 3


def test_evidence_is_whole_sentences_never_headings_never_cut_mid_word() -> None:
    from pmcoach.answer import build_answer, render_markdown

    for pid in ("doordash", "facebook-groups", "slack"):
        s = BANK.find(pid)
        text = render_markdown(build_answer(s))
        headings = {ln.strip().strip("#*: ").lower() for ln in text.splitlines() if ln.startswith("#")}
        for c in analyse(text, s).criteria.values():
            for e in c.evidence:
                q = e.quote
                assert q == text[e.start:e.end]
                assert q.strip().strip("*:").lower() not in headings, q
                assert not (e.end < len(text) and text[e.end - 1].isalnum() and text[e.end].isalnum()), q
                assert not (e.start > 0 and text[e.start - 1].isalnum() and text[e.start].isalnum()), q


# ---------------------------------------------------------------- property tests

VANITY = ["DAU", "MAU", "time spent", "total posts", "page views", "number of likes", "app downloads",
          "total group joins", "sessions per day"]
DISMISSALS = ["I wouldn't use {m} as a success metric.", "Not {m}: it rewards scrolling.", "{m} is a vanity number here.",
              "Rather than {m}, I'd look at replies.", "I'd steer clear of {m}.", "{m} doesn't count as success.",
              "Tempting to track {m}, but it says nothing about value."]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VANITY), st.sampled_from(DISMISSALS))
def test_property_dismissing_a_vanity_metric_removes_its_pushback(metric: str, template: str) -> None:
    proposed = f"North star: {metric}."
    assert _pushed_back(proposed)
    dismissed = template.format(m=metric)
    dismissed = dismissed[0].upper() + dismissed[1:]
    assert not _pushed_back(dismissed), dismissed


GUARD_LABELS = ["Guardrails:", "Guardrail metrics:", "Counter-metrics:", "Health metrics:",
                "Things I'd watch so we don't break anything:", "What must not get worse:"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VANITY + ["reports per 1k posts", "crash rate", "ad revenue per member"]),
       st.sampled_from(GUARD_LABELS))
def test_property_a_metric_under_a_guardrail_label_is_a_guardrail(metric: str, label: str) -> None:
    for text in (f"{label}\n- {metric}", f"{label} {metric}."):
        rep = analyse(text, GROUPS)
        hit = [m for m in rep.mentions if metric.split()[0].lower() in m.text.lower()]
        assert hit and all(m.tier == "guardrail" and not m.vanity for m in hit), (text, [(m.text, m.tier) for m in rep.mentions])


# ---------------------------------------------------------------- every catalog metric, paraphrased


def _paraphrases() -> list[dict]:  # type: ignore[type-arg]
    rows = []
    for f in sorted((ROOT / "benchmarks/data/v2/paraphrases").glob("*.jsonl")):
        rows += [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def test_every_catalog_metric_is_recognised_when_paraphrased() -> None:
    """Each metric of each bank catalog, said in plain words and in notes by authors who did not
    write the analysis, is still found as a measure put forward (a success measure or a
    guardrail) in at least one of its paraphrases; and across all of them the analysis judges
    vanity as the catalog's author did for the large majority."""
    rows = _paraphrases()
    by_metric: dict[tuple[str, str], list[bool]] = {}
    agree = judged = 0
    for r in rows:
        s = BANK.scenarios[r["product"]]
        rep, m = _mention(r["text"], r["metric"], s)
        found = m is not None and m.role in ("success", "guardrail")
        by_metric.setdefault((r["product"], r["catalog_id"]), []).append(found)
        if found and m is not None and m.role == "success" and not m.defensible:
            judged += 1
            agree += m.vanity == r["vanity"]
    # the paraphrase sets were written for the first 15 scenarios; a scenario added later is
    # covered once its paraphrases are written (every metric of a covered scenario must be)
    covered = {p for p, _ in by_metric}
    assert len(covered) >= 15
    total = sum(len(BANK.scenarios[sid].metrics) for sid in covered)
    assert len(by_metric) == total, "every catalog metric of a covered scenario has paraphrases"
    missed = sorted(k for k, v in by_metric.items() if not any(v))
    assert not missed, f"{len(missed)} catalog metrics not recognised in any paraphrase: {missed[:10]}"
    assert agree / judged >= 0.85, f"vanity agrees with the catalog on {agree}/{judged}"
