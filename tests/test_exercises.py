"""Launch, experiment and prioritization cases: schema, lint arithmetic, the interviewer's
flow and the feedback. The cases here are built in the test, so they do not move when the
bank's content does."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from pmcoach.engine import Config, Interview
from pmcoach.feedback import build_feedback
from pmcoach.kb import lint_power, lint_scenario, load_bank, sample_size
from pmcoach.models import ExperimentCase, LaunchCase, Power, PrioritizationCase

BANK = load_bank(include_user=False)


@dataclass
class T:
    """A stored turn, as the feedback reads it."""

    seq: int
    role: str
    stage: str
    text: str
    analysis: dict = field(default_factory=dict)
GROUPS = BANK.find("facebook-groups")

LAUNCH = LaunchCase.model_validate({
    "id": "groups-lp-9", "title": "Launching AI summaries of busy groups",
    "prompt": "We're about to launch AI summaries of unread posts in busy groups. Walk me through your launch plan.",
    "data": ["About 40% of weekly active members belong to at least one group with more than 50 unread posts.",
             "Summaries cost about $0.002 each to generate.",
             "In the internal dogfood, 3% of summaries were flagged as inaccurate by employees.",
             {"text": "Admins of large groups asked for a way to turn summaries off for their group.", "about": "admins"}],
    "strong_points": ["Defines success before launch", "Stages with gates", "Watches accuracy", "Long-term holdout"],
    "feature": "AI summaries of unread posts at the top of busy groups.",
    "before": ["Agree the success metric (members who open a summarised group and then read or comment) and its baseline.",
               "Check summary accuracy on a labelled sample of 2,000 groups before any member sees one."],
    "rollout": ["Employees first, then 1% of members in English-speaking markets for two weeks.",
                "Then 10% and 50%, each gated on a flagged-inaccurate rate under 1%."],
    "during": ["Watch flagged-inaccurate summaries, admin opt-outs and reports daily, with alerts.",
               "Watch comment rate in summarised groups so summaries do not replace reading."],
    "after": ["Keep a 5% holdout for eight weeks to read the long-term effect on meaningful participation once novelty wears off.",
              "Review at eight weeks whether to extend summaries to smaller groups."],
    "kill_criteria": ["Roll back if flagged-inaccurate summaries exceed 2% or admin opt-outs exceed 10% of large groups."],
})

PRIO = PrioritizationCase.model_validate({
    "id": "groups-pr-9", "title": "Three bets for Groups next quarter",
    "prompt": "You have one team for a quarter: Admin Assist, Group Search or Event RSVPs. Which first?",
    "data": ["Admin Assist would reach 2 million admins a quarter.", "Group Search would reach 80 million members.",
             "Event RSVPs would reach 10 million members."],
    "strong_points": ["Compares reach and effort", "Picks one", "Ties to the goal", "Says what is deferred"],
    "initiatives": [
        {"id": "admin-assist", "name": "Admin Assist", "description": "Automated moderation help for admins.",
         "reach": 2e6, "impact": 2, "confidence": 80, "effort": 6},
        {"id": "group-search", "name": "Group Search", "description": "Better search inside groups.",
         "reach": 8e7, "impact": 0.5, "confidence": 50, "effort": 9},
        {"id": "event-rsvps", "name": "Event RSVPs", "description": "RSVPs for group events.",
         "reach": 1e7, "impact": 1, "confidence": 70, "effort": 4}],
    "choice": "admin-assist", "reasoning": "Admins are the supply side of Groups: healthy groups need them.",
    "not_doing": "Group Search waits: its reach is large but the impact per member is uncertain.",
})


def _scenario_with(*cases: object):
    launches = [c for c in cases if isinstance(c, LaunchCase)]
    prios = [c for c in cases if isinstance(c, PrioritizationCase)]
    return GROUPS.model_copy(update={"launches": launches, "prioritizations": prios})


def test_sample_size_matches_the_textbook_formula() -> None:
    # 10% baseline, +5% relative (10% -> 10.5%): about 57,800 per arm at alpha 0.05, power 0.8
    n = sample_size(Power(baseline=10, mde=5, units_per_day=10000, per_arm=57800, days=12))
    assert 57000 < n < 58500


def test_power_lint_catches_a_wrong_sample_and_a_short_test() -> None:
    ok = Power(baseline=10, mde=5, units_per_day=10000, per_arm=57800, days=12)
    assert lint_power("x", ok) == []
    wrong = ok.model_copy(update={"per_arm": 20000})
    assert any("need about" in p for p in lint_power("x", wrong))
    short = ok.model_copy(update={"days": 5, "units_per_day": 100000})
    assert any("full week" in p for p in lint_power("x", short))
    slow = ok.model_copy(update={"units_per_day": 1000})
    assert any("too short" in p for p in lint_power("x", slow))


def test_prioritization_lint_checks_the_choice_and_the_names() -> None:
    s = _scenario_with(PRIO.model_copy(update={"choice": "nothing"}))
    assert any("choice 'nothing'" in p for p in lint_scenario(s))
    assert not any("groups-pr-9" in p for p in lint_scenario(_scenario_with(PRIO)))


def test_launch_case_is_played_asks_for_missing_parts_and_moves_on() -> None:
    s = _scenario_with(LAUNCH)
    iv = Interview(s, Config(s.id, [LAUNCH.id], start=LAUNCH.id))
    first = iv.opening()[0]
    assert first.stage == "launch" and "launch plan" in first.text
    r = iv.respond("What share of members are in busy groups?")
    assert r.kind == "clarification" and "40%" in r.text
    r = iv.respond("I'd roll it out to 1% of members first, then 10%, then everyone, only moving on when "
                   "the accuracy complaints stay low.")
    assert r.kind == "probe" and r.analysis["exercise"]["found"] == ["rollout"]
    asked_for = r.text
    r = iv.respond("Before launch we agree the success metric and measure today's baseline. I'd keep a holdout "
                   "for two months to see if it lasts after the novelty wears off.")
    assert r.text != asked_for
    found = r.analysis["exercise"]["found"]
    assert {"before", "rollout", "after"} <= set(found)
    while not iv.finished:
        r = iv.respond("If inaccurate summaries pass 2% we turn it off with a kill switch.")
    assert iv.finished


def test_giving_up_on_a_launch_case_gets_a_hint_not_praise() -> None:
    s = _scenario_with(LAUNCH)
    iv = Interview(s, Config(s.id, [LAUNCH.id], start=LAUNCH.id))
    iv.opening()
    r = iv.respond("I don't know, can you just tell me?")
    assert r.kind == "hint" and "one piece at a time" in r.text


def test_prioritization_feedback_names_the_choice_and_quotes_the_candidate() -> None:
    s = _scenario_with(PRIO)
    answer = ("Group Search reaches the most people but the impact per member is small and we're unsure of it. "
              "I'd pick Admin Assist first. It serves our top goal, healthy groups, because admins keep groups alive. "
              "We won't do Event RSVPs this quarter. The risk is admins ignore it, so I'd test with 100 groups first.")
    turns = [T(1, "interviewer", "prioritization", PRIO.prompt, {"case_id": PRIO.id}),
             T(2, "candidate", "prioritization", answer, {"case_id": PRIO.id})]
    fb = build_feedback(s, {"followups": [PRIO.id]}, turns)
    x = fb["exercises"][0]
    assert x["your_choice"] == "Admin Assist" and x["model_choice"] == "Admin Assist"
    crit = fb["criteria"]["prioritization"]
    assert crit["score"] >= 3
    assert all(e["quote"] in answer for e in crit["evidence"])


@pytest.mark.parametrize("kind", ["launch", "experiment", "prioritization"])
def test_every_part_has_a_question_and_advice(kind: str) -> None:
    from pmcoach.analysis import exercise

    for spec in exercise.parts(kind).values():
        assert spec["question"].endswith("?") and spec["advice"] and len(spec["prototypes"]) >= 3


def test_experiment_case_validates() -> None:
    e = ExperimentCase.model_validate({
        "id": "x-ex-1", "title": "t", "prompt": "How would you test it?", "data": ["a b c", "d e f"],
        "strong_points": ["a", "b", "c"], "hypothesis": "h", "unit": "users", "primary": "p",
        "guardrails": ["g1", "g2"], "power": {"baseline": 10, "mde": 5, "units_per_day": 10000,
                                              "per_arm": 57800, "days": 12},
        "duration": "12 days", "pitfalls": ["novelty", "network"], "decision": "ship if up"})
    assert e.power.arms == 2


def _bank_exercises() -> list[tuple[str, str]]:
    return [(s.id, c.id) for s in BANK.scenarios.values()
            for c in [*s.launches, *s.experiments, *s.prioritizations]]


@pytest.mark.parametrize("sid,case_id", _bank_exercises())
def test_every_bank_exercise_is_playable_to_the_end(sid: str, case_id: str) -> None:
    """Each launch, experiment and prioritization case in the bank: the opening is its prompt,
    a question about its data gets a fact of its own data, a thin answer gets at most two
    probes for missing parts, and the feedback scores its rubric area with the answer's words."""
    from pmcoach.analysis import exercise

    s, case = BANK.case(case_id)
    iv = Interview(s, Config(s.id, [case.id], start=case.id))
    assert case.prompt in iv.opening()[0].text
    r = iv.respond(f"What do we know about {case.data[0].text.split(',')[0].lower()}?")
    assert r.kind == "clarification"
    assert any(f.text in r.text for f in case.data) or r.text.startswith("We don't have data")
    answer = "I'd start small and see how it goes, then decide."
    probes = 0
    turns = [answer]
    r = iv.respond(answer)
    while not iv.finished:
        assert r.kind == "probe"
        probes += 1
        turns.append("I'm not sure, I'd look at the numbers.")
        r = iv.respond(turns[-1])
    assert probes <= 2

    kind = exercise.kind_of(case)
    fb = build_feedback(s, {"followups": [case.id]},
                        [T(i + 1, "candidate", kind, t, {"case_id": case.id}) for i, t in enumerate(turns)])
    area = fb["criteria"][exercise.rubric_area(kind)]
    assert area["score"] is not None and area["score"] <= 2  # a thin answer is not a strong one
    assert fb["exercises"][0]["model"]  # the finished case shows the model answer part by part
