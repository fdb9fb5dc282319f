"""Streamed interviewer replies in the web app, from a real chat-completions server on 127.0.0.1."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_web_browser import browser, shot  # noqa: F401, F811  (the Chromium fixture)
from web_fixtures import *  # noqa: F403  (the fixtures)
from web_fixtures import SCRIPT, Client, Server

sys.path.insert(0, str(Path(__file__).parent))
from llm_server import FakeLLM  # noqa: E402


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with FakeLLM() as f:
        yield f


def _events(raw: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for block in raw.strip().split("\n\n"):
        kind, data = block.split("\n", 1)
        out.append((kind.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return out


def _client(store_url: str, fake: FakeLLM | None) -> Client:
    from pmcoach.llm import Assist
    from pmcoach.llm.openai_compat import CompatOptions, OpenAICompatible
    from pmcoach.web.app import create_app

    assist = Assist(OpenAICompatible(CompatOptions(base_url=fake.url, model="t", backoff=0.01))) if fake else None
    return Client(create_app(store_url, assist=assist))


def test_replies_stream_as_server_sent_events(store_url: str, fake: FakeLLM) -> None:
    c = _client(store_url, fake)
    sid = c.post("/api/sessions", json={"product": "Facebook Groups"}).json()["session_id"]
    page = c.get(f"/sessions/{sid}").text
    assert 'data-stream="1"' in page
    r = c.post(f"/api/sessions/{sid}/turns/stream", json={"text": SCRIPT[0]})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = _events(r.text)
    tokens = [d["text"] for k, d in events if k == "token"]
    assert len(tokens) > 1
    kind, done = events[-1]
    assert kind == "done" and done["reply"]["text"] == "".join(tokens) and done["reply"]["text"].startswith("So, ")
    assert done["candidate"]["text"] == SCRIPT[0]
    stored = c.get(f"/api/sessions/{sid}").json()["turns"]
    assert stored[-1]["text"] == done["reply"]["text"]
    c.close()


def test_stream_without_a_model_and_its_errors(store_url: str) -> None:
    c = _client(store_url, None)
    sid = c.post("/api/sessions", json={"product": "Facebook Groups"}).json()["session_id"]
    assert 'data-stream="0"' in c.get(f"/sessions/{sid}").text
    events = _events(c.post(f"/api/sessions/{sid}/turns/stream", json={"text": SCRIPT[0]}).text)
    assert [k for k, _ in events] == ["done"]
    r = c.post(f"/api/sessions/{sid}/turns/stream", json={"text": "x" * 20_001})
    assert r.status_code == 413
    r = c.post("/api/sessions/ffffffffffff/turns/stream", json={"text": "hello"})
    assert r.status_code == 404
    c.close()


def test_a_failing_model_still_streams_the_engine_reply(store_url: str, fake: FakeLLM) -> None:
    c = _client(store_url, fake)
    sid = c.post("/api/sessions", json={"product": "Facebook Groups"}).json()["session_id"]
    fake.script = [{"type": "status", "code": 500}] * 3
    events = _events(c.post(f"/api/sessions/{sid}/turns/stream", json={"text": SCRIPT[0]}).text)
    kind, done = events[-1]
    assert kind == "done" and not done["reply"]["text"].startswith("So, ")
    c.close()


def test_streaming_in_the_real_page(  # the browser fixture comes from test_web_browser
    browser: Any, server_factory: Callable[..., Server], tmp_path: Path,  # noqa: F811
    fake: FakeLLM, _isolated_home: Path,
) -> None:
    _isolated_home.mkdir(parents=True, exist_ok=True)
    (_isolated_home / "config.toml").write_text(
        f'model = "fake"\n[models.fake]\nprovider = "compat"\nmodel = "t"\nbase_url = "{fake.url}"\n')
    server = server_factory(str(tmp_path / "stream.sqlite"), home=_isolated_home)
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url + "/")
    page.select_option("#product", "facebook-groups")
    page.click("#start")
    page.wait_for_selector("#chat[data-stream='1']")
    n = page.locator("#turns > li").count()
    page.fill("#text", SCRIPT[0])
    page.click("#send")
    page.locator(f"#turns > li >> nth={n + 1}").wait_for(timeout=15000)
    last = page.locator("#turns > li").last.inner_text()
    assert "So, " in last
    assert not errors
    assert any(r.get("stream") for r in fake.requests), "the page used the streaming path"
    shot(page, "13-streamed-reply")
    page.close()
