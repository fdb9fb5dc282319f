"""The hosted mode's limits, in one place: sign-in limits, password hashing, per-user quotas
and token lifetime. Each can be set by an environment variable (``pmcoach serve`` turns its
options into these), so every worker reads the same policy. docs/hosting.md explains them."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from ..errors import PmcoachError

#: argon2id parameters: OWASP's Password Storage Cheat Sheet lists m=19 MiB, t=2, p=1 as its
#: first choice of equally strong settings; it costs about a third of the library's default
#: (64 MiB) in memory per check, and at most HASH_CONCURRENCY checks run at once per worker.
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1


@dataclass(frozen=True)
class Policy:
    # sign-in: failed attempts counted in a sliding window
    login_window_s: int = 15 * 60
    failures_per_account_address: int = 5   # one account from one address: then that pair waits
    failures_per_address: int = 20          # one address across all accounts: then it waits
    account_slowdown_after: int = 10        # one account from all addresses: then each further
    account_max_delay_s: int = 30           # attempt waits 1, 2, 4 ... up to this many seconds
    signups_per_hour: int = 50              # per address; a cohort behind one NAT may need more (0: no limit)
    # password hashing, per worker
    hash_concurrency: int = 2
    hash_queue_s: float = 2.0
    # per-user quotas (0: no limit)
    sessions_per_hour: int = 30
    turns_per_minute: int = 20
    chars_per_day: int = 300_000
    # accounts
    token_days: int = 30
    invite_only: bool = False
    debug: bool = False

    @classmethod
    def from_env(cls) -> Policy:
        """The policy from ``PMCOACH_<FIELD>`` variables (e.g. PMCOACH_TURNS_PER_MINUTE)."""
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = os.environ.get(env_name(f.name))
            if raw is None or raw.strip() == "":
                continue
            raw = raw.strip()
            try:
                if f.type == "bool":
                    values[f.name] = raw.lower() in ("1", "true", "yes", "on")
                else:
                    number = float(raw) if f.type == "float" else int(raw)
                    if number < 0:
                        raise PmcoachError(f"{env_name(f.name)} cannot be negative")
                    values[f.name] = number
            except ValueError:
                raise PmcoachError(f"{env_name(f.name)} must be a number, not {raw!r}") from None
        p = cls(**values)  # type: ignore[arg-type]
        if p.hash_concurrency < 1:
            raise PmcoachError("PMCOACH_HASH_CONCURRENCY must be at least 1")
        if p.token_days < 1:
            raise PmcoachError("PMCOACH_TOKEN_DAYS must be at least 1")
        return p


def env_name(field_name: str) -> str:
    return "PMCOACH_" + field_name.upper()
