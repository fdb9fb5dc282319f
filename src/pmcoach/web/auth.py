"""Accounts for hosted mode: argon2 password hashes (a bounded number at once), server-side
sign-in tokens, CSRF tokens, invites and sign-in limits reserved atomically. Everything lives in
the store, so workers hold no state but a semaphore."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from ..errors import InputError, PmcoachError
from ..store import Check, Store
from .policy import ARGON2_MEMORY_KIB, ARGON2_PARALLELISM, ARGON2_TIME_COST, Policy

if TYPE_CHECKING:
    from argon2 import PasswordHasher

SESSION_COOKIE = "pmcoach_session"
CSRF_COOKIE = "pmcoach_csrf"
#: A browser that has signed in to an account before carries this cookie: failures from other
#: browsers slow the account down, but never this one (docs/hosting.md, "Sign-in limits").
DEVICE_COOKIE = "pmcoach_device"

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
    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message or f"too many attempts: try again in {retry_after} seconds")
        self.retry_after = retry_after


class Busy(RateLimited):
    """Every password-check slot of this worker stayed taken for the whole queue wait."""

    def __init__(self, retry_after: int = 2) -> None:
        super().__init__(retry_after, f"the server is busy checking passwords: try again in {retry_after} seconds")


_HASHER: PasswordHasher | None = None
_SLOTS: threading.BoundedSemaphore | None = None
_POOL: ThreadPoolExecutor | None = None
_SLOTS_LOCK = threading.Lock()
T = TypeVar("T")


def hasher() -> PasswordHasher:
    """argon2id with the parameters in ``policy`` (OWASP: m=19 MiB, t=2, p=1)."""
    global _HASHER
    if _HASHER is None:
        from argon2 import PasswordHasher

        _HASHER = PasswordHasher(time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB,
                                 parallelism=ARGON2_PARALLELISM)
    return _HASHER


def hashing(policy: Policy, fn: Callable[[], T]) -> T:
    """Run one argon2 computation: at most ``policy.hash_concurrency`` at once in this worker,
    each on one of that many dedicated threads (so the allocator keeps at most that many
    19 MiB blocks, not one per request thread); the rest wait up to ``hash_queue_s``, then Busy."""
    global _SLOTS, _POOL
    with _SLOTS_LOCK:
        if _SLOTS is None or _POOL is None:
            _SLOTS = threading.BoundedSemaphore(policy.hash_concurrency)
            _POOL = ThreadPoolExecutor(max_workers=policy.hash_concurrency, thread_name_prefix="argon2")
        slots, pool = _SLOTS, _POOL
    if not slots.acquire(timeout=policy.hash_queue_s):
        raise Busy(max(1, math.ceil(policy.hash_queue_s)))
    try:
        return pool.submit(fn).result()
    finally:
        slots.release()


def normalise_email(email: str) -> str:
    e = email.strip().lower()
    if not _EMAIL.match(e):
        raise InputError("enter a valid email address")
    return e


def check_password(password: str, email: str = "") -> None:
    """Refuse a password that is short, blank or easy to guess (zxcvbn's estimate, which knows
    common passwords, words, names, dates and keyboard patterns, and the email's own words)."""
    if not password.strip():
        raise InputError("a password cannot be only spaces")
    if len(password) < 8:
        raise InputError("a password needs at least 8 characters")
    if len(password) > 1024:
        raise InputError("a password can have at most 1,024 characters")
    from zxcvbn import zxcvbn

    hints = [w for w in re.split(r"[^a-z0-9]+", email.lower()) if len(w) >= 3]
    verdict = zxcvbn(password[:100], user_inputs=hints)
    if verdict["score"] < MIN_PASSWORD_SCORE:
        why = (verdict.get("feedback") or {}).get("warning") or "it is too easy to guess"
        raise InputError(f"choose a stronger password: {why.rstrip('.').lower()} "
                         "(a few unrelated words make a strong one)")


#: zxcvbn's score runs 0-4; 3 is "safely unguessable: moderate protection from offline attacks".
MIN_PASSWORD_SCORE = 3


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(seed: str) -> str:
    """The form token bound to a browser: derived from its sign-in token or its CSRF cookie."""
    return hmac.new(seed.encode(), b"pmcoach-csrf", hashlib.sha256).hexdigest()


def csrf_ok(seed: str | None, sent: str | None) -> bool:
    return bool(seed and sent) and hmac.compare_digest(csrf_token(seed or ""), sent or "")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def sign_up(store: Store, email: str, password: str, client: str, policy: Policy, invite: str | None = None,
            ) -> str | None:
    """Create an account; returns its user id, or None when the email already has one. The
    caller answers both the same way, so sign-up does not tell who has an account (and both
    spend one argon2 hash, so the time does not tell either). With ``policy.invite_only``, an
    unused invite for this email is needed."""
    e = normalise_email(email)
    check_password(password, e)
    if policy.invite_only and (not invite or store.invite_email(token_hash(invite)) != e):
        raise InputError("sign-up here is by invitation: use the link you were sent for this email")
    if policy.signups_per_hour > 0:
        wait, _ids = store.reserve_attempt([Check(f"signup:{client}", policy.signups_per_hour, 3600)],
                                           [f"signup:{client}"])
        if wait:
            raise RateLimited(math.ceil(wait))
    hashed = hashing(policy, lambda: hasher().hash(password))
    if store.user_by_email(e) is not None:
        return None
    if policy.invite_only and not store.use_invite(token_hash(invite or ""), e):
        raise InputError("sign-up here is by invitation: use the link you were sent for this email")
    try:
        return store.create_user(e, hashed)
    except PmcoachError:  # created by a request that raced this one
        return None


def log_in(store: Store, email: str, password: str, client: str, policy: Policy, device: str | None = None,
           ) -> str:
    """Check a password; returns the user id. The attempt is reserved before the check, in one
    transaction with the limits, so requests sent together count one each:

    - per account and address: ``failures_per_account_address`` failures, then that pair waits;
    - per address: ``failures_per_address`` failures across accounts, then it waits;
    - per account: beyond ``account_slowdown_after`` failures from anywhere, each attempt waits
      1, 2, 4 ... up to ``account_max_delay_s`` seconds after the last one, except from a browser
      that has signed in to the account before (``device``), so the owner is never locked out.
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    e = email.strip().lower()
    found = store.user_by_email(e)
    known = bool(device and found and store.device_user(token_hash(device)) == found[0])
    w = policy.login_window_s
    pair, addr, acct = f"login:{e}|{client}", f"client:{client}", f"account:{e}"
    checks = [Check(pair, policy.failures_per_account_address, w), Check(addr, policy.failures_per_address, w)]
    if not known:
        checks.append(Check(acct, policy.account_slowdown_after, w, max_delay=policy.account_max_delay_s))
    wait, ids = store.reserve_attempt(checks, [pair, addr, acct])
    if wait:
        raise RateLimited(math.ceil(wait))
    ph = hasher()

    def check() -> None:
        if found is None:
            # spend the same time as a real check, so timing does not reveal which emails exist
            ph.verify(_dummy_hash(), password + "x")
            raise VerificationError
        ph.verify(found[1], password)

    try:
        hashing(policy, check)
    except Busy:
        store.release_attempts(ids)  # not a guess: the password was never checked
        raise
    except (VerificationError, InvalidHashError):
        raise InputError("wrong email or password") from None  # the reserved attempts are the failure
    assert found is not None  # check() raised for an unknown email
    store.release_attempts(ids)
    store.clear_attempts(pair)
    if ph.check_needs_rehash(found[1]):
        store.set_password_hash(found[0], hashing(policy, lambda: ph.hash(password)))
    return found[0]


def change_password(store: Store, user_id: str, email: str, current: str, new: str, keep_token: str | None,
                    policy: Policy) -> int:
    """Set a new password after checking the current one; ends every other sign-in. Returns
    how many were ended."""
    from argon2.exceptions import InvalidHashError, VerificationError

    found = store.user_by_email(email)
    if found is None or found[0] != user_id:
        raise InputError("no such account")
    check_password(new, email)
    wait, ids = store.reserve_attempt([Check(f"password:{user_id}", policy.failures_per_account_address,
                                             policy.login_window_s)], [f"password:{user_id}"])
    if wait:
        raise RateLimited(math.ceil(wait))
    def check_and_hash() -> str:
        hasher().verify(found[1], current)
        return str(hasher().hash(new))

    try:
        hashed = hashing(policy, check_and_hash)
    except Busy:
        store.release_attempts(ids)
        raise
    except (VerificationError, InvalidHashError):
        raise InputError("the current password is wrong") from None
    store.release_attempts(ids)
    store.set_password_hash(user_id, hashed)
    return store.delete_auth_sessions(user_id, keep=token_hash(keep_token) if keep_token else None)


def invite(store: Store, email: str, days: int = 7) -> str:
    """A one-time sign-up token for ``email`` (only its hash is stored)."""
    e = normalise_email(email)
    token = new_token()
    store.create_invite(e, token_hash(token), time.time() + days * 86400)
    return token


def remember_device(store: Store, user_id: str, device: str | None) -> str:
    """The device token to set after a successful sign-in: the browser's own when it already
    belongs to this account, else a new one."""
    if device and store.device_user(token_hash(device)) == user_id:
        return device
    token = new_token()
    store.add_device(user_id, token_hash(token))
    return token


_DUMMY: str | None = None


def _dummy_hash() -> str:
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = str(hasher().hash(secrets.token_hex(16)))
    return _DUMMY


def start_sign_in(store: Store, user_id: str, policy: Policy) -> str:
    """A new sign-in token for ``user_id`` lasting ``policy.token_days`` (only its hash is stored)."""
    token = new_token()
    store.create_auth_session(user_id, token_hash(token), time.time() + policy.token_days * 86400)
    return token


def viewer_for(store: Store, token: str | None, via: str | None) -> Viewer:
    if token:
        found = store.auth_session_user(token_hash(token))
        if found:
            return Viewer(found[0], found[1], via, token)
    return Viewer(None, None, None, None)
