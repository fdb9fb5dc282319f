"""Candidate text (and anything else a user submits) is always escaped when shown."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from web_fixtures import *  # noqa: F403  (the fixtures)
from web_fixtures import SCRIPT, Client, run_script

MakeClient = Callable[..., Client]

PAYLOADS = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea><script>alert(2)</script>",
    "<svg onload=alert(3)>DAU</svg> and total likes",
    "{{ 7*7 }} {% raw %} ${7*7}",
]
RAW = ["<script>alert", "<img src=x", "<svg onload", "</textarea><script>"]


def _clean(html: str) -> None:
    for raw in RAW:
        assert raw not in html, raw


@pytest.mark.parametrize("payload", PAYLOADS)
def test_turns_are_escaped_on_every_page(make_client: MakeClient, payload: str) -> None:
    c = make_client()
    sid = c.post("/api/sessions", json={"product": "Facebook Groups"}).json()["session_id"]
    run_script(c, sid, [payload, *SCRIPT[1:6], payload])
    for page in (f"/sessions/{sid}", f"/sessions/{sid}/feedback", "/history", f"/sessions/{sid}/report.html"):
        html = c.get(page).text
        _clean(html)
    chat = c.get(f"/sessions/{sid}").text
    assert "&lt;" in chat or "{{ 7*7 }}" in chat  # shown as typed: neither HTML nor a template
    # the JSON is the text as sent
    texts = [t["text"] for t in c.get(f"/api/sessions/{sid}").json()["turns"]]
    assert payload in texts


def test_a_refused_draft_is_escaped_in_the_textarea(make_client: MakeClient) -> None:
    c = make_client()
    token = c.form_token("/")
    sid = c.post("/api/sessions", json={"product": "Airbnb"}).json()["session_id"]
    big = "</textarea><script>alert(9)</script>" + "x" * 20_000
    r = c.post(f"/sessions/{sid}/turns", data={"csrf_token": token, "text": big})
    assert r.status_code == 413
    _clean(r.text)
    assert "&lt;/textarea&gt;&lt;script&gt;" in r.text


def test_errors_and_account_names_are_escaped(make_client: MakeClient) -> None:
    c = make_client()
    r = c.get("/answers/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert r.status_code == 404
    _clean(r.text)
    r = c.get("/cheatsheets/%3Cimg%20src=x%20onerror=alert(1)%3E")
    assert r.status_code == 404
    _clean(r.text)
    h = make_client(accounts=True)
    h.signup("<script>alert(1)</script>@evil.example")
    html = h.get("/").text
    _clean(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;@evil.example" in html
