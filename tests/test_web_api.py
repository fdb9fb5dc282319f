"""The JSON API and the pages, in process (httpx.ASGITransport), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from web_fixtures import *  # noqa: F403  (the fixtures)
from web_fixtures import SCRIPT, Client, run_script

MakeClient = Callable[..., Client]


def start(c: Client, **body: Any) -> dict[str, Any]:
    r = c.post("/api/sessions", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_health_and_schema(make_client: MakeClient, store_url: str) -> None:
    c = make_client()
    h = c.get("/api/health").json()
    assert h["ok"] and h["database"] == ("postgresql" if store_url.startswith("postgresql") else "sqlite")
    from pmcoach.store import MIGRATIONS

    assert h["schema_version"] == MIGRATIONS[-1][0]
    schema = c.get("/openapi.json").json()
    for path in ("/api/sessions", "/api/sessions/{sid}/turns", "/api/history", "/api/answers/{product}",
                 "/api/cheatsheets/{case_id}", "/api/login", "/api/signup"):
        assert path in schema["paths"], path
    assert c.get("/docs").status_code == 404  # no Swagger UI: it would need a CDN


def test_a_whole_interview_over_the_api(make_client: MakeClient) -> None:
    c = make_client()
    s = start(c, product="fb groups")
    assert s["product"] == "Facebook Groups" and s["stage"] == "clarify"
    assert s["turns"][0]["role"] == "interviewer" and s["stages"][-1] == "done"
    out = run_script(c, s["session_id"])
    kinds = [o["reply"]["kind"] for o in out]
    assert "pushback" in kinds  # "DAU and total likes" is pushed back on as it is said
    push = out[kinds.index("pushback")]
    assert "DAU" in push["reply"]["text"] and push["candidate"]["analysis"]["metrics"]
    assert any(o["state"]["stage"] == "troubleshooting" for o in out)
    game = next(o["state"]["game"] for o in out if o["state"]["game"] and o["state"]["game"]["asked"])
    assert set(game["checklist"]) == {"pinpoint", "external", "internal"}
    assert all(f["dimension"] in game["asked"] for f in game["facts"])
    assert out[-1]["state"]["finished"] and out[-1]["reply"]["kind"] == "end"
    fb = c.get(f"/api/sessions/{s['session_id']}/feedback").json()
    assert fb["criteria"]["metrics"]["score"] is not None and fb["troubleshooting"]
    assert any(e["quote"] for a in fb["criteria"].values() for e in a["evidence"])
    hist = c.get("/api/history").json()
    assert hist["sessions"][0]["status"] == "finished" and hist["progress"]["sessions"][0]["overall"] == fb["overall"]
    # every sent turn is stored, in order
    stored = [t["text"] for t in c.get(f"/api/sessions/{s['session_id']}").json()["turns"] if t["role"] == "candidate"]
    assert stored == SCRIPT[: len(out)]
    r = c.post(f"/api/sessions/{s['session_id']}/turns", json={"text": "one more thing"})
    assert r.status_code == 409 and "finished" in r.json()["error"]


def test_troubleshooting_game_reveals_only_what_was_asked(make_client: MakeClient) -> None:
    c = make_client()
    s = start(c, followup="groups-ts-1")
    assert s["stage"] == "troubleshooting" and s["stages"] == ["troubleshooting", "done"]
    assert s["game"]["asked"] == [] and s["game"]["facts"] == []
    o = c.post(f"/api/sessions/{s['session_id']}/turns", json={"text": "Which platforms dropped: iOS or Android?"}).json()
    assert o["reply"]["kind"] == "fact" and "platform" in o["candidate"]["analysis"]["dimensions"]
    assert o["state"]["game"]["asked"] == ["platform"]
    assert [f["dimension"] for f in o["state"]["game"]["facts"]] == ["platform"]
    from pmcoach.coach import cheatsheet
    from pmcoach.kb import load_bank

    root = cheatsheet(load_bank(), "groups-ts-1")["root_cause"]
    assert root not in str(o)  # never leaked


def test_surprise_me_and_bad_choices(make_client: MakeClient) -> None:
    c = make_client()
    s = start(c)
    assert s["why"] and s["session_id"]
    r = c.post("/api/sessions", json={"product": "Myspace Classic"})
    assert r.status_code == 422 and r.json()["field"] == "product" and "is not in the bank" in r.json()["error"]
    r = c.post("/api/sessions", json={"followup": "nope-case"})
    assert r.status_code == 422 and r.json()["field"] == "followup"
    r = c.post("/api/sessions", json={"product": "Facebook Groups", "followup": "abnb-ts-1"})
    assert r.status_code == 422 and r.json()["field"] == "followup"


def test_turn_size_limit_is_413_and_nothing_is_saved(make_client: MakeClient) -> None:
    c = make_client()
    sid = start(c, product="Facebook Groups")["session_id"]
    r = c.post(f"/api/sessions/{sid}/turns", json={"text": "a" * 20_001})
    assert r.status_code == 413
    assert r.json()["error"].startswith("a turn is limited to 20,000 characters and this one has 20,001")
    assert len(c.get(f"/api/sessions/{sid}").json()["turns"]) == 1
    r = c.post(f"/api/sessions/{sid}/turns", json={"text": "metrics " * 2500})  # exactly 20,000
    assert r.status_code == 200
    r = c.post(f"/api/sessions/{sid}/turns", content=b'{"text": "' + b"x" * (2 << 20) + b'"}',
               headers={"content-type": "application/json"})
    assert r.status_code == 413 and "error" in r.json()


@pytest.mark.parametrize(("body", "field"), [
    (b'{"text": ', "body"),
    (b"not json at all", "body"),
    (b"{}", "text"),
    (b'{"text": 42}', "text"),
    (b'{"text": ""}', "text"),
    (b'{"text": "hi", "extra": 1}', "extra"),
    (b"[]", "body"),
])
def test_malformed_json_is_422_with_the_field(make_client: MakeClient, body: bytes, field: str) -> None:
    c = make_client()
    sid = start(c, product="Facebook Groups")["session_id"]
    r = c.post(f"/api/sessions/{sid}/turns", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    j = r.json()
    assert j["field"] == field and j["error"] and j["detail"][0]["loc"][0] == "body"
    r = c.post("/api/sessions", content=b'{"timed": "sometimes"}', headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == "timed"


def test_text_any_database_can_hold(make_client: MakeClient) -> None:
    c = make_client()
    sid = start(c, product="Facebook Groups")["session_id"]
    for text in ("nul\x00inside", "emoji 🙂 and ünïcödé"):
        r = c.post(f"/api/sessions/{sid}/turns", json={"text": text})
        assert r.status_code == 200, r.text
    r = c.post(f"/api/sessions/{sid}/turns", content=b'{"text": "lone \\ud800 surrogate"}',
               headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == "text"
    texts = [t["text"] for t in c.get(f"/api/sessions/{sid}").json()["turns"]]
    assert "nulinside" in texts and "emoji 🙂 and ünïcödé" in texts
    for bad in ("x%00y", "..%2F..", "a" * 65, "%3Cscript%3E"):
        assert c.get(f"/api/sessions/{bad}").status_code in (404, 422)


def test_every_page_has_a_json_twin(make_client: MakeClient) -> None:
    c = make_client()
    sid = start(c, product="Facebook Groups")["session_id"]
    run_script(c, sid, SCRIPT[:3])
    pages = ["/", f"/sessions/{sid}", f"/sessions/{sid}/feedback", "/history", "/answers/facebook-groups",
             "/cheatsheets/groups-ts-1"]
    for p in pages:
        r = c.get(p)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), p
        twin = re.search(r'<link rel="alternate" type="application/json" href="([^"]+)">', r.text)
        assert twin, p
        j = c.get(twin.group(1))
        assert j.status_code == 200 and j.headers["content-type"] == "application/json", (p, twin.group(1))
    assert c.get("/api/answers/facebook-groups").json()["north_star"]["name"]
    assert c.get("/api/cheatsheets/groups-ts-1").json()["root_cause"]
    assert c.get("/api/answers/nothing-like-it").status_code == 404
    spoken = c.get("/api/answers/facebook-groups").json()["spoken"]
    assert spoken["words"] <= 1800 and spoken["parts"]
    assert "spoken version" in c.get("/answers/facebook-groups?view=spoken").text
    # a neighbouring product is never served in place of the one asked for
    freight = c.get("/api/answers/Uber%20Freight")
    assert freight.status_code == 404 and "not in the bank; closest: Uber (rides)" in freight.json()["error"]
    assert c.get("/api/answers/Uber%20Eats").json()["product"] == "Uber Eats"  # its own scenario
    assert c.get("/cheatsheets/nothing-like-it").status_code == 404
    report = c.get(f"/sessions/{sid}/report.html")
    assert report.status_code == 200 and "<svg" in report.text


def test_the_chat_page_shows_stage_clock_and_pushback(make_client: MakeClient) -> None:
    c = make_client()
    sid = start(c, product="Facebook Groups", timed=True)["session_id"]
    run_script(c, sid, SCRIPT[:5])
    html = c.get(f"/sessions/{sid}").text
    assert 'class="current">metrics<' in html and 'id="clock"' in html and "min left in this stage" in html
    assert "kind-pushback" in html and "badge pushback" in html and "chip vanity" in html
    assert "/static/chat.js" in html and c.get("/static/chat.js").status_code == 200


def test_forms_work_without_javascript(make_client: MakeClient) -> None:
    c = make_client()
    token = c.form_token("/")
    r = c.post("/sessions", data={"csrf_token": token, "product": "facebook-groups", "followup": ""})
    assert r.status_code == 303
    sid = r.headers["location"].rsplit("/", 1)[1]
    r = c.post(f"/sessions/{sid}/turns", data={"csrf_token": token, "text": "Why does it exist? For community."})
    assert r.status_code == 303 and r.headers["location"].startswith(f"/sessions/{sid}#t")
    r = c.post(f"/sessions/{sid}/turns", data={"csrf_token": token, "command": "/hint", "text": "draft kept"})
    assert r.status_code == 303
    turns = c.get(f"/api/sessions/{sid}").json()["turns"]
    assert turns[-1]["kind"] == "hint" and turns[-2]["text"] == "/hint"
    r = c.post(f"/sessions/{sid}/turns", data={"csrf_token": token, "text": "b" * 20_001})
    assert r.status_code == 413 and "limited to 20,000 characters" in r.text and "b" * 20_001 in r.text  # kept
    r = c.post(f"/sessions/{sid}/turns", data={"csrf_token": "wrong", "text": "hello"})
    assert r.status_code == 403
    r = c.post(f"/sessions/{sid}/finish", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == f"/sessions/{sid}/feedback"
    assert "<svg" in c.get(f"/sessions/{sid}/feedback").text
    r = c.post(f"/sessions/{sid}/delete", data={"csrf_token": token})
    assert r.status_code == 303 and c.get(f"/api/sessions/{sid}").status_code == 404
    r = c.post("/sessions", data={"csrf_token": token})  # surprise me
    assert r.status_code == 303 and "pmcoach_flash" in r.headers["set-cookie"]
    assert "Picked for you:" in c.get(r.headers["location"]).text
    assert "Picked for you:" not in c.get(r.headers["location"]).text  # said once


def test_the_checklist_covers_every_dimension() -> None:
    from pmcoach.models import FACT_DIMENSIONS
    from pmcoach.web.views import CHECKLIST

    assert sorted(d for ds in CHECKLIST.values() for d in ds) == sorted(FACT_DIMENSIONS)


def test_cross_origin_writes_are_refused(make_client: MakeClient) -> None:
    c = make_client()
    r = c.post("/api/sessions", json={}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    r = c.post("/api/sessions", json={}, headers={"Origin": "http://testserver"})
    assert r.status_code == 201
    h = c.get("/").headers
    assert "script-src 'self'" in h["content-security-policy"] and h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY" and "x-pmcoach-worker" not in h  # only in debug mode
    assert h["cache-control"] == "no-store" and "cache-control" not in c.get("/static/style.css").headers


def test_cli_and_web_share_one_store(make_client: MakeClient, store_url: str, run: Callable[..., Any],
                                     monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("PMCOACH_DATABASE_URL", store_url)
    script = tmp_path / "turns.txt"
    script.write_text("\n---\n".join(SCRIPT[:4]), encoding="utf-8")
    code, out, err = run("practice", "Facebook Groups", "--script", str(script), "--json")
    assert code == 0, err
    sid = json.loads(out)["session_id"]
    c = make_client()
    assert sid in [h["session_id"] for h in c.get("/api/history").json()["sessions"]]
    web_sid = start(c, product="Airbnb")["session_id"]
    code, out, _ = run("history", "--json")
    assert web_sid in out


def test_nothing_submitted_is_lost_on_a_server_error(make_client: MakeClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from pmcoach.engine import Interview

    c = make_client()
    sid = start(c, product="Facebook Groups")["session_id"]

    def boom(self: Interview, text: str, at: float = 0.0) -> Any:
        raise RuntimeError("the interviewer fell over")

    monkeypatch.setattr(Interview, "respond", boom)
    r = c.post(f"/api/sessions/{sid}/turns", json={"text": "My precious answer."})
    assert r.status_code == 500 and "your turn was saved" in r.json()["error"]
    monkeypatch.undo()
    c2 = make_client()
    texts = [t["text"] for t in c2.get(f"/api/sessions/{sid}").json()["turns"]]
    assert "My precious answer." in texts


def test_a_turn_the_database_refused_is_not_called_saved(make_client: MakeClient,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from pmcoach.store import Store

    c = make_client()
    sid = start(c, product="Facebook Groups")["session_id"]

    def down(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Store, "add_turn", down)
    r = c.post(f"/api/sessions/{sid}/turns", json={"text": "Not stored."})
    assert r.status_code == 503 and "send it again" in r.json()["error"]


def test_a_worker_survives_a_database_restart(make_client: MakeClient, store_url: str) -> None:
    if not store_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no server to lose")
    import psycopg

    c = make_client(raise_app_exceptions=False)
    sid = start(c, product="Facebook Groups")["session_id"]
    with psycopg.connect(store_url, autocommit=True) as admin:  # what a restart does to open connections
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    first = c.get(f"/api/sessions/{sid}")
    assert first.status_code in (200, 503), first.text  # the request that meets the dead connection may fail
    assert c.get(f"/api/sessions/{sid}").status_code == 200
    assert c.post(f"/api/sessions/{sid}/turns", json={"text": "Still here."}).status_code == 200


def test_the_bank_is_searchable_and_filtered(make_client: MakeClient) -> None:
    c = make_client()
    everything = c.get("/api/scenarios").json()["scenarios"]
    google = c.get("/api/scenarios", params={"company": "Google"}).json()["scenarios"]
    assert google and {s["company"].split(" (")[0] for s in google} == {"Google"} and len(google) < len(everything)
    launches = c.get("/api/scenarios", params={"type": "launch"}).json()["scenarios"]
    assert launches and all(k["kind"] == "launch" for s in launches for k in s["cases"])
    found = c.get("/api/scenarios", params={"q": "airbnb"}).json()["scenarios"]
    assert "airbnb" in [s["id"] for s in found] and all(s["company"] == "Airbnb" for s in found)
    assert len(found) < len(everything)
    page = c.get("/", params={"q": "airbnb"})
    assert page.status_code == 200 and f"{len(found)} of " in page.text and 'href="/answers/airbnb"' in page.text
    assert 'href="/answers/uber"' not in page.text
    assert c.get("/", params={"type": "nonsense"}).status_code in (400, 422)
