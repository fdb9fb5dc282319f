"""Accounts for hosted mode: argon2 password hashes, server-side sign-in tokens, CSRF
tokens and login rate limits. Everything lives in the store, so workers hold no state."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import InputError
from ..store import Store

if TYPE_CHECKING:
    from argon2 import PasswordHasher

SESSION_COOKIE = "pmcoach_session"
CSRF_COOKIE = "pmcoach_csrf"
SESSION_DAYS = 30

#: Failed logins allowed per window: per account, and per client address.
LOGIN_WINDOW_S = 15 * 60
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_CLIENT = 20
#: Sign-ups allowed per client address per hour (each one costs an argon2 hash); a cohort
#: behind one NAT may need more: ``PMCOACH_SIGNUPS_PER_HOUR`` (0 turns the limit off).
MAX_SIGNUPS_PER_CLIENT = 50

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{1,60}$")


@dataclass(frozen=True)
class Viewer:
    """Who is asking: a signed-in user, or the local user (``user_id`` None) in local mode."""

    user_id: str | None
    email: str | None
    via: str | None  # "cookie", "bearer" or None
    token: str | None  # the sign-in token (cookie or bearer), if any

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many attempts: try again in {retry_after} seconds")
        self.retry_after = retry_after


_HASHER: PasswordHasher | None = None


def hasher() -> PasswordHasher:
    """argon2id with the library's current defaults (RFC 9106 low-memory profile)."""
    global _HASHER
    if _HASHER is None:
        from argon2 import PasswordHasher

        _HASHER = PasswordHasher()
    return _HASHER


def normalise_email(email: str) -> str:
    e = email.strip().lower()
    if not _EMAIL.match(e):
        raise InputError("enter a valid email address")
    return e


def check_password(password: str) -> None:
    if len(password) < 8:
        raise InputError("a password needs at least 8 characters")
    if len(password) > 1024:
        raise InputError("a password can have at most 1,024 characters")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(seed: str) -> str:
    """The form token bound to a browser: derived from its sign-in token or its CSRF cookie."""
    return hmac.new(seed.encode(), b"pmcoach-csrf", hashlib.sha256).hexdigest()


def csrf_ok(seed: str | None, sent: str | None) -> bool:
    return bool(seed and sent) and hmac.compare_digest(csrf_token(seed or ""), sent or "")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def sign_up(store: Store, email: str, password: str, client: str) -> str:
    """Create an account; returns the user id."""
    e = normalise_email(email)
    check_password(password)
    limit = int(os.environ.get("PMCOACH_SIGNUPS_PER_HOUR") or MAX_SIGNUPS_PER_CLIENT)
    if limit > 0:
        _limit(store, f"signup:{client}", limit, 3600)
        store.add_login_attempt(f"signup:{client}")
    return store.create_user(e, hasher().hash(password))


def log_in(store: Store, email: str, password: str, client: str) -> str:
    """Check a password (rate limited per account and per client); returns the user id."""
    from argon2.exceptions import InvalidHashError, VerificationError

    e = email.strip().lower()
    _limit(store, f"login:{e}", MAX_FAILURES_PER_EMAIL, LOGIN_WINDOW_S)
    _limit(store, f"client:{client}", MAX_FAILURES_PER_CLIENT, LOGIN_WINDOW_S)
    found = store.user_by_email(e)
    ph = hasher()
    try:
        if found is None:
            # spend the same time as a real check, so timing does not reveal which emails exist
            ph.verify(_dummy_hash(), password + "x")
            raise VerificationError
        ph.verify(found[1], password)
    except (VerificationError, InvalidHashError):
        store.add_login_attempt(f"login:{e}")
        store.add_login_attempt(f"client:{client}")
        raise InputError("wrong email or password") from None
    store.clear_login_attempts(f"login:{e}")
    if ph.check_needs_rehash(found[1]):
        store.set_password_hash(found[0], ph.hash(password))
    return found[0]


_DUMMY: str | None = None


def _dummy_hash() -> str:
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = str(hasher().hash(secrets.token_hex(16)))
    return _DUMMY


def _limit(store: Store, key: str, limit: int, window: int) -> None:
    now = time.time()
    times = store.login_attempts(key, now - window)
    if len(times) >= limit:
        retry = int(times[-limit] + window - now) + 1
        raise RateLimited(max(1, retry))


def start_sign_in(store: Store, user_id: str) -> str:
    """A new sign-in token for ``user_id`` (only its hash is stored)."""
    token = new_token()
    store.create_auth_session(user_id, token_hash(token), time.time() + SESSION_DAYS * 86400)
    return token


def viewer_for(store: Store, token: str | None, via: str | None) -> Viewer:
    if token:
        found = store.auth_session_user(token_hash(token))
        if found:
            return Viewer(found[0], found[1], via, token)
    return Viewer(None, None, None, None)
