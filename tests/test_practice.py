"""The mock interview: simulated candidates, the troubleshooting game, feedback, resume."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from pmcoach.coach import Coach
from pmcoach.engine import Config, Interview
from pmcoach.kb import load_bank
from pmcoach.store import MIGRATIONS, Store

DATA = Path(__file__).parent / "data"
BANK = load_bank(include_user=False)


def _script(run, name: str, *args: str) -> dict:  # type: ignore[no-untyped-def]
    code, out, err = run("practice", *args, "--script", str(DATA / name), "--json")
    assert code == 0, err
    return json.loads(out)


def _no_leak(doc: dict, bank=BANK) -> None:  # type: ignore[no-untyped-def]
    """No interviewer turn, before the end, states the root cause of any case in play."""
    s = bank.scenarios[doc["scenario"]]
    for case in s.troubleshooting:
        words = re.findall(r"\w+", case.root_cause.lower())
        grams = {" ".join(words[i:i + 8]) for i in range(max(1, len(words) - 7))}
        for t in doc["turns"]:
            if t["role"] != "interviewer" or t["stage"] == "done":
                continue
            flat = " ".join(re.findall(r"\w+", t["text"].lower()))
            assert not any(g in flat for g in grams), f"root cause leaked: {t['text']}"


def _no_loop(doc: dict) -> None:
    texts = Counter(t["text"] for t in doc["turns"] if t["role"] == "interviewer")
    repeated = {k: v for k, v in texts.items() if v > 2 and not k.startswith(("Can you be more specific", "I didn't catch"))}
    assert not repeated, repeated
    for a, b, c in zip(doc["turns"][1::2], doc["turns"][3::2], doc["turns"][5::2], strict=False):
        assert not (a["text"] == b["text"] == c["text"]), a["text"]


def test_simulated_candidates_are_ordered_and_safe(run) -> None:
    strong = _script(run, "strong_groups.txt", "Facebook Groups")
    vanity = _script(run, "vanity_groups.txt", "Facebook Groups")
    wander = _script(run, "wanderer_troubleshooting.txt", "--followup", "groups-ts-1")
    for doc in (strong, vanity, wander):
        assert doc["feedback"]["criteria"], "always reaches feedback"
        _no_leak(doc)
        _no_loop(doc)
    s, v, w = (d["feedback"]["overall"] for d in (strong, vanity, wander))
    assert s > v + 1.0
    assert s > w + 1.0
    assert strong["feedback"]["troubleshooting"][0]["root_cause_correct"] is True
    assert wander["feedback"]["troubleshooting"][0]["root_cause_correct"] is False
    assert (wander["feedback"]["criteria"]["problem_diagnosis"]["score"] or 0) <= 2


def test_vanity_pushback_happens_at_once(run) -> None:
    doc = _script(run, "vanity_groups.txt", "Facebook Groups")
    turns = doc["turns"]
    i = next(i for i, t in enumerate(turns) if t["role"] == "candidate" and "DAU" in t["text"])
    reply = turns[i + 1]
    assert reply["role"] == "interviewer" and '"DAU"' in reply["text"]
    assert turns[i]["analysis"].get("pushback")  # the very next reply pushes back
    first = next(t for t in turns if t["role"] == "interviewer" and t["text"].startswith("Let me push back on"))
    assert "Facebook Groups" in first["text"]
    assert doc["feedback"]["vanity"]


def test_script_contract(run) -> None:
    doc = _script(run, "strong_groups.txt", "Facebook Groups")
    assert set(doc) >= {"session_id", "scenario", "turns", "feedback"}
    assert doc["scenario"] == "facebook-groups"
    for t in doc["turns"]:
        assert t["role"] in ("interviewer", "candidate")
        assert {"stage", "text", "analysis"} <= set(t)
    ts = [t for t in doc["turns"] if t["role"] == "candidate" and t["stage"] == "troubleshooting"]
    assert ts and all("dimensions" in t["analysis"] for t in ts)
    assert "criteria" in doc["feedback"]


def test_followup_starts_at_the_case(run) -> None:
    doc = _script(run, "wanderer_troubleshooting.txt", "--followup", "groups-ts-1")
    first = doc["turns"][0]
    assert first["role"] == "interviewer" and first["stage"] == "troubleshooting"
    assert "dropped 10%" in first["text"]


def test_troubleshooting_answers_only_the_dimension_asked() -> None:
    s, case = BANK.case("groups-ts-1")
    iv = Interview(s, Config(s.id, [case.id], start=case.id))
    iv.opening()
    platform = [f.text for f in case.facts["platform"]]
    r = iv.respond("Did this happen on all platforms?")
    assert r.kind == "fact" and any(t in r.text for t in platform)
    others = [f.text for d, fs in case.facts.items() if d not in ("platform", "geography") for f in fs]
    r2 = iv.respond("Was it only iOS users in Brazil?")
    assert any(f.text in r2.text for f in case.facts["geography"]) and not any(t in r2.text for t in others)
    r3 = iv.respond("How's the weather in Lisbon today?")
    assert r3.kind in ("clarification", "fact")
    r4 = iv.respond("Just tell me what happened.")
    assert case.root_cause not in r4.text and r4.kind in ("probe", "hint")
    r5 = iv.respond("Did this happen on all platforms?")
    assert r5.text.startswith("As I said:") and r5.text.count(".") <= 2  # a one-line reminder


def test_hint_and_skip_and_help() -> None:
    s = BANK.find("Facebook Groups")
    iv = Interview(s, Config(s.id, [s.tradeoffs[0].id, s.troubleshooting[0].id]))
    iv.opening()
    assert "/hint" in iv.respond("/help").text
    assert iv.respond("/hint").kind == "hint"
    r = iv.respond("/skip")
    assert r.kind == "ask" and iv.stage != "clarify"
    assert "min in" in iv.respond("/time").text


def test_timed_interview_moves_on_when_time_is_up() -> None:
    s = BANK.find("Facebook Groups")
    iv = Interview(s, Config(s.id, [s.tradeoffs[0].id], timed=True))
    iv.opening()
    iv.respond("It exists to build community.", at=30)
    r = iv.respond("Also it helps people.", at=30 * 60)  # far past the rationale budget
    assert r.text.startswith("In the interest of time")


def test_replay_rebuilds_the_same_state(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite")
    coach = Coach(store, BANK)
    st = coach.start("Facebook Groups")
    for t in (DATA / "strong_groups.txt").read_text().split("\n---\n")[:5]:
        coach.say(st.session_id, t)
    fresh = Coach(Store(tmp_path / "db.sqlite"), BANK)  # another process: no cache
    _, iv, _ = fresh.interview(st.session_id)
    _, cached, _ = coach.interview(st.session_id)
    assert iv.stage == cached.stage and iv.probes == cached.probes and iv.pushed == cached.pushed


def test_feedback_is_reproducible_from_the_transcript(tmp_path: Path, run) -> None:
    doc = _script(run, "strong_groups.txt", "Facebook Groups")
    code, out, _ = run("feedback", doc["session_id"], "--format", "json")
    again = json.loads(out)
    assert again["criteria"] == doc["feedback"]["criteria"]
    coach = Coach(Store(Path(json.loads(run("paths", "--json")[1])["database"])), BANK)
    assert coach.feedback(doc["session_id"])["criteria"] == doc["feedback"]["criteria"]


def test_evidence_quotes_point_into_the_turns(run) -> None:
    doc = _script(run, "strong_groups.txt", "Facebook Groups")
    by_seq = {i + 1: t for i, t in enumerate(doc["turns"])}
    n = 0
    for c in doc["feedback"]["criteria"].values():
        for e in c["evidence"]:
            turn = by_seq[e["turn"]]
            assert turn["role"] == "candidate"
            assert turn["text"][e["start"]:e["end"]] == e["quote"]
            n += 1
    assert n >= 5


def test_feedback_formats(run, tmp_path: Path) -> None:
    doc = _script(run, "strong_groups.txt", "Facebook Groups")
    sid = doc["session_id"]
    code, md, _ = run("feedback", sid)
    assert code == 0 and "Overall" in md and "Next drill" in md
    out = tmp_path / "fb.html"
    code, _, _ = run("feedback", sid, "--format", "html", "-o", str(out))
    page = out.read_text()
    assert "<svg" in page and "<table>" in page
    assert not re.search(r"""(?:src|href)=["']?https?:""", page), "the report must be self-contained"


def test_candidate_html_is_escaped_in_the_report(run, tmp_path: Path) -> None:
    f = tmp_path / "x.txt"
    f.write_text("<script>alert('x')</script> Groups exists to help people build community.\n---\n/skip\n---\n/skip\n")
    code, out, _ = run("practice", "Facebook Groups", "--script", str(f), "--json")
    sid = json.loads(out)["session_id"]
    html_out = tmp_path / "r.html"
    run("feedback", sid, "--format", "html", "-o", str(html_out))
    assert "<script>alert" not in html_out.read_text()


def test_previous_attempts_are_compared(run) -> None:
    first = _script(run, "vanity_groups.txt", "Facebook Groups")
    second = _script(run, "strong_groups.txt", "Facebook Groups")
    assert second["feedback"]["previous"][0]["session_id"] == first["session_id"]
    assert second["feedback"]["change_since_last"] > 0


def test_history_and_progress(run, tmp_path: Path) -> None:
    _script(run, "strong_groups.txt", "Facebook Groups")
    _script(run, "vanity_groups.txt", "Facebook Groups")
    code, out, _ = run("history", "--json")
    rows = json.loads(out)
    assert len(rows) == 2 and all(r["status"] == "finished" for r in rows)
    chart = tmp_path / "p.svg"
    code, out, _ = run("progress", "--chart", str(chart))
    assert code == 0 and "Metrics that make sense" in out
    assert chart.read_text().startswith("<svg") and "<polyline" in chart.read_text()


def test_practice_without_product_picks_least_practised(run) -> None:
    _script(run, "vanity_groups.txt", "Facebook Groups")
    coach = Coach(Store(Path(json.loads(run("paths", "--json")[1])["database"])), BANK)
    scenario, _case, why = coach.choose()
    assert scenario.id != "facebook-groups"
    assert why


def test_practice_without_product_trains_the_weakest_area(tmp_path: Path) -> None:
    coach = Coach(Store(tmp_path / "db.sqlite"), BANK)
    st = coach.start(None, "groups-ts-1")
    for t in (DATA / "wanderer_troubleshooting.txt").read_text().split("\n---\n"):
        _, iv, _ = coach.interview(st.session_id)
        if iv.finished:
            break
        coach.say(st.session_id, t)
    coach.finish(st.session_id)
    scenario, case, why = coach.choose()
    assert case is not None and "diagnosis" in why


def test_cheatsheet(run) -> None:
    code, out, _ = run("cheatsheet", "groups-ts-1", "--json")
    doc = json.loads(out)
    assert doc["root_cause"] and doc["facts"]["platform"] and doc["model_answer"]["north_star"]
    code, out, _ = run("cheatsheet", "groups-to-1")
    assert code == 0 and "verdict" in out.lower()
    code, _, err = run("cheatsheet", "no-such-case")
    assert code == 2 and "no follow-up case" in err


def test_bad_practice_input(run, tmp_path: Path) -> None:
    code, _, err = run("practice", "nope nope", "--script", str(DATA / "strong_groups.txt"))
    assert code == 2 and "is not in the bank" in err
    code, _, err = run("practice", "--followup", "nope", "--script", str(DATA / "strong_groups.txt"))
    assert code == 2 and "no follow-up case" in err
    empty = tmp_path / "e.txt"
    empty.write_text("---\n---\n")
    code, _, err = run("practice", "groups", "--script", str(empty))
    assert code == 2 and "no candidate turns" in err
    code, _, err = run("feedback", "deadbeef")
    assert code == 2 and "no session" in err
    code, _, err = run("resume")
    assert code == 2 and "no unfinished" in err


def test_a_turn_is_stored_before_the_reply(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    coach = Coach(Store(tmp_path / "db.sqlite"), BANK)
    st = coach.start("Facebook Groups")

    def boom(self, text, at=0.0, extra_dims=None):  # type: ignore[no-untyped-def]
        raise RuntimeError("engine crashed")

    monkeypatch.setattr(Interview, "respond", boom)
    with pytest.raises(RuntimeError):
        coach.say(st.session_id, "My precious answer that must not be lost.")
    texts = [t.text for t in coach.store.turns(st.session_id)]
    assert "My precious answer that must not be lost." in texts


def test_migrations_from_blank_and_from_the_oldest_schema(tmp_path: Path) -> None:
    blank = Store(tmp_path / "blank.sqlite")
    assert blank.version() == MIGRATIONS[-1][0]
    old = Store.__new__(Store)
    path = tmp_path / "old.sqlite"
    # build the oldest schema by applying migration 1 only
    s1 = Store(path)
    s1.close()
    path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)")
    for stmt in MIGRATIONS[0][2]:
        con.execute(stmt)
    con.execute("INSERT INTO schema_migrations VALUES (1, 'sessions and turns', 0)")
    con.execute("INSERT INTO sessions (id, scenario_id, config, status, created_at, updated_at) VALUES ('abc', 'facebook-groups', '{\"followups\": []}', 'active', 1, 1)")
    con.execute("INSERT INTO turns VALUES ('abc', 1, 'candidate', 'rationale', 'kept', '{}', 0, 1)")
    con.commit()
    con.close()
    del old
    upgraded = Store(path)
    assert upgraded.version() == MIGRATIONS[-1][0]
    assert upgraded.session("abc").scenario_id == "facebook-groups"
    assert upgraded.turns("abc")[0].text == "kept"
    assert upgraded.migrate() == []  # idempotent


def test_transcript_marks_pushbacks_and_facts(run) -> None:
    doc = _script(run, "strong_groups.txt", "Facebook Groups")
    sid = doc["session_id"]
    code, out, err = run("transcript", sid, "--format", "json")
    assert code == 0, err
    t = json.loads(out)
    assert [x["text"] for x in t["turns"]] == [x["text"] for x in doc["turns"]]
    given = [f for x in t["turns"] if x["role"] == "interviewer" for f in x.get("facts", [])]
    _, case = BANK.case("groups-ts-1")
    assert given and all(case.fact(f["key"]).text == f["text"] for f in given if f["key"].split(".")[0] != "data")
    code, out, err = run("transcript", sid)
    assert code == 0 and out.startswith("# Transcript: Facebook Groups") and "[facts given:" in out
    vdoc = _script(run, "vanity_groups.txt", "Facebook Groups")
    code, out, _ = run("transcript", vdoc["session_id"])
    assert "**Interviewer** (pushback)" in out
    code, _, err = run("transcript", "no-such-session")
    assert code != 0 and "no session" in err and "Traceback" not in err
    # the feedback report carries the same transcript
    code, out, _ = run("feedback", sid)
    assert "## Transcript" in out


def test_paused_interviews_are_listed_resumed_or_discarded(run) -> None:
    import time

    from pmcoach.coach import PAUSED_AFTER_S, Coach
    from pmcoach.paths import home

    coach = Coach(Store(home() / "pmcoach.db"), BANK)
    empty = coach.start("Uber", None).session_id
    started = coach.start("Uber", None).session_id
    coach.say(started, "Uber exists so that anyone can get a reliable ride without owning a car.")
    later = time.time() + PAUSED_AFTER_S + 60
    rows = {r["session_id"]: r for r in coach.history(everything=True, now=later)}
    assert rows[empty]["status"] == "paused" and rows[started]["status"] == "paused"
    assert {r["session_id"]: r for r in coach.history(everything=True)}[started]["status"] == "active"
    listed = {r["session_id"] for r in coach.history(everything=False, now=later)}
    assert started in listed and empty not in listed  # an abandoned start is hidden unless --all
    code, out, _ = run("history", "--all", "--json")
    assert {r["session_id"] for r in json.loads(out)} >= {empty, started}
    code, _, err = run("discard", started)
    assert code != 0 and "--yes" in err and "1 answer " in err  # not a terminal: no silent deletion
    code, out, _ = run("discard", started, "--yes")
    assert code == 0 and "Discarded" in out
    code, out, _ = run("history", "--all", "--json")
    assert started not in {r["session_id"] for r in json.loads(out)}
    finished = _script(run, "strong_groups.txt", "Facebook Groups")["session_id"]
    code, _, err = run("discard", finished, "--yes")
    assert code != 0 and "finished" in err
