"""The analysis engine: metrics, vanity pushback, diagnostics, rubric with evidence."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmcoach.analysis import analyse, classify
from pmcoach.analysis.metrics import find_mentions
from pmcoach.analysis.text import units, usable
from pmcoach.errors import InputError
from pmcoach.kb import load_bank
from pmcoach.models import DIMENSIONS
from pmcoach.rubric import AREAS

BANK = load_bank(include_user=False)
GROUPS = BANK.find("facebook-groups")

STRONG = """Facebook Groups exists to help people build community, which is Meta's mission of bringing the
world closer together. For users it solves finding people who share an interest or situation; for Meta it keeps
Facebook relevant as friends post less. The biggest threat is Reddit and Discord for younger users, and Groups is
a mature product, so the goal is depth rather than reach.

Segments: members (mostly readers), contributors, and admins. Journey: discover -> join -> read -> participate -> come back.

Goals:
1. Increase meaningful participation among members.
2. Keep admins healthy, since they are the supply side.
I'd prioritize participation first because it is the mission itself; admins second; newcomer growth later.

North star: % of weekly active group members who post or comment and get a reply within 48 hours, over the last 7 days.
It beats DAU because it needs a real exchange. The downside is it misses readers who get value without writing.
Secondary metrics: posts answered within 24 hours, admin 4-week retention.
Guardrails: prevalence of violating content, notification opt-out rate, and crash rate.
I'd A/B test changes with a holdout, aiming to move the north star from 18% to 19% in a quarter, and watch for
cannibalization of Messenger and the effect on new vs existing members.
"""

WEAK = "I would measure success with DAU and time spent. We want more engagement and more likes on posts."


def _report(text: str, mode: str = "answer", scenario=GROUPS):  # type: ignore[no-untyped-def]
    return analyse(text, scenario, mode)  # type: ignore[arg-type]


def test_vanity_metric_gets_product_specific_pushback() -> None:
    r = _report(WEAK)
    dau = next(m for m in r.mentions if m.text == "DAU")
    assert dau.vanity and dau.catalog_id is not None
    line = next(p for p in r.pushback if '"DAU"' in p)
    assert "Facebook Groups" in line and "member" in line
    assert GROUPS.metric(dau.catalog_id).vanity_reason.split(";")[0][:30].lower() in line.lower()


def test_dismissed_vanity_metric_is_not_pushed_back() -> None:
    r = _report(STRONG)
    dau = next(m for m in r.mentions if m.text == "DAU")
    assert dau.rejected
    assert not any('"DAU"' in p for p in r.pushback)


def test_labels_decide_the_tier() -> None:
    r = _report(STRONG)
    tiers = {m.text: m.tier for m in r.mentions}
    ns = next(m for m in r.mentions if m.tier == "north_star")
    assert ns.text.startswith("% of weekly active group members")
    assert not ns.vanity and ns.defined
    assert tiers["crash rate"] == "guardrail"
    assert tiers["admin 4-week retention"] == "input"


def test_north_star_only_dau_is_flagged_in_metrics_score() -> None:
    r = _report("North star: DAU. Secondary: time spent. " * 3)
    assert r.criteria["metrics"].score is not None and r.criteria["metrics"].score <= 2
    assert "activity, not value" in r.criteria["metrics"].advice


def test_strong_scores_above_weak_and_evidence_is_verbatim() -> None:
    strong, weak = _report(STRONG), _report(WEAK)
    assert strong.overall > weak.overall + 1
    for rep, text in ((strong, STRONG), (weak, WEAK)):
        for c in rep.criteria.values():
            for e in c.evidence:
                assert text[e.start:e.end] == e.quote
            if c.score is not None and c.score > 1:
                assert c.evidence, f"{c.area} scored {c.score} without evidence"


def test_short_and_off_topic_answers_cannot_score_well() -> None:
    for text in ("Groups is good.", "I like turtles and the weather in Lisbon is lovely this time of year. " * 3):
        r = _report(text)
        assert all(c.score is None or c.score <= 2 for c in r.criteria.values())
        assert r.issues


def test_scores_are_deterministic() -> None:
    assert json.dumps(_report(STRONG).to_json()) == json.dumps(_report(STRONG).to_json())


@pytest.mark.parametrize(
    ("question", "dims"),
    [
        ("Was it only iOS users in Brazil?", ["geography", "platform"]),
        ("Did this happen on all platforms?", ["platform"]),

        ("Could it be a logging issue?", ["data_quality"]),
        ("Is this YoY or WoW?", ["seasonality"]),
        ("Did a competitor launch something?", ["competitor"]),
        ("Can you just tell me the answer?", ["other"]),
        ("When did it start, and was it sudden or gradual?", ["time_period", "trend"]),
    ],
)
def test_diagnostic_questions_map_to_dimensions(question: str, dims: list[str]) -> None:
    assert classify(question) == dims


def test_a_question_about_releases_reaches_our_launches() -> None:
    # "releases" may also mean app builds (app_version): the labellers' guide allows both
    dims = classify("Any recent releases?")
    assert "tech_change" in dims and set(dims) <= {"tech_change", "app_version"}


def test_troubleshooting_mode_scores_diagnosis() -> None:
    text = ("When did it start? Was it sudden or gradual? Is it the same across iOS and Android? "
            "Any new releases? Did a competitor launch anything? Is the data pipeline healthy? "
            "I think the root cause is the Android release, so I'd roll back and add an alert.")
    r = _report(text, "troubleshooting")
    diag = r.criteria["problem_diagnosis"]
    assert diag.score is not None and diag.score >= 3
    assert r.criteria["product_rationale"].score is None
    assert all(set(q[2]) <= set(DIMENSIONS) for q in r.questions)
    wander = _report("Hmm. Interesting. What do you think? Is that a lot?", "troubleshooting")
    assert (wander.criteria["problem_diagnosis"].score or 0) <= 1


def test_tradeoff_mode_scores_reasoning() -> None:
    good = ("Q: DAU -10%, time spent +10%. First, the north star: meaningful participants are flat, so this is not a win. "
            "The pros: remaining users are deeper; the cons: we lost light users and retention may suffer, "
            "which hurts the guardrails. I'd segment by new vs existing users, run a holdout for 4 weeks, and check "
            "notification opt-outs. My verdict: I wouldn't ship as is, unless the lost users were low-intent; "
            "if retention holds I'd iterate.")
    bad = "It's good because engagement went up."
    assert (_report(good, "tradeoff").criteria["tradeoffs"].score or 0) >= 3
    assert (_report(bad, "tradeoff").criteria["tradeoffs"].score or 0) <= 1


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00\x01\x02\x03\x04" * 50, "😀" * 500])
def test_ungradable_text_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError):
        analyse(text)


@pytest.mark.parametrize(
    "text",
    [
        "Métricas: DAU y tiempo en la app. 目标是提高参与度 🚀🚀",
        "| metric | tier |\n|---|---|\n| DAU | north star |\n| crash rate | guardrail |",
        "<script>alert(1)</script><p>North star: % of <b>weekly</b> members who post</p>",
        "😀 DAU " * 300,
    ],
)
def test_odd_inputs_do_not_crash(text: str) -> None:
    r = analyse(text, GROUPS)
    for c in r.criteria.values():
        for e in c.evidence:
            assert text[e.start:e.end] == e.quote


def test_html_tags_do_not_become_metrics() -> None:
    r = analyse("<p>North star: % of <b>weekly</b> members who post in a group</p>", GROUPS)
    assert all("<" not in m.text for m in r.mentions)


def test_a_megabyte_is_truncated_with_a_note() -> None:
    r = analyse(STRONG * 1000, GROUPS)
    assert any("only the first" in i for i in r.issues)


TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=400)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_property_mentions_are_in_bounds_and_disjoint(text: str) -> None:
    prepared, _ = usable(text)
    ms = find_mentions(prepared, units(prepared), GROUPS)
    last = -1
    for m in ms:
        assert 0 <= m.start < m.end <= len(prepared)
        assert m.start >= last
        last = m.end
        assert m.tier in ("north_star", "input", "guardrail", "unclassified")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_property_classify_returns_known_sorted_dimensions(text: str) -> None:
    dims = classify(text)
    assert dims == sorted(set(dims)) and dims
    assert set(dims) <= set(DIMENSIONS)
    assert dims == ["other"] or "other" not in dims


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([
    "North star:", "DAU", "% of weekly members who post", "guardrail", "crash rate", "\n", "- ", "because",
    "mission", "goal", "we could also", "but", "Reddit", "mature", "1.", "2.", "<b>", "😀", " ", "time spent",
]), min_size=1, max_size=40).map("".join))
def test_property_grading_never_crashes_and_quotes_are_verbatim(text: str) -> None:
    try:
        r = analyse(text, GROUPS)
    except InputError:
        return
    assert set(r.criteria) == set(AREAS)
    for c in r.criteria.values():
        assert c.score is None or 1 <= c.score <= 4
        for e in c.evidence:
            assert text[e.start:e.end] == e.quote


def test_check_cli_json_contract(run, tmp_path: Path) -> None:
    f = tmp_path / "a.md"
    f.write_text(STRONG)
    code, out, err = run("check", str(f), "--product", "Facebook Groups", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) >= {"metrics", "criteria", "issues"}
    assert set(doc["criteria"]) == set(AREAS)
    for m in doc["metrics"]:
        assert set(m) >= {"text", "name", "tier", "vanity", "reason", "suggestion"}
        assert m["tier"] in ("north_star", "input", "guardrail", "unclassified")
    for c in doc["criteria"].values():
        assert c["score"] is None or 1 <= c["score"] <= 4
        assert "evidence" in c and "advice" in c


def test_check_cli_readable_report(run, tmp_path: Path) -> None:
    f = tmp_path / "a.md"
    f.write_text(WEAK)
    code, out, _ = run("check", str(f), "--product", "groups")
    assert code == 0
    assert "Rubric" in out and "push back" in out and "DAU" in out


def test_check_cli_bad_input(run, tmp_path: Path) -> None:
    code, _, err = run("check", str(tmp_path / "nope.md"))
    assert code == 2 and "no such file" in err
    b = tmp_path / "b.bin"
    b.write_bytes(b"\x00\x01binary")
    code, _, err = run("check", str(b))
    assert code == 2 and "binary" in err
    e = tmp_path / "e.md"
    e.write_text("   ")
    code, _, err = run("check", str(e))
    assert code == 2 and "empty" in err


def test_check_reads_stdin(tmp_path: Path) -> None:
    p = subprocess.run(
        [sys.executable, "-m", "pmcoach", "check", "-", "--json"],
        input=WEAK, capture_output=True, text=True, env={"PMCOACH_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert p.returncode == 0, p.stderr
    assert any(m["vanity"] for m in json.loads(p.stdout)["metrics"])


def test_quality_on_held_out_wording_does_not_regress() -> None:
    """Guards the measured figures (benchmarks/quality.py) on the test split, which is written
    by authors whose wording the rules' author never read; the floors sit below the figures
    reported in the README so that noise does not fail the build but a regression does."""
    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    import quality

    m = quality.metric_quality("test", 0)
    assert m["vanity_f1"] >= FLOORS["vanity_f1"], m
    assert m["tier_accuracy"] >= FLOORS["tier_accuracy"], m
    d = quality.dimension_quality("test", 0)
    assert d["at_least_one_right"] >= FLOORS["at_least_one_right"], d
    assert d["exact_set"] >= FLOORS["exact_set"], d
    assert d["in_the_game"]["fact_given"] >= FLOORS["fact_given"], d
    t = quality.turn_quality("test", 0)
    assert t["ordinary_turns_pushed_back"] <= CEILINGS["ordinary_turns_pushed_back"], t
    assert t["vanity_proposals_pushed_back"] >= FLOORS["vanity_proposals_pushed_back"], t


FLOORS = {
    "vanity_f1": 0.80,
    "tier_accuracy": 0.73,
    "at_least_one_right": 0.90,
    "exact_set": 0.73,
    "fact_given": 0.92,
    "vanity_proposals_pushed_back": 0.78,
}
CEILINGS = {"ordinary_turns_pushed_back": 0.05}
