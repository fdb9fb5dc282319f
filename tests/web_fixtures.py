"""Fixtures and helpers for the web tests (imported by tests/test_web_*.py).

PostgreSQL: ``PMCOACH_TEST_PG`` names an admin URL (CI sets it; then PostgreSQL must work).
Without it, the tests try postgresql://pmc:pmc@127.0.0.1:5432/postgres and skip the
PostgreSQL variants, with the reason, if nothing answers there. Each test run creates a
fresh database and drops it at the end.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

#: What ``from web_fixtures import *`` brings into a test module: the fixtures only.
__all__ = ["make_client", "pg_database", "server_factory", "store_url"]

httpx = pytest.importorskip("httpx", reason="the web tests need the server extra: pip install -e '.[test]'")
pytest.importorskip("fastapi", reason="the web tests need the server extra: pip install -e '.[test]'")

PG_DEFAULT = "postgresql://pmc:pmc@127.0.0.1:5432/postgres"
CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"

#: A whole Facebook Groups interview: main question, the trade-off, then troubleshooting.
SCRIPT = [
    "Is this for Facebook overall or for groups only?",
    "Facebook Groups exists to help people build community around shared interests, which is Meta's mission. "
    "The threat is people moving to Discord and Reddit. It's in the mature stage of its lifecycle.",
    "Segments: group admins, active members, and lurkers. Journey for a member: discover a group, join, read, "
    "post, get replies.",
    "Goals: help members find meaningful groups and help admins run healthy groups. I'd prioritise members first "
    "because they are most of the value.",
    "I'd track DAU and total likes.",
    "North star: weekly members who had a meaningful interaction in a group, meaning a comment or reply received. "
    "Secondary: groups joined per new user, admin moderation actions. Guardrails: reports of harmful content, "
    "notification opt-outs.",
    "The weakness of that north star is it can miss passive value from reading. Pros: it tracks value delivered.",
    "If it rose while a guardrail fell, I wouldn't ship on the north star alone; I'd size the loss by segment first.",
    "Per member, over four weeks so novelty washes out; I'd distrust a win that only shows in one segment.",
    "On the north star: more meaningful interactions is good, but guardrails like notification opt-outs matter. "
    "Pros: reach. Cons: fatigue. I'd ship to a holdout, then decide: ship if opt-outs stay flat, roll back if not. "
    "Next I'd look at retention by segment.",
    "When did the drop start, and was it sudden or gradual?",
    "Is it one platform, iOS or Android, or one app version?",
    "Which countries or regions are affected?",
    "Did we ship any change or launch around then?",
    "My hypothesis is the root cause is the release we shipped; I'd roll back, then add an alert and a "
    "post-mortem.",
]


# ---------------------------------------------------------------------- PostgreSQL


def _pg_admin_url() -> tuple[str | None, str]:
    """(admin URL, why not) for a reachable PostgreSQL server."""
    env = os.environ.get("PMCOACH_TEST_PG")
    url = env or PG_DEFAULT
    try:
        import psycopg
    except ImportError:
        if env:
            raise
        return None, "psycopg is not installed (pip install -e '.[test]')"
    try:
        psycopg.connect(url, connect_timeout=3, autocommit=True).close()
    except psycopg.Error as e:
        if env:
            raise RuntimeError(f"PMCOACH_TEST_PG={env} is set but PostgreSQL does not answer: {e}") from e
        return None, f"PMCOACH_TEST_PG is not set and no PostgreSQL answers at {PG_DEFAULT}"
    return url, ""


def _with_db(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run; dropped at the end."""
    admin, why = _pg_admin_url()
    if admin is None:
        pytest.skip(why)
    import psycopg

    name = f"pmcoach_test_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    try:
        yield _with_db(admin, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _pg_reset(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        exists = con.execute("SELECT to_regclass('public.sessions')").fetchone()
        if exists and exists[0]:
            con.execute("TRUNCATE turns, sessions, auth_sessions, login_attempts, users CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store URL, once per backend, with no sessions or users in it."""
    if request.param == "sqlite":
        return str(tmp_path / "web.sqlite")
    url: str = request.getfixturevalue("pg_database")
    _pg_reset(url)
    return url


# ---------------------------------------------------------------------- in-process client


class Client:
    """A synchronous face on ``httpx.AsyncClient(transport=httpx.ASGITransport(app))``."""

    def __init__(self, app: Any, base_url: str = "http://testserver", raise_app_exceptions: bool = True) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000), raise_app_exceptions=raise_app_exceptions)
        self.http = httpx.AsyncClient(transport=transport, base_url=base_url)
        self.csrf: str | None = None

    def request(self, method: str, url: str, **kw: Any) -> Any:
        return self.loop.run_until_complete(self.http.request(method, url, **kw))

    def get(self, url: str, **kw: Any) -> Any:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> Any:
        if self.csrf and "json" in kw:
            kw.setdefault("headers", {})["X-CSRF-Token"] = self.csrf
        return self.request("POST", url, **kw)

    def delete(self, url: str, **kw: Any) -> Any:
        if self.csrf:
            kw.setdefault("headers", {})["X-CSRF-Token"] = self.csrf
        return self.request("DELETE", url, **kw)

    def form_token(self, page: str = "/") -> str:
        """The CSRF token from a page's form (and the cookie that goes with it)."""
        import re

        r = self.get(page)
        m = re.search(r'name="csrf-token" content="([0-9a-f]+)"', r.text)
        assert m, r.text[:500]
        return m.group(1)

    def signup(self, email: str, password: str = "correct horse battery") -> dict[str, Any]:
        """Sign up, then sign in (sign-up itself never signs in: it does not tell who has an account)."""
        r = self.post("/api/signup", json={"email": email, "password": password})
        assert r.status_code == 202, r.text
        r = self.post("/api/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        self.csrf = r.json()["csrf_token"]
        return dict(r.json())

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


@pytest.fixture
def make_client(store_url: str) -> Iterator[Callable[..., Client]]:
    """make_client(accounts=False) -> a Client over a fresh app on this test's store."""
    from pmcoach.web.app import create_app

    made: list[Client] = []
    apps: dict[bool, Any] = {}

    def make(accounts: bool = False, raise_app_exceptions: bool = True) -> Client:
        if accounts not in apps:
            apps[accounts] = create_app(store_url, require_accounts=accounts)
        c = Client(apps[accounts], raise_app_exceptions=raise_app_exceptions)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()
    for app in apps.values():
        app.state.web.store.close()


def run_script(c: Client, sid: str, turns: list[str] = SCRIPT) -> list[dict[str, Any]]:
    """Send turns until the interview ends; the responses' JSON."""
    out = []
    for t in turns:
        r = c.post(f"/api/sessions/{sid}/turns", json={"text": t})
        assert r.status_code == 200, r.text
        out.append(r.json())
        if r.json()["state"]["finished"]:
            break
    return out


# ---------------------------------------------------------------------- real servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A real uvicorn process on 127.0.0.1 serving ``pmcoach.web.app:app_from_env``."""

    def __init__(self, database_url: str, accounts: bool = False, workers: int = 1, home: Path | None = None,
                 extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, PMCOACH_DATABASE_URL=database_url, PMCOACH_REQUIRE_ACCOUNTS="1" if accounts else "0",
                   PMCOACH_DEBUG="1")  # responses name their worker, so tests see which one answered
        if home is not None:
            env["PMCOACH_HOME"] = str(home)
        env.update(extra_env or {})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "pmcoach.web.app:app_from_env", "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(workers), "--log-level", "warning"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited: {self.proc.stdout.read() if self.proc.stdout else ''}")
            try:
                if httpx.get(self.url + "/api/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("uvicorn did not answer within 30 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@pytest.fixture
def server_factory() -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def start(database_url: str, accounts: bool = False, workers: int = 1, home: Path | None = None,
              extra_env: dict[str, str] | None = None) -> Server:
        s = Server(database_url, accounts, workers, home, extra_env)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def chromium_or_skip() -> str:
    """The Chromium to drive. ``PMCOACH_TEST_CHROMIUM`` (CI sets it) makes a missing browser an error."""
    required = os.environ.get("PMCOACH_TEST_CHROMIUM")
    path = required or CHROMIUM
    if required:
        import playwright  # noqa: F401  (an error, not a skip, when CI asks for the browser)
    else:
        pytest.importorskip("playwright", reason="the browser tests need playwright: pip install -e '.[test]'")
    if not Path(path).exists():
        if required:
            raise RuntimeError(f"PMCOACH_TEST_CHROMIUM={path} does not exist: apt-get install -y chromium")
        pytest.skip(f"PMCOACH_TEST_CHROMIUM is not set and there is no Chromium at {CHROMIUM} "
                    "(apt-get install -y chromium)")
    return path
