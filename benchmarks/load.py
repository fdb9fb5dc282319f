"""Load on loopback: N simulated candidates at once, each a whole scripted interview over HTTP.

    python benchmarks/load.py [--candidates 100] [--workers 2] [--think 1.0] [--shared-pool]
                              [--backends sqlite,postgresql] [--pg URL] [--no-accounts] [--json]

For each backend it starts a real uvicorn server (``pmcoach.web.app:app_from_env``) on
127.0.0.1 with ``--workers`` processes, signs every candidate up (untimed: argon2 is slow on
purpose), then lets them all interview at once. Each candidate starts a session and sends its
turns one after another, pausing a random 0.5-1.5 x ``--think`` seconds before each (people
read and type; ``--think 0`` sends back to back, a capacity test). It prints turns per second,
p50/p95/p99 latency per turn, errors, and lost turns: after the run every sent turn must be
stored, in order, exactly once.

PostgreSQL: ``--pg`` (or ``PMCOACH_TEST_PG``, default postgresql://pmc:pmc@127.0.0.1:5432/postgres)
is an admin URL; a fresh database is created for the run and dropped after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

PG_DEFAULT = "postgresql://pmc:pmc@127.0.0.1:5432/postgres"

#: A whole interview: the main question, a trade-off, then the troubleshooting game.
SCRIPT = [
    "Is this for the whole product or one surface?",
    "{p} exists to serve the company's mission for its users. The threat is competitors taking attention. "
    "It's in the mature stage of its lifecycle.",
    "Segments: new users, core users and the other side of the market. Journey for a core user: discover, "
    "try, come back, contribute.",
    "Goals: help core users get value every week and help the other side succeed. I'd prioritise core users "
    "first because they drive most of the value.",
    "I'd track DAU and total likes.",
    "North star: weekly users who got real value, meaning a completed core action that someone responded to. "
    "Secondary: activation of new users, supply-side success. Guardrails: reports, opt-outs, latency.",
    "The weakness of that north star is it can miss passive value. Pros: it tracks value delivered.",
    "On the north star: it moves up but guardrails matter. Pros: reach. Cons: fatigue. I'd ship to a holdout "
    "and decide: ship if opt-outs stay flat, roll back if not. Next I'd look at retention by segment.",
    "When did the drop start, and was it sudden or gradual?",
    "Is it one platform, iOS or Android, or one app version?",
    "Which countries or regions are affected?",
    "Did we ship any change or launch around then?",
    "My hypothesis is the root cause is the release we shipped; I'd roll back, then add an alert and a "
    "post-mortem.",
]
PRODUCTS = ["Facebook Groups", "Airbnb", "Uber", "Duolingo", "Slack", "Netflix", "LinkedIn", "Instagram Reels"]


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds per turn
    errors: list[str] = field(default_factory=list)
    sent: int = 0
    stored: int = 0
    lost: int = 0
    sessions: int = 0
    finished: int = 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db_url: str, workers: int, accounts: bool) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    # every simulated candidate signs up from 127.0.0.1: lift the per-address sign-up limit
    env = dict(os.environ, PMCOACH_DATABASE_URL=db_url, PMCOACH_REQUIRE_ACCOUNTS="1" if accounts else "0",
               PMCOACH_SIGNUPS_PER_HOUR="0")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "pmcoach.web.app:app_from_env", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--backlog", "2048"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"uvicorn exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("uvicorn did not start within 60 s")


async def sign_up(client: httpx.AsyncClient, n: int, accounts: bool) -> list[dict[str, str]]:
    if not accounts:
        return [{} for _ in range(n)]
    sem = asyncio.Semaphore(4)
    run = secrets.token_hex(3)

    async def one(i: int) -> dict[str, str]:
        async with sem:
            creds = {"email": f"c{i}-{run}@load.test", "password": "load test pass phrase"}
            (await client.post("/api/signup", json=creds)).raise_for_status()
            r = await client.post("/api/login", json=creds)
            r.raise_for_status()
            return {"Authorization": f"Bearer {r.json()['token']}"}

    return list(await asyncio.gather(*(one(i) for i in range(n))))


async def candidate(client: httpx.AsyncClient, i: int, headers: dict[str, str], think: float, res: Result) -> None:
    rnd = random.Random(i)
    product = PRODUCTS[i % len(PRODUCTS)]
    await asyncio.sleep(rnd.uniform(0, max(think, 0.05) * 2))  # arrivals spread over the first moments
    try:
        r = await client.post("/api/sessions", json={"product": product}, headers=headers)
    except httpx.HTTPError as e:
        res.errors.append(f"start: {type(e).__name__}")
        return
    if r.status_code != 201:
        res.errors.append(f"start: HTTP {r.status_code}")
        return
    res.sessions += 1
    sid = r.json()["session_id"]
    sent: list[str] = []
    for turn in SCRIPT:
        text = turn.format(p=product)
        if think:
            await asyncio.sleep(rnd.uniform(0.5, 1.5) * think)
        t0 = time.perf_counter()
        try:
            r = await client.post(f"/api/sessions/{sid}/turns", json={"text": text}, headers=headers)
        except httpx.HTTPError as e:
            res.errors.append(f"turn: {type(e).__name__}")
            sent.append(text)  # it may have been stored: count it as sent
            continue
        res.latencies.append(time.perf_counter() - t0)
        sent.append(text)
        if r.status_code != 200:
            res.errors.append(f"turn: HTTP {r.status_code}")
            continue
        if r.json()["state"]["finished"]:
            res.finished += 1
            break
    res.sent += len(sent)
    r = await client.get(f"/api/sessions/{sid}", headers=headers)
    stored = [t["text"] for t in r.json()["turns"] if t["role"] == "candidate"]
    res.stored += len(stored)
    if stored != sent:
        missing = sum(1 for s in sent if s not in stored)
        res.lost += max(missing, len(sent) - len(stored))


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


async def run_load(url: str, n: int, think: float, accounts: bool, shared_pool: bool) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as setup:
        heads = await sign_up(setup, n, accounts)
    # like browsers, each candidate has its own keep-alive connection (so, mostly, its own
    # worker); --shared-pool mixes every candidate's requests over one pool of connections,
    # the worst case for the workers' caches: nearly every turn rebuilds the interview
    limits = httpx.Limits(max_connections=n + 8, max_keepalive_connections=n + 8)
    shared = httpx.AsyncClient(base_url=url, timeout=60, limits=limits) if shared_pool else None
    clients = [shared or httpx.AsyncClient(base_url=url, timeout=60) for _ in range(n)]
    res = Result()
    t0 = time.perf_counter()
    try:
        await asyncio.gather(*(candidate(clients[i], i, heads[i], think, res) for i in range(n)))
    finally:
        wall = time.perf_counter() - t0
        for c in {id(c): c for c in clients}.values():
            await c.aclose()
    lat = res.latencies
    return {
        "candidates": n,
        "sessions": res.sessions,
        "finished": res.finished,
        "turns": len(lat),
        "wall_s": round(wall, 1),
        "turns_per_s": round(len(lat) / wall, 1) if wall else 0.0,
        "p50_ms": round(pct(lat, 50) * 1000, 1),
        "p95_ms": round(pct(lat, 95) * 1000, 1),
        "p99_ms": round(pct(lat, 99) * 1000, 1),
        "max_ms": round(max(lat) * 1000, 1) if lat else None,
        "mean_ms": round(statistics.fmean(lat) * 1000, 1) if lat else None,
        "errors": len(res.errors),
        "error_kinds": sorted(set(res.errors))[:5],
        "sent": res.sent,
        "stored": res.stored,
        "lost": res.lost,
    }


def pg_create(admin: str) -> tuple[str, str]:
    import psycopg

    name = f"pmcoach_load_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    return admin.rpartition("/")[0] + "/" + name, name


def pg_drop(admin: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--candidates", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2, one per core)")
    ap.add_argument("--think", type=float, default=1.0, help="mean seconds between a reply and the next turn")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--pg", default=os.environ.get("PMCOACH_TEST_PG") or PG_DEFAULT)
    ap.add_argument("--no-accounts", dest="accounts", action="store_false", help="local mode: no sign-in")
    ap.add_argument("--shared-pool", action="store_true",
                    help="all candidates share one connection pool (worst case for the workers' caches)")
    ap.add_argument("--json", action="store_true", help="print one JSON document")
    args = ap.parse_args()

    rows = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        tmp = tempfile.mkdtemp(prefix="pmcoach-load-")
        pg_name = None
        if backend == "sqlite":
            db = os.path.join(tmp, "load.sqlite")
        elif backend == "postgresql":
            try:
                db, pg_name = pg_create(args.pg)
            except Exception as e:  # no server: say so and go on
                print(f"skipping PostgreSQL: {str(e).strip().splitlines()[0]}", file=sys.stderr)
                continue
        else:
            raise SystemExit(f"unknown backend {backend!r}")
        proc, url = start_server(db, args.workers, args.accounts)
        try:
            row = {"backend": backend, "workers": args.workers, "think_s": args.think, "accounts": args.accounts,
                   "shared_pool": args.shared_pool,
                   **asyncio.run(run_load(url, args.candidates, args.think, args.accounts, args.shared_pool))}
        finally:
            proc.terminate()
            proc.wait(20)
            if pg_name:
                pg_drop(args.pg, pg_name)
            shutil.rmtree(tmp, ignore_errors=True)
        rows.append(row)
        if not args.json:
            print(f"{backend:10} {row['candidates']} candidates, {row['workers']} workers, think {row['think_s']} s, "
                  f"accounts {'on' if row['accounts'] else 'off'}{', shared pool' if row['shared_pool'] else ''}: {row['turns']} turns in {row['wall_s']} s = "
                  f"{row['turns_per_s']} turns/s; per turn p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms, "
                  f"p99 {row['p99_ms']} ms, max {row['max_ms']} ms; errors {row['errors']}"
                  f"{' ' + str(row['error_kinds']) if row['errors'] else ''}; "
                  f"sent {row['sent']}, stored {row['stored']}, lost {row['lost']}; "
                  f"{row['finished']}/{row['sessions']} interviews finished", flush=True)
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
