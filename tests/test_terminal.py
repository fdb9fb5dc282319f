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


class _Tmux:
    """A pmcoach command running in a real terminal (tmux), read from its screen."""

    def __init__(self, home: Path, args: str) -> None:
        self.name = f"pmc{os.getpid()}{int(time.time() * 1000) % 100000}"
        cmd = f"env PMCOACH_HOME={home} {sys.executable} -m pmcoach {args}"
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", "160", "-y", "50", cmd], check=True)
        subprocess.run(["tmux", "set-option", "-t", self.name, "remain-on-exit", "on"], check=True)

    def pane(self) -> str:
        raw = subprocess.run(["tmux", "capture-pane", "-p", "-J", "-t", self.name, "-S", "-400"],
                             capture_output=True, text=True, check=True).stdout
        return " ".join(raw.split())  # lines wrapped by the terminal read as one

    def wait(self, needle: str, count: int = 1, timeout: float = 30) -> str:
        end = time.time() + timeout
        while time.time() < end:
            text = self.pane()
            if text.count(needle) >= count:
                return text
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {needle!r}:\n{self.pane()[-3000:]}")

    def send(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def paste(self, text: str, tmp: Path, prompts: int) -> None:
        """Paste as a terminal does (bracketed, when the program asked for it), once the
        ``prompts``-th prompt is on the screen and reading."""
        self.wait("You (", prompts)
        time.sleep(0.5)
        f = tmp / f"paste{len(text)}.txt"
        f.write_text(text, encoding="utf-8")
        subprocess.run(["tmux", "load-buffer", "-b", "p", str(f)], check=True)
        subprocess.run(["tmux", "paste-buffer", "-p", "-d", "-b", "p", "-t", self.name], check=True)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], check=False, capture_output=True)


_NO_TMUX = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")


@_NO_TMUX
def test_interactive_terminal_in_tmux(tmp_path: Path) -> None:
    home = tmp_path / "home"
    t = _Tmux(home, "practice 'Facebook Groups'")
    try:
        t.wait("Interviewer")
        assert "You are the PM for Facebook Groups" in t.pane()
        t.send("Is this all of Groups, or one surface?", "Enter", "Enter")
        t.wait("Interviewer", 2)
        t.send("I would measure success with DAU.", "Enter", "Enter")
        text = t.wait("push back", 1)
        assert "DAU" in text
        t.send("/hint", "Enter")
        t.wait("Hint:", 1)
        t.send("/quit", "Enter")
        text = t.wait("Resume with", 1)
        assert "pmcoach resume" in text
    finally:
        t.close()
    store = Store(home / "pmcoach.db")
    said = [x.text for x in store.turns(store.sessions()[0].id) if x.role == "candidate"]
    assert said[:2] == ["Is this all of Groups, or one surface?", "I would measure success with DAU."]


@_NO_TMUX
def test_pastes_of_any_size_arrive_whole_and_nothing_typed_is_lost(tmp_path: Path) -> None:
    """A 6,000-character paragraph (over the terminal's 4,095 canonical-mode limit) and a
    multi-line paste arrive intact; a 25,000-character paste is kept in a draft file, not sent
    and not lost; Ctrl-D sends a typed, unsent line."""
    home = tmp_path / "home"
    long_line = ("Groups exists so people can find their community and get real help from it. " * 80).strip()
    assert 4_095 < len(long_line) < 20_000
    lines = "\n".join(f"Segment {i}: members who join groups about topic {i} and come back weekly." for i in range(60))
    huge = "\n".join([long_line] * 4)
    t = _Tmux(home, "practice 'Facebook Groups'")
    try:
        t.paste(long_line, tmp_path, 1)
        t.send("Enter", "Enter")
        t.paste(lines, tmp_path, 2)
        t.send("Enter", "Enter")
        t.paste(huge, tmp_path, 3)
        t.send("Enter", "Enter")
        text = t.wait("Nothing was sent and nothing is lost")
        assert f"{len(huge):,} characters" in text
        time.sleep(0.5)
        t.send("Our goals: first, meaningful participation.")
        t.send("C-d")
        t.wait("Interviewer", 4)
        t.send("/quit", "Enter")
        t.wait("Resume with")
    finally:
        t.close()
    store = Store(home / "pmcoach.db")
    said = [x.text for x in store.turns(store.sessions()[0].id) if x.role == "candidate"]
    assert said[0] == long_line
    assert said[1] == lines
    assert said[2] == "Our goals: first, meaningful participation."
    drafts = list((home / "drafts").glob("*.txt"))
    assert len(drafts) == 1 and drafts[0].read_text(encoding="utf-8") == huge
