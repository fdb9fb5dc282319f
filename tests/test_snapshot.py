"""A session resumes from the state stored with its latest reply, and that state is the one a
replay of the whole transcript would reach."""

from __future__ import annotations

from pathlib import Path

import pytest
from web_fixtures import SCRIPT

from pmcoach.coach import Coach
from pmcoach.engine import Config, Interview
from pmcoach.kb import load_bank
from pmcoach.store import Store

TS_TURNS = [
    "How is the metric defined, and did the definition change?",
    "When did it start, and was it sudden or gradual?",
    "Is it one platform or one app version?",
    "Which segments are hit?",
    "I don't know",
    "My hypothesis is the root cause is a logging change; I'd check the pipeline.",
]


@pytest.mark.parametrize("start", ["main", "groups-ts-1", "groups-lp-1"])
def test_restored_state_is_the_replayed_state(start: str) -> None:
    bank = load_bank(include_user=False)
    s = bank.find("Facebook Groups")
    cases = [c.id for c in s.all_cases()]
    cfg = Config(s.id, cases[:2] + ["groups-ts-1"] if start == "main" else [start], start=start)
    live = Interview(s, cfg)
    live.opening()
    turns = SCRIPT if start == "main" else TS_TURNS
    said: list[str] = []
    for text in turns:
        live.respond(text, 1.0)
        said.append(text)
        snap = live.snapshot()
        restored = Interview.restore(s, cfg, snap)
        assert restored is not None and restored.snapshot() == snap
        replayed = Interview(s, cfg)
        replayed.opening()
        for t in said:
            replayed.respond(t, 1.0)
        assert replayed.snapshot() == snap
        if live.finished:
            break
    assert len(said) >= 3
    # and a restored interviewer goes on exactly as the live one does
    restored = Interview.restore(s, cfg, live.snapshot())
    assert restored is not None
    if not live.finished:
        nxt = "What do user feedback and related metrics show?"
        assert restored.respond(nxt, 2.0).text == live.respond(nxt, 2.0).text


def test_a_snapshot_of_another_version_is_ignored() -> None:
    s = load_bank(include_user=False).find("Airbnb")
    cfg = Config(s.id, [])
    assert Interview.restore(s, cfg, {"v": 0}) is None


def test_a_cold_coach_resumes_from_the_stored_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "db.sqlite")
    bank = load_bank(include_user=False)
    warm = Coach(store, bank)
    sid = warm.start("Facebook Groups").session_id
    for text in SCRIPT[:6]:
        warm.say(sid, text)
    _, live, _ = warm.interview(sid)
    # a second worker: nothing cached, and replaying would analyse turns, which must not happen
    cold = Coach(store, bank)
    calls: list[str] = []
    real = Interview.respond
    monkeypatch.setattr(Interview, "respond", lambda self, text, *a, **k: calls.append(text) or real(self, text, *a, **k))
    _, iv, turns = cold.interview(sid)
    assert calls == [] and iv.snapshot() == live.snapshot() and len(turns) == 13
    # a session stored before snapshots (no state on its turns) is still replayed
    store._query("UPDATE turns SET state = NULL")  # noqa: SLF001
    _, iv2, _ = Coach(store, bank).interview(sid)
    assert len(calls) == 6 and iv2.snapshot() == live.snapshot()
    store.close()
