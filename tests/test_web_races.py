"""Sign-in limits under parallel requests, with two real uvicorn workers on one database
(SQLite and PostgreSQL): an attempt is reserved before the password is checked, so requests
sent together count one each, and the owner keeps a way in."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from web_fixtures import *  # noqa: F403  (the fixtures)
from web_fixtures import Server

PASSWORD = "correct horse battery"


async def _burst(urls: list[str], email: str, passwords: list[str], addresses: list[str]) -> list[int]:
    """Send every login at once, alternating between the workers; their status codes in order."""
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(timeout=60, limits=limits) as c:
        async def one(i: int) -> int:
            r = await c.post(urls[i % len(urls)] + "/api/login", json={"email": email, "password": passwords[i]},
                             headers={"X-Forwarded-For": addresses[i]})
            return r.status_code

        return list(await asyncio.gather(*(one(i) for i in range(len(passwords)))))


def _servers(server_factory: Callable[..., Server], store_url: str) -> tuple[Server, Server]:
    env = {"PMCOACH_HASH_CONCURRENCY": "2", "PMCOACH_HASH_QUEUE_S": "30"}
    return (server_factory(store_url, accounts=True, extra_env=env),
            server_factory(store_url, accounts=True, extra_env=env))


def _sign_up(url: str, email: str) -> None:
    r = httpx.post(url + "/api/signup", json={"email": email, "password": PASSWORD}, timeout=30,
                   headers={"X-Forwarded-For": "10.9.9.9"})
    assert r.status_code == 202, r.text


def test_parallel_guesses_from_one_address_count_one_each(server_factory: Callable[..., Server],
                                                          store_url: str) -> None:
    a, b = _servers(server_factory, store_url)
    _sign_up(a.url, "victim@example.com")
    # 60 wrong guesses at once, then the right password, all from one address
    guesses = [f"guess number {i}" for i in range(60)] + [PASSWORD]
    codes = asyncio.run(_burst([a.url, b.url], "victim@example.com", guesses, ["203.0.113.7"] * 61))
    assert codes.count(401) == 5, codes  # exactly the documented 5 per account and address were checked
    assert codes.count(429) == 56 and 200 not in codes, codes
    # the owner, from another address, still signs in
    r = httpx.post(b.url + "/api/login", json={"email": "victim@example.com", "password": PASSWORD},
                   headers={"X-Forwarded-For": "198.51.100.20"}, timeout=30)
    assert r.status_code == 200, r.text


def test_guesses_from_many_addresses_slow_the_account_but_not_its_owner(server_factory: Callable[..., Server],
                                                                       store_url: str) -> None:
    a, b = _servers(server_factory, store_url)
    _sign_up(a.url, "owner@example.com")
    # the owner signs in once from their browser: it keeps a device cookie
    owner = httpx.Client(base_url=a.url, timeout=30, headers={"X-Forwarded-For": "198.51.100.1"})
    assert owner.post("/api/login", json={"email": "owner@example.com", "password": PASSWORD}).status_code == 200
    assert "pmcoach_device" in owner.cookies
    owner.cookies.delete("pmcoach_session")  # signed out; the device cookie stays
    # 60 guesses from 60 addresses at once, and the right password last from a 61st
    guesses = [f"spray {i}" for i in range(60)] + [PASSWORD]
    codes = asyncio.run(_burst([a.url, b.url], "owner@example.com", guesses, [f"192.0.2.{i}" for i in range(61)]))
    # the account's slowdown starts after 10 failures from anywhere: then one attempt a second,
    # two seconds, four..., so a burst that takes a few seconds to arrive gets one or two more
    wrong = codes[:60]
    assert 10 <= wrong.count(401) <= 12 and wrong.count(401) + wrong.count(429) == 60, codes
    assert codes[60] in (200, 429)  # the right password, sent last from a fresh address: in, or told to wait
    # a fresh address is slowed down, told how long to wait, and then gets in
    r = httpx.post(b.url + "/api/login", json={"email": "owner@example.com", "password": PASSWORD},
                   headers={"X-Forwarded-For": "198.51.100.99"}, timeout=30)
    if r.status_code == 429:
        wait = int(r.headers["retry-after"])
        assert 1 <= wait <= 30
        import time

        time.sleep(wait)
        r = httpx.post(b.url + "/api/login", json={"email": "owner@example.com", "password": PASSWORD},
                       headers={"X-Forwarded-For": "198.51.100.99"}, timeout=30)
    assert r.status_code == 200, r.text
    # and the owner's own browser is not slowed down at all, even mid-attack
    asyncio.run(_burst([a.url, b.url], "owner@example.com", [f"more {i}" for i in range(20)],
                       [f"192.0.2.{100 + i}" for i in range(20)]))
    r = owner.post("/api/login", json={"email": "owner@example.com", "password": PASSWORD})
    assert r.status_code == 200, r.text
    owner.close()


@pytest.mark.parametrize("n", [40])
def test_a_login_storm_is_queued_not_computed_at_once(server_factory: Callable[..., Server], store_url: str,
                                                      n: int) -> None:
    """With 2 hashing slots and a short queue, a storm gets some 429s with Retry-After instead
    of n argon2 computations at once."""
    env = {"PMCOACH_HASH_CONCURRENCY": "1", "PMCOACH_HASH_QUEUE_S": "0.2",
           "PMCOACH_FAILURES_PER_ADDRESS": "1000", "PMCOACH_FAILURES_PER_ACCOUNT_ADDRESS": "1000",
           "PMCOACH_ACCOUNT_SLOWDOWN_AFTER": "1000"}
    a = server_factory(store_url, accounts=True, extra_env=env)
    codes = asyncio.run(_burst([a.url], "nobody@example.com", ["x" * 12] * n, ["203.0.113.50"] * n))
    assert set(codes) <= {401, 429} and codes.count(429) > 0 and codes.count(401) > 0, codes
