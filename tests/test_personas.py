"""Whole interviews played by scripted candidates (benchmarks/personas.py), read as a
transcript would be: what each kind of candidate must and must not get from the interviewer."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from personas import PERSONAS, cases, play  # noqa: E402

# one case per kind of root cause: a release, the season, a logging change, a rival, a rule, a segment
CASES = ["groups-ts-1", "abnb-ts-1", "groups-ts-3",
         "nflx-ts-1", "uber-ts-2", "slack-ts-1"]


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, str], object]:
    out = {}
    for case_id in CASES:
        (s, case), = cases(case_id)
        for p in PERSONAS:
            out[(p, case_id)] = play(p, s, case)
    return out


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_every_persona_gets_a_fair_interview(runs, persona: str) -> None:
    for case_id in CASES:
        r = runs[(persona, case_id)]
        assert r.wrong_praised == 0, (case_id, r.transcript)
        assert r.wrong_ended == 0, (case_id, r.transcript)
        assert r.unwarranted <= 1, (case_id, r.transcript)
        # a right root cause with a plan closes the case at once
        assert r.right_with_plan >= 1 and r.right_with_plan_closed == r.right_with_plan, (case_id, r.transcript)
        assert r.finished


def test_the_vanity_candidate_is_pushed_back_and_the_others_are_not(runs) -> None:
    for case_id in CASES:
        assert runs[("vanity", case_id)].pushbacks >= 1
        assert runs[("strong", case_id)].pushbacks == 0


def test_methodical_candidates_reach_the_decisive_fact(runs) -> None:
    for case_id in CASES:
        for p in ("strong", "plain", "wrong", "answer"):
            assert runs[(p, case_id)].decisive, (p, case_id)


def test_wrong_conclusions_are_challenged_and_a_hint_follows_the_second(runs) -> None:
    for case_id in CASES:
        r = runs[("wrong", case_id)]
        assert r.wrong_conclusions >= 2
        replies = [t for role, t in r.transcript if role == "interviewer"]
        assert any("Here's a hint" in t for t in replies), case_id


def test_asking_for_the_answer_or_giving_up_gets_a_nudge_not_praise(runs) -> None:
    for case_id in CASES:
        for p in ("answer", "idk"):
            tr = runs[(p, case_id)].transcript
            said = [i for i, (role, t) in enumerate(tr) if role == "candidate"
                    and ("tell me" in t.lower() or "root cause?" in t.lower() or "don't know" in t.lower())]
            for i in said:
                reply = tr[i + 1][1]
                assert not reply.startswith(("Good", "Great", "Thanks")), reply
                (s, case), = cases(case_id)
                assert case.root_cause not in reply


def test_strong_candidates_score_higher_than_plain_notes_where_it_matters(runs) -> None:
    # the same content in plain words still earns the north star area, with no pushback
    for case_id in CASES:
        assert runs[("plain", case_id)].scores.get("metrics", 0) >= 3


def test_a_vanity_north_star_corrected_after_pushback_scores_below_one_never_proposed(runs) -> None:
    # found by the persona table: the vanity candidate once scored metrics 3.81 against 3.39
    for case_id in CASES:
        assert runs[("vanity", case_id)].scores["metrics"] < runs[("strong", case_id)].scores["metrics"] or \
            runs[("vanity", case_id)].scores["metrics"] <= 3
    assert sum(runs[("vanity", c)].scores["metrics"] for c in CASES) < sum(runs[("strong", c)].scores["metrics"] for c in CASES)
