"""Stateless workers: real uvicorn processes on 127.0.0.1 sharing one database carry one
interview, its turns alternating between them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from web_fixtures import *  # noqa: F403  (the fixtures)
from web_fixtures import SCRIPT, Server, free_port, httpx  # httpx: skips without the server extra

from pmcoach.errors import PmcoachError


@pytest.mark.parametrize("accounts", [False, True])
def test_two_workers_carry_one_interview(server_factory: Callable[..., Server], store_url: str, accounts: bool) -> None:
    a = server_factory(store_url, accounts=accounts)
    b = server_factory(store_url, accounts=accounts)
    headers: dict[str, str] = {}
    with httpx.Client(base_url=a.url, timeout=30) as ca, httpx.Client(base_url=b.url, timeout=30) as cb:
        if accounts:
            r = ca.post("/api/signup", json={"email": "w@example.com", "password": "correct horse"})
            assert r.status_code == 202, r.text
            r = cb.post("/api/login", json={"email": "w@example.com", "password": "correct horse"})
            assert r.status_code == 200, r.text
            headers = {"Authorization": f"Bearer {r.json()['token']}"}  # a sign-in from one worker works on the other
        r = ca.post("/api/sessions", json={"product": "Facebook Groups"}, headers=headers)
        assert r.status_code == 201, r.text
        sid = r.json()["session_id"]
        pids = set()
        replies = []
        for i, text in enumerate(SCRIPT):
            c = (ca, cb)[i % 2]
            r = c.post(f"/api/sessions/{sid}/turns", json={"text": text}, headers=headers)
            assert r.status_code == 200, r.text
            pids.add(r.headers["x-pmcoach-worker"])
            replies.append(r.json())
            if r.json()["state"]["finished"]:
                break
        assert len(pids) == 2  # two processes really took turns
        assert replies[-1]["state"]["finished"]
        # both see the same transcript, and every turn sent is stored once, in order
        ta = ca.get(f"/api/sessions/{sid}", headers=headers).json()["turns"]
        tb = cb.get(f"/api/sessions/{sid}", headers=headers).json()["turns"]
        assert ta == tb
        assert [t["text"] for t in ta if t["role"] == "candidate"] == SCRIPT[: len(replies)]
        assert [t["seq"] for t in ta] == list(range(1, len(ta) + 1))
        fa = ca.get(f"/api/sessions/{sid}/feedback", headers=headers).json()
        fb = cb.get(f"/api/sessions/{sid}/feedback", headers=headers).json()
        assert fa == fb and fa["overall"] > 0

    # the same interview in one process gives the same interviewer replies: no state lived in a worker
    from pmcoach.coach import Coach
    from pmcoach.kb import load_bank
    from pmcoach.store import Store

    st = Store(store_url)
    coach = Coach(st, load_bank())
    _row, iv, turns = coach.interview(sid, st.session(sid, any_user=True).user_id)
    assert iv.finished
    assert [t.text for t in turns if t.role == "interviewer"][1:] == [r["reply"]["text"] for r in replies]
    st.close()


def test_serve_runs_several_workers(tmp_path: Path) -> None:
    """The entry point the CLI calls: migrations first, then N uvicorn workers on one port."""
    port = free_port()
    db = tmp_path / "served.sqlite"
    code = f"from pmcoach.web import serve; serve('127.0.0.1', {port}, False, 2, {str(db)!r})"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ), start_new_session=True)
    try:
        pids = set()
        deadline = time.time() + 40
        while time.time() < deadline and len(pids) < 2:
            try:
                with httpx.Client(timeout=2) as c:  # a new connection each time, so both workers can answer
                    r = c.get(f"http://127.0.0.1:{port}/api/health")
                pids.add(r.json()["worker"])
                assert r.json()["accounts"] is False and r.json()["database"] == "sqlite"
            except httpx.HTTPError:
                time.sleep(0.2)
        assert len(pids) == 2, f"answered by {pids}"  # both worker processes serve
        assert db.exists()
    finally:
        os.killpg(proc.pid, 15)
        _out, err = proc.communicate(timeout=20)
    assert "serving on http://127.0.0.1" in err and "accounts off" in err


def test_serve_reports_problems_in_one_line(tmp_path: Path) -> None:
    import socket

    from pmcoach.web.server import redact, serve

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        with pytest.raises(PmcoachError, match="cannot listen on 127.0.0.1"):
            serve("127.0.0.1", busy, False, 1, str(tmp_path / "x.sqlite"))
    with pytest.raises(PmcoachError, match="workers"):
        serve("127.0.0.1", free_port(), False, 0, str(tmp_path / "x.sqlite"))
    with pytest.raises(PmcoachError, match="needs accounts"):
        serve("0.0.0.0", free_port(), False, 1, str(tmp_path / "x.sqlite"), require_accounts=False)
    with pytest.raises(PmcoachError, match="cannot connect to PostgreSQL"):
        serve("127.0.0.1", free_port(), False, 1, "postgresql://nobody:secret@127.0.0.1:1/none")
    assert redact("postgresql://pmc:s3cret@db:5432/x") == "postgresql://pmc:***@db:5432/x"
