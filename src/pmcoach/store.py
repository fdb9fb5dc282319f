"""The store: sessions and turns, in SQLite by default or PostgreSQL by URL.

Every turn is committed in its own transaction before the caller shows the reply, so a
process killed mid-interview loses nothing that was acknowledged. Migrations are numbered,
each applied in its own transaction when the store opens.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import PmcoachError

#: Numbered migrations. Never edit one that has shipped: add a new one.
MIGRATIONS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (
        1,
        "sessions and turns",
        (
            """CREATE TABLE sessions (
                id TEXT PRIMARY KEY,
                scenario_id TEXT NOT NULL,
                config TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'active',
                created_at DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL
            )""",
            """CREATE TABLE turns (
                session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                role TEXT NOT NULL,
                stage TEXT NOT NULL,
                text TEXT NOT NULL,
                analysis TEXT NOT NULL DEFAULT '{}',
                at DOUBLE PRECISION NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (session_id, seq)
            )""",
        ),
    ),
    (
        2,
        "feedback and scores per session",
        (
            "ALTER TABLE sessions ADD COLUMN feedback TEXT",
            "ALTER TABLE sessions ADD COLUMN overall DOUBLE PRECISION",
            "CREATE INDEX sessions_scenario ON sessions (scenario_id, created_at)",
        ),
    ),
    (
        3,
        "accounts",
        (
            """CREATE TABLE users (
                id TEXT PRIMARY KEY,
                email TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL
            )""",
            "ALTER TABLE sessions ADD COLUMN user_id TEXT",
            "CREATE INDEX sessions_user ON sessions (user_id, created_at)",
        ),
    ),
    (
        4,
        "web sign-in sessions and login attempts",
        (
            """CREATE TABLE auth_sessions (
                token_hash TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at DOUBLE PRECISION NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL
            )""",
            "CREATE INDEX auth_sessions_user ON auth_sessions (user_id)",
            """CREATE TABLE login_attempts (
                key TEXT NOT NULL,
                at DOUBLE PRECISION NOT NULL
            )""",
            "CREATE INDEX login_attempts_key ON login_attempts (key, at)",
        ),
    ),
    (
        5,
        "engine snapshots, reserved attempts, invites, known devices",
        (
            "ALTER TABLE turns ADD COLUMN state TEXT",
            """CREATE TABLE attempts (
                id TEXT PRIMARY KEY,
                key TEXT NOT NULL,
                at DOUBLE PRECISION NOT NULL
            )""",
            "CREATE INDEX attempts_key ON attempts (key, at)",
            """CREATE TABLE invites (
                token_hash TEXT PRIMARY KEY,
                email TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL,
                used_at DOUBLE PRECISION
            )""",
            """CREATE TABLE devices (
                token_hash TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at DOUBLE PRECISION NOT NULL
            )""",
            "ALTER TABLE users ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0",
            "CREATE INDEX turns_created ON turns (created_at)",
        ),
    ),
)


class StoreError(PmcoachError):
    """The database cannot be opened or used."""


class NotFound(PmcoachError):
    """No such session (or not yours)."""


@dataclass(frozen=True)
class SessionRow:
    id: str
    scenario_id: str
    config: dict[str, Any]
    status: str
    created_at: float
    updated_at: float
    feedback: dict[str, Any] | None
    overall: float | None
    user_id: str | None


@dataclass(frozen=True)
class TurnRow:
    session_id: str
    seq: int
    role: str
    stage: str
    text: str
    analysis: dict[str, Any]
    at: float


def new_id() -> str:
    return secrets.token_hex(6)


class Store:
    """A small repository over DB-API connections (sqlite3 or psycopg)."""

    def __init__(self, url: str | Path) -> None:
        self.url = str(url)
        self._lock = threading.RLock()
        self.postgres = self.url.startswith(("postgresql://", "postgres://"))
        self._conn = self._connect()
        self.migrate()

    # ------------------------------------------------------------------ plumbing

    def _connect(self) -> Any:
        if self.postgres:
            try:
                import psycopg
            except ImportError:
                raise StoreError(
                    "PostgreSQL needs the 'psycopg' package: pip install 'pmcoach[server]'"
                ) from None
            try:
                return psycopg.connect(self.url, autocommit=True)
            except psycopg.Error as e:
                raise StoreError(f"cannot connect to PostgreSQL: {str(e).strip().splitlines()[0]}") from None
        path = Path(self.url.removeprefix("sqlite:///"))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
        except (OSError, sqlite3.Error) as e:
            raise StoreError(f"cannot open the database {path}: {e}") from None
        return conn

    def _live(self) -> Any:
        """The connection, reconnected first if PostgreSQL dropped it (a restart, a failover):
        the request that met the broken connection failed, the next one works."""
        if self.postgres and (self._conn.closed or getattr(self._conn, "broken", False)):
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = self._connect()
        return self._conn

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        """One transaction: committed on success, rolled back on error."""
        with self._lock:
            cur = self._live().cursor()
            try:
                cur.execute("BEGIN" if self.postgres else "BEGIN IMMEDIATE")
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(Exception):  # the original error matters more
                    cur.execute("ROLLBACK")
                raise
            finally:
                cur.close()

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            cur = self._live().cursor()
            try:
                cur.execute(self._sql(sql), tuple(params))
                return list(cur.fetchall())
            finally:
                cur.close()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # ------------------------------------------------------------------ schema

    def version(self) -> int:
        rows = self._query("SELECT MAX(version) FROM schema_migrations")
        return int(rows[0][0] or 0)

    def migrate(self, target: int | None = None) -> list[int]:
        """Apply pending migrations (each in its own transaction); return those applied."""
        with self._lock:
            cur = self._conn.cursor()
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                "applied_at DOUBLE PRECISION NOT NULL)"
            )
            cur.close()
        applied = []
        for version, name, statements in MIGRATIONS:
            if target is not None and version > target:
                break
            with self._tx() as cur:
                if self.postgres:
                    cur.execute("SELECT pg_advisory_xact_lock(815001)")
                cur.execute(self._sql("SELECT 1 FROM schema_migrations WHERE version = ?"), (version,))
                if cur.fetchone():
                    continue
                for stmt in statements:
                    cur.execute(stmt)
                cur.execute(
                    self._sql("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
                    (version, name, time.time()),
                )
                applied.append(version)
        return applied

    # ------------------------------------------------------------------ sessions

    def create_session(self, scenario_id: str, config: dict[str, Any], user_id: str | None = None) -> str:
        sid = new_id()
        now = time.time()
        with self._tx() as cur:
            cur.execute(
                self._sql(
                    "INSERT INTO sessions (id, scenario_id, config, status, created_at, updated_at, user_id) "
                    "VALUES (?, ?, ?, 'active', ?, ?, ?)"
                ),
                (sid, scenario_id, json.dumps(config), now, now, user_id),
            )
        return sid

    def session(self, sid: str, user_id: str | None = None, *, any_user: bool = False) -> SessionRow:
        rows = self._query(
            "SELECT id, scenario_id, config, status, created_at, updated_at, feedback, overall, user_id "
            "FROM sessions WHERE id = ?",
            (sid,),
        )
        if not rows or (not any_user and rows[0][8] != user_id):
            raise NotFound(f"no session {sid!r} (see 'pmcoach history')")
        return _session(rows[0])

    def sessions(self, user_id: str | None = None, scenario_id: str | None = None, *, any_user: bool = False) -> list[SessionRow]:
        sql = ("SELECT id, scenario_id, config, status, created_at, updated_at, feedback, overall, user_id "
               "FROM sessions WHERE 1=1")
        params: list[Any] = []
        if not any_user:
            sql += " AND user_id IS NULL" if user_id is None else " AND user_id = ?"
            if user_id is not None:
                params.append(user_id)
        if scenario_id is not None:
            sql += " AND scenario_id = ?"
            params.append(scenario_id)
        sql += " ORDER BY created_at, id"
        return [_session(r) for r in self._query(sql, params)]

    def add_turn(self, sid: str, role: str, stage: str, text: str, analysis: dict[str, Any], at: float) -> int:
        """Append a turn and commit it; returns its sequence number."""
        now = time.time()
        for _attempt in range(5):
            try:
                with self._tx() as cur:
                    cur.execute(self._sql("SELECT COALESCE(MAX(seq), 0) FROM turns WHERE session_id = ?"), (sid,))
                    seq = int(cur.fetchone()[0]) + 1
                    cur.execute(
                        self._sql(
                            "INSERT INTO turns (session_id, seq, role, stage, text, analysis, at, created_at) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                        ),
                        (sid, seq, role, stage, text, json.dumps(analysis), at, now),
                    )
                    cur.execute(self._sql("UPDATE sessions SET updated_at = ? WHERE id = ?"), (now, sid))
                return seq
            except Exception as e:  # a concurrent writer took the same seq: try again
                if "unique" not in str(e).lower() and "duplicate" not in str(e).lower():
                    raise
        raise StoreError(f"could not append a turn to session {sid}")

    def reply_to(self, sid: str, candidate_seq: int, candidate_analysis: dict[str, Any], role: str, stage: str,
                 text: str, analysis: dict[str, Any], at: float, state: dict[str, Any] | None = None) -> int:
        """Record the analysis of a stored candidate turn and the reply to it, in one transaction;
        ``state`` is the interviewer's state after the reply (so a worker can resume from it)."""
        now = time.time()
        with self._tx() as cur:
            cur.execute(self._sql("UPDATE turns SET analysis = ? WHERE session_id = ? AND seq = ?"),
                        (json.dumps(candidate_analysis), sid, candidate_seq))
            cur.execute(self._sql("SELECT COALESCE(MAX(seq), 0) FROM turns WHERE session_id = ?"), (sid,))
            seq = int(cur.fetchone()[0]) + 1
            cur.execute(
                self._sql("INSERT INTO turns (session_id, seq, role, stage, text, analysis, at, created_at, state) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                (sid, seq, role, stage, text, json.dumps(analysis), at, now,
                 json.dumps(state) if state is not None else None),
            )
            cur.execute(self._sql("UPDATE sessions SET updated_at = ? WHERE id = ?"), (now, sid))
        return seq

    def latest_state(self, sid: str) -> tuple[int, dict[str, Any]] | None:
        """(seq, state) of the session's latest turn when that turn carries the interviewer's
        state, else None (then the state is rebuilt from the transcript)."""
        rows = self._query("SELECT seq, state FROM turns WHERE session_id = ? ORDER BY seq DESC LIMIT 1", (sid,))
        if not rows or not rows[0][1]:
            return None
        return int(rows[0][0]), json.loads(rows[0][1])

    def turns(self, sid: str) -> list[TurnRow]:
        rows = self._query(
            "SELECT session_id, seq, role, stage, text, analysis, at FROM turns WHERE session_id = ? ORDER BY seq",
            (sid,),
        )
        return [TurnRow(r[0], int(r[1]), r[2], r[3], r[4], json.loads(r[5] or "{}"), float(r[6])) for r in rows]

    def finish(self, sid: str, feedback: dict[str, Any], overall: float) -> None:
        with self._tx() as cur:
            cur.execute(
                self._sql("UPDATE sessions SET status = 'finished', feedback = ?, overall = ?, updated_at = ? WHERE id = ?"),
                (json.dumps(feedback), overall, time.time(), sid),
            )

    def set_status(self, sid: str, status: str) -> None:
        with self._tx() as cur:
            cur.execute(self._sql("UPDATE sessions SET status = ?, updated_at = ? WHERE id = ?"), (status, time.time(), sid))

    def delete_session(self, sid: str) -> None:
        with self._tx() as cur:
            cur.execute(self._sql("DELETE FROM turns WHERE session_id = ?"), (sid,))
            cur.execute(self._sql("DELETE FROM sessions WHERE id = ?"), (sid,))

    # ------------------------------------------------------------------ users

    def create_user(self, email: str, password_hash: str) -> str:
        uid = new_id()
        try:
            with self._tx() as cur:
                cur.execute(
                    self._sql("INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)"),
                    (uid, email, password_hash, time.time()),
                )
        except Exception as e:
            if "unique" in str(e).lower() or "duplicate" in str(e).lower():
                raise PmcoachError("an account with that email already exists") from None
            raise
        return uid

    def user_by_email(self, email: str) -> tuple[str, str] | None:
        rows = self._query("SELECT id, password_hash FROM users WHERE email = ?", (email,))
        return (rows[0][0], rows[0][1]) if rows else None

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        with self._tx() as cur:
            cur.execute(self._sql("UPDATE users SET password_hash = ? WHERE id = ?"), (password_hash, user_id))

    # ------------------------------------------------------------------ web sign-in (server-side, so workers hold no state)

    def create_auth_session(self, user_id: str, token_hash: str, expires_at: float) -> None:
        """Record a signed-in browser or API client by the hash of its token (never the token)."""
        now = time.time()
        with self._tx() as cur:
            cur.execute(self._sql("DELETE FROM auth_sessions WHERE expires_at < ?"), (now,))
            cur.execute(
                self._sql("INSERT INTO auth_sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)"),
                (token_hash, user_id, now, expires_at),
            )

    def auth_session_user(self, token_hash: str) -> tuple[str, str] | None:
        """(user id, email) of an unexpired sign-in, else None."""
        rows = self._query(
            "SELECT u.id, u.email FROM auth_sessions a JOIN users u ON u.id = a.user_id "
            "WHERE a.token_hash = ? AND a.expires_at > ?",
            (token_hash, time.time()),
        )
        return (rows[0][0], rows[0][1]) if rows else None

    def delete_auth_session(self, token_hash: str) -> None:
        with self._tx() as cur:
            cur.execute(self._sql("DELETE FROM auth_sessions WHERE token_hash = ?"), (token_hash,))

    # ------------------------------------------------------------------ attempts reserved atomically

    def reserve_attempt(self, checks: Sequence[Check], record: Sequence[str], now: float | None = None,
                        ) -> tuple[float, list[str]]:
        """If every check passes, record one attempt under each key in ``record`` and return
        (0, their ids); else (seconds to wait, []) and record nothing. The check and the record
        are one transaction holding a lock on the keys (the database's write lock on SQLite,
        advisory locks on PostgreSQL), so N requests sent together count as N."""
        now = time.time() if now is None else now
        with self._tx() as cur:
            if self.postgres:
                for key in sorted({c.key for c in checks} | set(record)):
                    cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))
            wait = 0.0
            for c in checks:
                cur.execute(self._sql("SELECT at FROM attempts WHERE key = ? AND at >= ? ORDER BY at"),
                            (c.key, now - c.window))
                times = [float(r[0]) for r in cur.fetchall()]
                if len(times) < c.limit:
                    continue
                if c.max_delay is None:  # a hard limit: wait until the oldest counted attempt leaves the window
                    wait = max(wait, times[-c.limit] + c.window - now)
                else:  # a slowdown: 1, 2, 4 ... seconds after the latest attempt, up to max_delay
                    delay = min(2.0 ** (len(times) - c.limit), float(c.max_delay))
                    wait = max(wait, times[-1] + delay - now)
            if wait > 0:
                return wait, []
            ids = [secrets.token_hex(12) for _ in record]
            for i, key in zip(ids, record, strict=True):
                cur.execute(self._sql("INSERT INTO attempts (id, key, at) VALUES (?, ?, ?)"), (i, key, now))
            if secrets.randbelow(50) == 0:  # now and then, forget attempts older than a day
                cur.execute(self._sql("DELETE FROM attempts WHERE at < ?"), (now - 86400,))
        return 0.0, ids

    def release_attempts(self, ids: Sequence[str]) -> None:
        """Un-count reserved attempts (the password was right, or it was never checked)."""
        if not ids:
            return
        with self._tx() as cur:
            for i in ids:
                cur.execute(self._sql("DELETE FROM attempts WHERE id = ?"), (i,))

    def clear_attempts(self, key: str) -> None:
        with self._tx() as cur:
            cur.execute(self._sql("DELETE FROM attempts WHERE key = ?"), (key,))

    def count_attempts(self, key: str, since: float) -> int:
        return int(self._query("SELECT COUNT(*) FROM attempts WHERE key = ? AND at >= ?", (key, since))[0][0])

    # ------------------------------------------------------------------ per-user usage (quotas)

    def sessions_started_since(self, user_id: str, since: float) -> tuple[int, float]:
        """How many sessions ``user_id`` started since ``since``, and when the oldest of them was."""
        rows = self._query("SELECT COUNT(*), MIN(created_at) FROM sessions WHERE user_id = ? AND created_at >= ?",
                           (user_id, since))
        return int(rows[0][0]), float(rows[0][1] or since)

    def candidate_turns_since(self, user_id: str, since: float) -> tuple[int, int, float]:
        """(turns, characters, time of the oldest) of ``user_id``'s turns stored since ``since``."""
        rows = self._query(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(t.text)), 0), MIN(t.created_at) FROM turns t "
            "JOIN sessions s ON s.id = t.session_id "
            "WHERE s.user_id = ? AND s.updated_at >= ? AND t.created_at >= ? AND t.role = 'candidate'",
            (user_id, since, since))
        return int(rows[0][0]), int(rows[0][1]), float(rows[0][2] or since)

    # ------------------------------------------------------------------ invites, devices, sign-outs

    def create_invite(self, email: str, token_hash: str, expires_at: float) -> None:
        with self._tx() as cur:
            cur.execute(self._sql("INSERT INTO invites (token_hash, email, created_at, expires_at) VALUES (?, ?, ?, ?)"),
                        (token_hash, email, time.time(), expires_at))

    def invite_email(self, token_hash: str) -> str | None:
        """The email an unused, unexpired invite is for."""
        rows = self._query("SELECT email FROM invites WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
                           (token_hash, time.time()))
        return rows[0][0] if rows else None

    def use_invite(self, token_hash: str, email: str) -> bool:
        """Mark an invite used, once: True for the one request that did."""
        with self._tx() as cur:
            cur.execute(self._sql("UPDATE invites SET used_at = ? WHERE token_hash = ? AND email = ? "
                                  "AND used_at IS NULL AND expires_at > ?"), (time.time(), token_hash, email, time.time()))
            return bool(cur.rowcount == 1)

    def add_device(self, user_id: str, token_hash: str) -> None:
        with self._tx() as cur:
            cur.execute(self._sql("INSERT INTO devices (token_hash, user_id, created_at) VALUES (?, ?, ?)"),
                        (token_hash, user_id, time.time()))

    def device_user(self, token_hash: str) -> str | None:
        rows = self._query("SELECT user_id FROM devices WHERE token_hash = ?", (token_hash,))
        return rows[0][0] if rows else None

    def delete_auth_sessions(self, user_id: str, keep: str | None = None) -> int:
        """End every sign-in of ``user_id`` but the one whose token hash is ``keep``."""
        with self._tx() as cur:
            cur.execute(self._sql("DELETE FROM auth_sessions WHERE user_id = ? AND token_hash <> ?"),
                        (user_id, keep or ""))
            return int(cur.rowcount)

    def set_admin(self, email: str, admin: bool = True) -> bool:
        with self._tx() as cur:
            cur.execute(self._sql("UPDATE users SET is_admin = ? WHERE email = ?"), (1 if admin else 0, email))
            return bool(cur.rowcount == 1)

    def is_admin(self, user_id: str) -> bool:
        rows = self._query("SELECT is_admin FROM users WHERE id = ?", (user_id,))
        return bool(rows and rows[0][0])


@dataclass(frozen=True)
class Check:
    """One limit on attempts under ``key`` within ``window`` seconds: at most ``limit``, or,
    with ``max_delay``, beyond ``limit`` each further attempt waits a growing delay."""

    key: str
    limit: int
    window: float
    max_delay: float | None = None


def _session(r: Sequence[Any]) -> SessionRow:
    return SessionRow(
        id=r[0],
        scenario_id=r[1],
        config=json.loads(r[2]),
        status=r[3],
        created_at=float(r[4]),
        updated_at=float(r[5]),
        feedback=json.loads(r[6]) if r[6] else None,
        overall=float(r[7]) if r[7] is not None else None,
        user_id=r[8],
    )


def open_store(url: str | None = None) -> Store:
    """The store named by ``url``, ``PMCOACH_DATABASE_URL``, or the SQLite file under PMCOACH_HOME."""
    import os

    from . import paths

    return Store(url or os.environ.get("PMCOACH_DATABASE_URL") or paths.database())
