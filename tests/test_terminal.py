"""The real interactive terminal: driven through a pipe (and killed with SIGKILL) and in tmux."""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pmcoach.coach import Coach
from pmcoach.kb import load_bank
from pmcoach.store import Store


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMCOACH_")}
    env["PMCOACH_HOME"] = str(home)
    env["PYTHONUNBUFFERED"] = "1"
    return env


class _Reader:
    def __init__(self, stream) -> None:  # type: ignore[no-untyped-def]
        self.q: queue.Queue[str] = queue.Queue()
        self.buf = ""
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream) -> None:  # type: ignore[no-untyped-def]
        for chunk in iter(lambda: stream.read1(4096), b""):
            self.q.put(chunk.decode("utf-8", "replace"))

    def wait_for(self, needle: str, count: int = 1, timeout: float = 20) -> str:
        end = time.time() + timeout
        while time.time() < end:
            if self.buf.count(needle) >= count:
                return self.buf
            with contextlib.suppress(queue.Empty):
                self.buf += self.q.get(timeout=0.2)
        raise AssertionError(f"timed out waiting for {needle!r} x{count}; got:\n{self.buf[-2000:]}")


def test_sigkill_mid_interview_loses_no_acknowledged_turn(tmp_path: Path) -> None:
    home = tmp_path / "home"
    p = subprocess.Popen(
        [sys.executable, "-m", "pmcoach", "practice", "Facebook Groups"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=_env(home),
    )
    out = _Reader(p.stdout)
    assert p.stdin is not None
    try:
        out.wait_for("Interviewer", 1)
        turns = [
            "Is this all of Groups, or one surface?",
            "Groups exists to help people build community,\nwhich is Meta's mission. The threat is Reddit.",
            "Segments: members, contributors and admins.",
        ]
        for i, t in enumerate(turns, start=2):
            p.stdin.write((t + "\n\n").encode())
            p.stdin.flush()
            out.wait_for("Interviewer", i)  # the reply is shown: the turn was acknowledged
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    store = Store(home / "pmcoach.db")
    sid = store.sessions()[0].id
    said = [t.text for t in store.turns(sid) if t.role == "candidate"]
    assert said == turns
    # the session resumes where it stopped
    coach = Coach(store, load_bank())
    _, iv, _ = coach.interview(sid)
    assert iv.stage in ("segments", "objectives")
    r = subprocess.run([sys.executable, "-m", "pmcoach", "resume"], input="/quit\n", capture_output=True,
                       text=True, env=_env(home), timeout=60, check=False)
    assert r.returncode == 0, r.stderr
    assert f"Resuming session {sid}" in r.stdout


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")
def test_interactive_terminal_in_tmux(tmp_path: Path) -> None:
    home = tmp_path / "home"
    name = f"pmc{os.getpid()}"
    cmd = f"env PMCOACH_HOME={home} {sys.executable} -m pmcoach practice 'Facebook Groups'"
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "160", "-y", "50", cmd], check=True)
    subprocess.run(["tmux", "set-option", "-t", name, "remain-on-exit", "on"], check=True)

    def pane() -> str:
        raw = subprocess.run(["tmux", "capture-pane", "-p", "-J", "-t", name, "-S", "-200"], capture_output=True,
                             text=True, check=True).stdout
        return " ".join(raw.split())  # lines wrapped by the terminal read as one

    def wait(needle: str, count: int = 1, timeout: float = 20) -> str:
        end = time.time() + timeout
        while time.time() < end:
            text = pane()
            if text.count(needle) >= count:
                return text
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {needle!r}:\n{pane()}")

    def send(*keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", name, *keys], check=True)

    try:
        wait("Interviewer")
        assert "You are the PM for Facebook Groups" in pane()
        send("Is this all of Groups, or one surface?", "Enter", "Enter")
        wait("Interviewer", 2)
        send("I would measure success with DAU.", "Enter", "Enter")
        text = wait("push back", 1)
        assert "DAU" in text
        send("/hint", "Enter")
        wait("Hint:", 1)
        send("/quit", "Enter")
        text = wait("Resume with", 1)
        assert "pmcoach resume" in text
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], check=False, capture_output=True)
    store = Store(home / "pmcoach.db")
    said = [t.text for t in store.turns(store.sessions()[0].id) if t.role == "candidate"]
    assert said[:2] == ["Is this all of Groups, or one surface?", "I would measure success with DAU."]
