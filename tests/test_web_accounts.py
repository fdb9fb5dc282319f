"""Hosted mode: accounts, sign-in cookies, CSRF, login rate limits and isolation between users."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from web_fixtures import *  # noqa: F403  (the fixtures)
from web_fixtures import Client

MakeClient = Callable[..., Client]


def test_everything_needs_a_sign_in(make_client: MakeClient) -> None:
    c = make_client(accounts=True)
    assert c.get("/api/health").status_code == 200
    for path in ("/api/scenarios", "/api/history", "/api/sessions/abc", "/api/answers/airbnb"):
        r = c.get(path)
        assert r.status_code == 401 and "sign in" in r.json()["error"], path
    assert c.post("/api/sessions", json={}).status_code == 401
    r = c.get("/history")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/history"
    assert c.get("/login").status_code == 200 and c.get("/signup").status_code == 200
    assert c.get("/api/me").json() == {"user_id": None, "email": None, "accounts": True}


def test_sign_up_log_in_and_out(make_client: MakeClient, store_url: str) -> None:
    c = make_client(accounts=True)
    r = c.post("/api/signup", json={"email": "Ann@Example.com", "password": "correct horse battery"})
    assert r.status_code == 202, r.text
    assert r.json()["email"] == "ann@example.com" and "set-cookie" not in r.headers  # sign-up never signs in
    r = c.post("/api/login", json={"email": "ann@example.com", "password": "correct horse battery"})
    assert r.status_code == 200, r.text
    me = r.json()
    c.csrf = me["csrf_token"]
    assert me["email"] == "ann@example.com" and me["token"] and me["csrf_token"]
    cookie = r.headers["set-cookie"]
    assert "pmcoach_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    # only an argon2id hash with the stated parameters is stored; the token is stored hashed too
    from pmcoach.store import Store

    st = Store(store_url)
    found = st.user_by_email("ann@example.com")
    assert found and found[1].startswith("$argon2id$v=19$m=19456,t=2,p=1$") and "correct horse" not in found[1]
    assert st.auth_session_user(me["token"]) is None
    st.close()
    assert c.get("/api/me").json()["email"] == "ann@example.com"
    # signing up again with a taken email answers exactly as a new one does, and changes nothing
    again = c.post("/api/signup", json={"email": "ann@example.com", "password": "another fine phrase"})
    fresh = c.post("/api/signup", json={"email": "zed@example.com", "password": "another fine phrase"})
    assert again.status_code == fresh.status_code == 202
    assert again.json()["message"] == fresh.json()["message"]
    assert c.post("/api/login", json={"email": "ann@example.com", "password": "another fine phrase"}).status_code == 401
    assert c.post("/api/signup", json={"email": "bob@example.com", "password": "short"}).status_code == 422
    assert c.post("/api/signup", json={"email": "not-an-email", "password": "long enough"}).status_code == 422
    # a bearer token works from a client with no cookie
    other = make_client(accounts=True)
    auth = {"Authorization": f"Bearer {me['token']}"}
    assert other.get("/api/me", headers=auth).json()["email"] == "ann@example.com"
    assert other.post("/api/sessions", json={"product": "Airbnb"}, headers=auth).status_code == 201
    # logging out ends the sign-in everywhere
    assert c.post("/api/logout", json={}).status_code == 204
    assert other.get("/api/me", headers=auth).json()["user_id"] is None
    r = c.post("/api/login", json={"email": "ANN@example.com", "password": "correct horse battery"})
    assert r.status_code == 200 and r.json()["user_id"] == me["user_id"]
    assert c.post("/api/login", json={"email": "ann@example.com", "password": "wrong"}).status_code == 401
    assert c.post("/api/login", json={"email": "nobody@example.com", "password": "wrong"}).status_code == 401


@pytest.mark.parametrize("password", ["12345678", "password", "        ", "\t\t\t\t\t\t\t\t", "qwertyuiop",
                                      "annsmith1990", "abcdefgh1"])
def test_weak_passwords_are_refused(make_client: MakeClient, password: str) -> None:
    c = make_client(accounts=True)
    r = c.post("/api/signup", json={"email": "annsmith@example.com", "password": password})
    assert r.status_code == 422 and "password" in r.json()["error"], r.text


def test_login_is_rate_limited(make_client: MakeClient) -> None:
    c = make_client(accounts=True)
    c.signup("carol@example.com")
    for _ in range(5):
        assert c.post("/api/login", json={"email": "carol@example.com", "password": "nope nope"}).status_code == 401
    r = c.post("/api/login", json={"email": "carol@example.com", "password": "correct horse battery"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0 and "too many attempts" in r.json()["error"]
    # another account from the same client is not locked out by these five
    c.signup("dave@example.com")
    assert c.post("/api/login", json={"email": "dave@example.com", "password": "correct horse battery"}).status_code == 200
    # the form says so too
    token = c.form_token("/login")
    r = c.post("/login", data={"csrf_token": token, "email": "carol@example.com", "password": "x", "next": "/"})
    assert r.status_code == 429 and "too many attempts" in r.text


def test_password_change_and_sign_out_everywhere(make_client: MakeClient) -> None:
    a, b = make_client(accounts=True), make_client(accounts=True)
    a.signup("gil@example.com")
    b.signup("gil@example.com")
    assert b.get("/api/me").json()["email"] == "gil@example.com"
    r = a.post("/api/password", json={"current": "wrong one", "new": "violet lantern orbit"})
    assert r.status_code == 422 and "current password" in r.json()["error"]
    r = a.post("/api/password", json={"current": "correct horse battery", "new": "password"})
    assert r.status_code == 422 and "stronger" in r.json()["error"]
    r = a.post("/api/password", json={"current": "correct horse battery", "new": "violet lantern orbit"})
    assert r.status_code == 200 and r.json()["ended_sign_ins"] == 1
    assert a.get("/api/me").json()["email"] == "gil@example.com"  # this sign-in stays
    assert b.get("/api/me").json()["user_id"] is None  # the other one ended
    assert b.post("/api/login", json={"email": "gil@example.com", "password": "correct horse battery"}).status_code == 401
    assert b.post("/api/login", json={"email": "gil@example.com", "password": "violet lantern orbit"}).status_code == 200
    # sign out everywhere ends both, this one too
    assert a.post("/api/logout-everywhere", json={}).status_code == 204
    assert a.get("/api/me").json()["user_id"] is None and b.get("/api/me").json()["user_id"] is None
    # and the account page does the same by form
    c = make_client(accounts=True)
    c.signup("hal@example.com")
    page = c.get("/account")
    assert page.status_code == 200 and "Change your password" in page.text
    token = c.form_token("/account")
    r = c.post("/account/password", data={"csrf_token": token, "current": "correct horse battery",
                                            "new": "amber kettle drift"})
    assert r.status_code == 200 and "Password changed" in r.text
    r = c.post("/account/logout-everywhere", data={"csrf_token": token})
    assert r.status_code == 303 and c.get("/api/me").json()["user_id"] is None


def test_invite_only_sign_up(store_url: str) -> None:
    from web_fixtures import Client

    from pmcoach.store import Store
    from pmcoach.web import auth
    from pmcoach.web.app import create_app
    from pmcoach.web.policy import Policy

    app = create_app(store_url, require_accounts=True, policy=Policy(invite_only=True))
    c = Client(app)
    try:
        r = c.post("/api/signup", json={"email": "ivy@example.com", "password": "correct horse battery"})
        assert r.status_code == 422 and "invitation" in r.json()["error"]
        assert c.get("/signup").status_code == 403
        st = Store(store_url)
        token = auth.invite(st, "ivy@example.com")
        st.close()
        page = c.get(f"/signup?invite={token}")
        assert page.status_code == 200 and 'value="ivy@example.com"' in page.text
        # the invite is for one email, once
        r = c.post("/api/signup", json={"email": "eve@example.com", "password": "correct horse battery", "invite": token})
        assert r.status_code == 422
        ok = {"email": "ivy@example.com", "password": "correct horse battery", "invite": token}
        assert c.post("/api/signup", json=ok).status_code == 202
        assert c.post("/api/login", json={"email": "ivy@example.com", "password": "correct horse battery"}).status_code == 200
        assert c.post("/api/signup", json={**ok, "email": "ivy@example.com"}).status_code == 422  # used
    finally:
        c.close()
        app.state.web.store.close()


def test_headers_health_and_chunked_bodies(make_client: MakeClient, store_url: str) -> None:
    c = make_client(accounts=True)
    h = c.get("/api/health")
    assert h.json() == {"ok": True} and "x-pmcoach-worker" not in h.headers
    c.signup("kim@example.com")
    for path in ("/", "/api/me", "/api/history", "/history"):
        r = c.get(path)
        assert r.headers["cache-control"] == "no-store", path
        assert "strict-transport-security" not in r.headers  # plain http
    assert c.get("/api/health").json() == {"ok": True}  # not an admin
    from pmcoach.store import Store

    st = Store(store_url)
    assert st.set_admin("kim@example.com")
    st.close()
    assert c.get("/api/health").json()["schema_version"] >= 5
    # a body over the limit is a 413 with or without a declared length
    big = b'{"text": "' + b"x" * (1 << 20) + b'"}'

    async def chunks() -> Any:  # no Content-Length: sent chunked
        for i in range(0, len(big), 65536):
            yield big[i:i + 65536]

    sid = c.post("/api/sessions", json={"product": "Airbnb"}).json()["session_id"]
    r = c.post(f"/api/sessions/{sid}/turns", content=chunks(),
               headers={"Content-Type": "application/json", "X-CSRF-Token": c.csrf or ""})
    assert r.status_code == 413, r.text
    r = c.post(f"/api/sessions/{sid}/turns", content=big,
               headers={"Content-Type": "application/json", "X-CSRF-Token": c.csrf or ""})
    assert r.status_code == 413


def test_quotas_refuse_without_saving(store_url: str) -> None:
    from web_fixtures import Client

    from pmcoach.web.app import create_app
    from pmcoach.web.policy import Policy

    app = create_app(store_url, require_accounts=True, policy=Policy(sessions_per_hour=2, turns_per_minute=3,
                                                                       chars_per_day=5000))
    c = Client(app)
    try:
        c.signup("lou@example.com")
        sids = [c.post("/api/sessions", json={"product": "Airbnb"}).json()["session_id"] for _ in range(2)]
        r = c.post("/api/sessions", json={"product": "Airbnb"})
        assert r.status_code == 429 and "2 interviews in the last hour" in r.json()["error"]
        assert 0 < int(r.headers["retry-after"]) <= 3600
        # characters a day: 4,990 fit, 20 more do not
        assert c.post(f"/api/sessions/{sids[1]}/turns", json={"text": "y" * 4990}).status_code == 200
        r = c.post(f"/api/sessions/{sids[1]}/turns", json={"text": "z" * 20})
        assert r.status_code == 429 and "characters" in r.json()["error"] and "not saved" in r.json()["error"]
        # turns a minute: the fourth in a minute is refused and not stored
        for i in range(2):
            assert c.post(f"/api/sessions/{sids[0]}/turns", json={"text": f"Q{i}?"}).status_code == 200
        r = c.post(f"/api/sessions/{sids[0]}/turns", json={"text": "Q again"})
        assert r.status_code == 429 and "3 turns in the last minute" in r.json()["error"]
        assert 0 < int(r.headers["retry-after"]) <= 61
        for sid in sids:
            turns = c.get(f"/api/sessions/{sid}").json()["turns"]
            assert not any(t["text"] in ("Q again", "z" * 20) for t in turns)
        # another user is not touched by lou's limits
        d = Client(app)
        d.signup("max@example.com")
        assert d.post("/api/sessions", json={"product": "Airbnb"}).status_code == 201
        d.close()
    finally:
        c.close()
        app.state.web.store.close()


def test_login_form_with_csrf_and_safe_next(make_client: MakeClient) -> None:
    c = make_client(accounts=True)
    token = c.form_token("/signup")
    r = c.post("/signup", data={"csrf_token": token, "email": "erin@example.com", "password": "correct horse",
                                "next": "//evil.example/x"})
    assert r.status_code == 200 and "sign in with it" in r.text and 'id="login-form"' in r.text
    assert "pmcoach_session" not in r.headers.get("set-cookie", "")
    r = c.post("/login", data={"csrf_token": token, "email": "erin@example.com", "password": "correct horse",
                               "next": "//evil.example/x"})
    assert r.status_code == 303 and r.headers["location"] == "/"  # no open redirect
    assert "HttpOnly" in r.headers["set-cookie"] and "pmcoach_device=" in r.headers["set-cookie"]
    assert c.post("/logout", data={"csrf_token": "nope"}).status_code == 403
    token = c.form_token("/")
    assert c.post("/logout", data={"csrf_token": token}).status_code == 303
    token = c.form_token("/login")
    r = c.post("/login", data={"email": "erin@example.com", "password": "correct horse", "next": "/history"})
    assert r.status_code == 403  # no CSRF token
    r = c.post("/login", data={"csrf_token": token, "email": "erin@example.com", "password": "wrong!", "next": "/"})
    assert r.status_code == 401 and "wrong email or password" in r.text
    r = c.post("/login", data={"csrf_token": token, "email": "erin@example.com", "password": "correct horse",
                               "next": "/history"})
    assert r.status_code == 303 and r.headers["location"] == "/history"
    assert c.get("/history").status_code == 200


def test_cookie_writes_need_the_csrf_header(make_client: MakeClient) -> None:
    c = make_client(accounts=True)
    c.signup("fay@example.com")
    csrf, c.csrf = c.csrf, None
    r = c.post("/api/sessions", json={"product": "Airbnb"})
    assert r.status_code == 403 and "X-CSRF-Token" in r.json()["error"]
    r = c.post("/api/sessions", json={"product": "Airbnb"}, headers={"X-CSRF-Token": csrf or ""})
    assert r.status_code == 201
    # the token in the page's meta tag is the same one
    page = c.get(f"/sessions/{r.json()['session_id']}").text
    assert re.search(r'name="csrf-token" content="([0-9a-f]+)"', page).group(1) == csrf  # type: ignore[union-attr]


def test_users_only_see_their_own_sessions(make_client: MakeClient) -> None:
    alice, mallory = make_client(accounts=True), make_client(accounts=True)
    alice.signup("alice@example.com")
    mallory.signup("mallory@example.com")
    sid = alice.post("/api/sessions", json={"product": "Facebook Groups"}).json()["session_id"]
    assert alice.post(f"/api/sessions/{sid}/turns", json={"text": "Groups exist for community."}).status_code == 200
    before = alice.get(f"/api/sessions/{sid}").json()["turns"]

    # read, answer in, finish and delete by id: all 404, as if it did not exist
    assert mallory.get(f"/api/sessions/{sid}").status_code == 404
    assert mallory.get(f"/api/sessions/{sid}/feedback").status_code == 404
    assert mallory.post(f"/api/sessions/{sid}/turns", json={"text": "I am in"}).status_code == 404
    assert mallory.post(f"/api/sessions/{sid}/finish", json={}).status_code == 404
    assert mallory.delete(f"/api/sessions/{sid}").status_code == 404
    for page in (f"/sessions/{sid}", f"/sessions/{sid}/feedback", f"/sessions/{sid}/report.html"):
        assert mallory.get(page).status_code == 404, page
    token = mallory.form_token("/")
    assert mallory.post(f"/sessions/{sid}/turns", data={"csrf_token": token, "text": "form"}).status_code == 404
    assert mallory.post(f"/sessions/{sid}/delete", data={"csrf_token": token}).status_code == 404
    assert mallory.post(f"/sessions/{sid}/finish", data={"csrf_token": token}).status_code == 404
    assert mallory.get("/api/history").json()["sessions"] == []
    assert sid not in mallory.get("/history").text and mallory.get("/api/scenarios").json()["resume"] is None

    # nothing changed for alice
    after = alice.get(f"/api/sessions/{sid}").json()
    assert after["turns"] == before and after["status"] == "active"
    assert [h["session_id"] for h in alice.get("/api/history").json()["sessions"]] == [sid]
    assert alice.delete(f"/api/sessions/{sid}").status_code == 204
    assert alice.get(f"/api/sessions/{sid}").status_code == 404


def test_local_mode_has_no_accounts(make_client: MakeClient) -> None:
    c = make_client(accounts=False)
    r = c.post("/api/login", json={"email": "a@b.co", "password": "whatever1"})
    assert r.status_code == 404 and "accounts are off" in r.json()["error"]
    assert c.get("/login").status_code == 303
    assert c.get("/api/me").json() == {"user_id": None, "email": None, "accounts": False}


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_loopback_hosts(host: str) -> None:
    from pmcoach.web.server import is_loopback

    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.4", "example.com", "::"])
def test_other_hosts_need_accounts(host: str) -> None:
    from pmcoach.web.server import is_loopback

    assert not is_loopback(host)
