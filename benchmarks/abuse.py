"""The hosted mode under abuse: memory in a login storm, fairness under a flood, cold restore.

    python benchmarks/abuse.py [--logins 200] [--database-url postgresql://...]

Starts 'pmcoach serve --workers 2 --accounts' on 127.0.0.1 (a temporary SQLite file unless
--database-url names another store) and prints:

1. peak RSS of each worker (VmHWM) after N simultaneous logins for N different emails from N
   addresses, so no sign-in limit stops them before the password check (target < 400 MB);
2. a normal user's turn latency, p50 and p95, alone and while another account floods the
   server with new sessions and maximum-size turns from 16 threads (target p95 < 200 ms);
3. the time to open a session of 120 turns of maximum size on a worker that has never seen it
   (GET /api/sessions/ID, the first request a fresh server serves; target < 200 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
TURNS = [
    "Is this all of Groups, or one surface?",
    "Groups exists so people who share an interest or a place can find each other and act together.",
    "Segments: admins, active members and readers.",
    "Goals: more members getting value from groups each week; healthier groups for admins.",
    "North star: weekly members with a meaningful interaction in a group.",
    "Guardrails: reports of harmful content and notification opt-outs.",
]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: str, home: str, workers: int = 2) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    env = {**os.environ, "PMCOACH_HOME": home, "PMCOACH_DATABASE_URL": db, "PMCOACH_DEBUG": "1"}
    exe = shutil.which("pmcoach") or str(Path(sys.executable).with_name("pmcoach"))
    proc = subprocess.Popen([exe, "serve", "--accounts", "--workers", str(workers), "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise SystemExit("the server did not start: " + (proc.stderr.read() if proc.stderr else ""))
    # both workers answer health before we measure
    pids: set[str] = set()
    for _ in range(200):
        with httpx.Client(timeout=5) as c:
            pids.add(c.get(url + "/api/health").headers.get("x-pmcoach-worker", ""))
        if len(pids) >= workers:
            break
    return proc, url


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
    kids = [int(x) for x in out.split()]
    # 'pmcoach serve' runs uvicorn's supervisor: the workers are its children
    grand = []
    for k in kids:
        more = subprocess.run(["ps", "-o", "pid=", "--ppid", str(k)], capture_output=True, text=True).stdout
        grand += [int(x) for x in more.split()]
    return [p for p in grand + kids if _status(p, "VmHWM")] if (grand or kids) else []


def _status(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])  # kB
    except OSError:
        pass
    return 0


def account(url: str, email: str, address: str) -> dict[str, str]:
    httpx.post(url + "/api/signup", json={"email": email, "password": PASSWORD}, timeout=60,
               headers={"X-Forwarded-For": address}).raise_for_status()
    r = httpx.post(url + "/api/login", json={"email": email, "password": PASSWORD}, timeout=60,
                   headers={"X-Forwarded-For": address})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def login_storm(url: str, n: int) -> dict[int, int]:
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=n + 10)) as c:
        async def one(i: int) -> int:
            r = await c.post(url + "/api/login", json={"email": f"storm{i}@example.com", "password": f"guess {i} x"},
                             headers={"X-Forwarded-For": f"10.{i // 250}.{i % 250}.9"})
            return r.status_code

        codes = await asyncio.gather(*(one(i) for i in range(n)))
    out: dict[int, int] = {}
    for code in codes:
        out[code] = out.get(code, 0) + 1
    return out


def normal_user(url: str, headers: dict[str, str], n: int) -> list[float]:
    times = []
    with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
        sid = c.post("/api/sessions", json={"product": "Facebook Groups"}).json()["session_id"]
        for i in range(n):
            t = time.perf_counter()
            r = c.post(f"/api/sessions/{sid}/turns", json={"text": TURNS[i % len(TURNS)]})
            times.append((time.perf_counter() - t) * 1000)
            if r.status_code != 200:
                raise SystemExit(f"the normal user got {r.status_code}: {r.text}")
            if r.json()["state"]["finished"]:
                sid = c.post("/api/sessions", json={"product": "Airbnb"}).json()["session_id"]
            time.sleep(0.3)  # a person types; 20 turns a minute is the default quota
    return times


def flood(url: str, headers: dict[str, str], stop: threading.Event, counts: dict[str, int]) -> None:
    big = ("We should look at the funnel by segment and platform before deciding anything. " * 400)[:19_900]
    lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
            sid = None
            while not stop.is_set():
                if sid is None:
                    r = c.post("/api/sessions", json={"product": "Facebook Groups"})
                    key = f"session {r.status_code}"
                    if r.status_code == 201:
                        sid = r.json()["session_id"]
                else:
                    r = c.post(f"/api/sessions/{sid}/turns", json={"text": big})
                    key = f"turn {r.status_code}"
                    if r.status_code == 409:
                        sid = None
                with lock:
                    counts[key] = counts.get(key, 0) + 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(16)]
    for t in threads:
        t.start()
    stop.wait()
    for t in threads:
        t.join(5)


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * (len(s) - 1) + 0.5))]


def big_session(db: str, home: str) -> tuple[str, int]:
    """A session of 120 turns of maximum size, written by the coach itself (no quotas)."""
    os.environ["PMCOACH_HOME"] = home
    from pmcoach.coach import Coach
    from pmcoach.kb import load_bank
    from pmcoach.store import Store

    store = Store(db)
    bank = load_bank()
    coach = Coach(store, bank)
    s = bank.find("Facebook Groups")
    followups = [c.id for c in s.all_cases()]
    uid = store.create_user("big@example.com", "x")
    sid = store.create_session(s.id, {"scenario_id": s.id, "followups": followups, "start": "main", "timed": False},
                               user_id=uid)
    coach.store.add_turn(sid, "interviewer", "clarify", "opening", {}, 0.0)
    pad = " I would check this by segment, platform and week before concluding anything."
    n = 0
    while len(store.turns(sid)) < 121:
        text = (TURNS[n % len(TURNS)] + pad * 400)[:19_900]
        try:
            coach.say(sid, text, uid)
        except Exception:  # noqa: BLE001 - the interview ended: the session is as long as it gets
            break
        n += 1
    count = len(store.turns(sid))
    store.close()
    return sid, count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--logins", type=int, default=200)
    ap.add_argument("--turns", type=int, default=60, help="normal users' turns in each phase")
    ap.add_argument("--database-url", help="a postgresql:// URL (default: a temporary SQLite file)")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="pmcoach-abuse-")
    db = args.database_url or str(Path(tmp) / "abuse.sqlite")
    home = str(Path(tmp) / "home")
    print(f"store: {'PostgreSQL' if db.startswith('postgres') else 'SQLite'}; 2 workers")

    # 3 first: the big session is written before any server has seen it
    sid, n_turns = big_session(db, home)
    proc, url = start_server(db, home)
    try:
        r = httpx.post(url + "/api/login", json={"email": "big@example.com", "password": "x"}, timeout=30)
        # its password hash is a placeholder, so sign in through a token made directly
        from pmcoach.store import Store
        from pmcoach.web import auth
        from pmcoach.web.policy import Policy

        st = Store(db)
        uid = st.user_by_email("big@example.com")[0]  # type: ignore[index]
        token = auth.start_sign_in(st, uid, Policy())
        st.close()
        cold = []
        with httpx.Client(timeout=60) as c:
            for _ in range(2):  # one request per worker: each is its first sight of the session
                t = time.perf_counter()
                r = c.get(f"{url}/api/sessions/{sid}", headers={"Authorization": f"Bearer {token}"})
                cold.append((time.perf_counter() - t) * 1000)
                r.raise_for_status()
                c.cookies.clear()
        print(f"cold open of a {n_turns}-turn session (max-size turns): {cold[0]:.0f} ms, then {cold[1]:.0f} ms "
              "(target < 200)")

        pids = worker_pids(proc.pid)
        base = {p: _status(p, "VmRSS") // 1024 for p in pids}
        before = {p: _status(p, "VmHWM") // 1024 for p in pids}
        t = time.perf_counter()
        codes = asyncio.run(login_storm(url, args.logins))
        took = time.perf_counter() - t
        peak = {p: _status(p, "VmHWM") // 1024 for p in pids}
        print(f"{args.logins} simultaneous logins in {took:.1f} s: {codes}")
        for p in pids:
            print(f"  worker {p}: RSS before {base[p]} MB (peak so far {before[p]} MB), peak after the storm "
                  f"{peak[p]} MB (target < 400)")

        heavy = account(url, "heavy@example.com", "198.51.100.6")
        # a person sends a few turns a minute: each phase spreads its turns over fresh accounts,
        # so the normal users stay inside the default quota of 20 turns a minute
        per = 15

        def normal_phase(tag: str) -> list[float]:
            out: list[float] = []
            for k in range(max(1, args.turns // per)):
                who = account(url, f"normal-{tag}-{k}@example.com", f"198.51.100.{10 + k}")
                out += normal_user(url, who, per)
            return out

        alone = normal_phase("alone")
        stop = threading.Event()
        counts: dict[str, int] = {}
        th = threading.Thread(target=flood, args=(url, heavy, stop, counts), daemon=True)
        th.start()
        time.sleep(1.0)
        loaded = normal_phase("flood")
        stop.set()
        th.join(10)
        print(f"normal user's turn, alone:       p50 {statistics.median(alone):6.1f} ms, p95 {pct(alone, 0.95):6.1f} ms")
        print(f"normal user's turn, under flood: p50 {statistics.median(loaded):6.1f} ms, "
              f"p95 {pct(loaded, 0.95):6.1f} ms (target < 200)")
        print(f"  the flooding account's requests: {dict(sorted(counts.items()))}")
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
