"""The FastAPI app: server-rendered pages, each with a JSON twin under ``/api``, over one Coach.

Workers are stateless: sessions, turns, accounts, sign-ins and login attempts live in the
store, and the Coach rebuilds any interview from its stored turns, so any worker can carry
any request. Candidate text is only ever shown through autoescaping templates (or, in the
chat page's script, ``textContent``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import re
import secrets
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Body, FastAPI, Form, Header, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..answer import answer_with_spoken, render_spoken_markdown
from ..answer import render_markdown as answer_markdown
from ..cheatsheet import render_cheatsheet
from ..coach import Coach, cheatsheet
from ..errors import InputError, PmcoachError, UnknownCaseError, UnknownProductError
from ..feedback import render_html as feedback_html
from ..feedback import root_cause_verdict, score_chart_svg
from ..kb import Bank, company_group, load_bank
from ..progress import progress_series, svg_chart
from ..rubric import AREAS, TITLES
from ..store import NotFound, Store, StoreError, open_store
from . import auth, views
from .policy import Policy
from .schemas import (
    Credentials,
    ErrorOut,
    Health,
    HistoryOut,
    HomeOut,
    PasswordIn,
    SessionOut,
    SignedIn,
    SignedUp,
    StartIn,
    StartOut,
    TurnIn,
    TurnReplyOut,
    UserOut,
)

MAX_TURN_CHARS = 20_000
SIGNED_UP = ("If this email had no account, it has one now: sign in with it. (The answer is the same either way, "
             "so no one can use sign-up to learn who has an account.)")
MAX_BODY_BYTES = 1 << 20  # a 20,000-character turn is at most ~120 KB of JSON
HERE = Path(__file__).parent
_SID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

Sid = Annotated[str, PathParam(description="A session id.", max_length=64)]
Csrf = Annotated[str | None, Header(alias="X-CSRF-Token", include_in_schema=False)]

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _err(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: {"model": ErrorOut} for c in codes}


class ApiError(Exception):
    """An error shown as JSON under /api and as a page elsewhere."""

    def __init__(self, status: int, message: str, field: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers or {}


class _Redirect(Exception):
    def __init__(self, url: str) -> None:
        self.url = url


@dataclass
class Web:
    store: Store
    bank: Bank
    coach: Coach
    accounts: bool
    env: Environment
    policy: Policy = field(default_factory=Policy)
    pid: int = field(default_factory=os.getpid)
    busy_users: dict[str, threading.Lock] = field(default_factory=dict)
    busy_lock: threading.Lock = field(default_factory=threading.Lock)


def clean(text: str) -> str:
    """Text any database can hold: no NUL characters, no lone surrogates."""
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _markdown(text: str) -> str:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    return str(md.render(text))


def _database_down(exc: BaseException) -> bool:
    """An error from the database server or file itself (not from our SQL)."""
    import sqlite3

    kinds: list[type[BaseException]] = [sqlite3.OperationalError]
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        kinds.append(psycopg.OperationalError)
    return isinstance(exc, tuple(kinds))


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


# ---------------------------------------------------------------------- the ASGI guard


class Guard:
    """Pure ASGI middleware: body-size limit, same-origin check on writes, security headers."""

    def __init__(self, app: Any, max_body: int = MAX_BODY_BYTES, debug: bool = False) -> None:
        self.app = app
        self.max_body = max_body
        self.pid = str(os.getpid())
        self.debug = debug  # only then does a response name the worker that served it
        # fairness, per sign-in token and per worker, before any database work: at most
        # WRITES_IN_FLIGHT writes at once, and a quota refusal is repeated from memory for a
        # few seconds, so one account flooding the server costs little to refuse
        self.in_flight: dict[str, int] = {}
        self.refused_until: dict[str, float] = {}

    async def __call__(self, scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        api = scope.get("path", "").startswith("/api/")
        if scope.get("method") in _UNSAFE:
            origin = headers.get("origin")
            if origin is not None and not _same_origin(origin, headers):
                await self._refuse(send, 403, "cross-origin request refused", api)
                return
        length = headers.get("content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_body
            except ValueError:
                too_big = False
            if too_big:
                await self._refuse(send, 413, f"the request body is over {self.max_body // 1024} KB; a turn is "
                                              f"limited to {MAX_TURN_CHARS:,} characters", api)
                return
        token = _token(headers) if scope.get("method") in _UNSAFE else None
        if token is not None:
            now = time.monotonic()
            until = self.refused_until.get(_hold_key(token, scope.get("path", "")), 0.0)
            if until > now:
                await self._refuse(send, 429, "over your limit: wait a moment and send it again (nothing was saved; "
                                              "your text is still in the box)", api, retry_after=int(until - now) + 1)
                return
            if self.in_flight.get(token, 0) >= WRITES_IN_FLIGHT:
                await self._refuse(send, 429, "your previous requests are still being answered: wait for their "
                                              "replies (nothing was saved; your text is still in the box)", api,
                                   retry_after=1)
                return
            self.in_flight[token] = self.in_flight.get(token, 0) + 1
        try:
            await self._guarded(scope, receive, send, headers, length, api, token)
        finally:
            if token is not None:
                left = self.in_flight.get(token, 1) - 1
                if left > 0:
                    self.in_flight[token] = left
                else:
                    self.in_flight.pop(token, None)

    async def _guarded(self, scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]], headers: dict[str, str], length: str | None,
                       api: bool, token: str | None) -> None:
        seen = 0
        started = False
        if length is None and scope.get("method") in _UNSAFE:
            # a body without a length (chunked): read it here, up to the limit, so an oversized
            # one is a 413 before the app sees it, like one that declares its length
            chunks: list[bytes] = []
            while True:
                message = await receive()
                if message.get("type") != "http.request":
                    break
                chunks.append(message.get("body", b""))
                seen += len(chunks[-1])
                if seen > self.max_body:
                    await self._refuse(send, 413, f"the request body is over {self.max_body // 1024} KB; a turn is "
                                                  f"limited to {MAX_TURN_CHARS:,} characters", api)
                    return
                if not message.get("more_body", False):
                    break
            buffered = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

            async def replay() -> Any:
                return buffered.pop() if buffered else await receive()

            receive = replay

        async def limited_receive() -> Any:
            nonlocal seen
            message = await receive()
            if message.get("type") == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _BodyTooLarge
            return message

        async def send_with_headers(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                hs = list(message.get("headers", []))
                names = {k.lower() for k, _ in hs}
                hold = next((v for k, v in hs if k.lower() == HOLD_HEADER), None)
                if hold is not None:
                    hs = [(k, v) for k, v in hs if k.lower() != HOLD_HEADER]
                    names.discard(HOLD_HEADER)
                if token is not None and hold is not None and hold.isdigit():
                    # remember a refusal that the next request of this kind would meet too
                    self.refused_until[_hold_key(token, scope.get("path", ""))] = (
                        time.monotonic() + min(int(hold), REFUSAL_MEMORY_S))
                    if len(self.refused_until) > 10_000:
                        now = time.monotonic()
                        self.refused_until = {k: t for k, t in self.refused_until.items() if t > now}
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                         (b"x-frame-options", b"DENY")]
                if not scope.get("path", "").startswith("/static/"):
                    # pages and JSON carry someone's sessions: no browser or proxy may keep them
                    extra.append((b"cache-control", b"no-store"))
                if scope.get("scheme") == "https":
                    extra.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
                if self.debug:
                    extra.append((b"x-pmcoach-worker", self.pid.encode()))
                if b"content-security-policy" not in names:
                    extra.append((b"content-security-policy", CSP.encode()))
                message = {**message, "headers": hs + [(k, v) for k, v in extra if k not in names]}
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _BodyTooLarge:
            if not started:
                await self._refuse(send, 413, f"the request body is over {self.max_body // 1024} KB", api)

    async def _refuse(self, send: Callable[[Any], Awaitable[None]], status: int, message: str, api: bool,
                      retry_after: int | None = None) -> None:
        import json

        if api:
            body = json.dumps({"error": message}).encode()
            ctype = b"application/json"
        else:
            body = (f"<!doctype html><title>{status}</title><p>{message}</p>").encode()
            ctype = b"text/html; charset=utf-8"
        hs = [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
              (b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store")]
        if self.debug:
            hs.append((b"x-pmcoach-worker", self.pid.encode()))
        if retry_after is not None:
            hs.append((b"retry-after", str(retry_after).encode()))
        await send({"type": "http.response.start", "status": status, "headers": hs})
        await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(Exception):
    pass


#: Writes one sign-in may have in flight at once on one worker, and how long a worker repeats
#: a quota refusal from memory before asking the database again.
WRITES_IN_FLIGHT = 2
REFUSAL_MEMORY_S = 5


#: Set by the app on a refusal the same kind of request would meet again (a count over a
#: window); the guard keeps it for REFUSAL_MEMORY_S seconds and strips the header.
HOLD_HEADER = b"x-pmcoach-hold"


def _hold_key(token: str, path: str) -> str:
    kind = "turn" if "/turns" in path else "start" if path.rstrip("/") in ("/api/sessions", "/sessions") else path
    return f"{kind} {token}"


def _token(headers: dict[str, str]) -> str | None:
    """The sign-in token a request carries (bearer header or cookie), without checking it."""
    auth_header = headers.get("authorization", "")
    if auth_header.lower().startswith("bearer "):
        return auth_header[7:].strip() or None
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == "pmcoach_session" and value:
            return value
    return None


def _same_origin(origin: str, headers: dict[str, str]) -> bool:
    if origin == "null":
        return False
    host = headers.get("x-forwarded-host") or headers.get("host") or ""
    return urlsplit(origin).netloc.lower() == host.split(",")[0].strip().lower()


# ---------------------------------------------------------------------- the app


def create_app(store_url: str | None = None, require_accounts: bool = False, *, bank: Bank | None = None,
               store: Store | None = None, assist: Any = None, policy: Policy | None = None) -> FastAPI:
    """The app over the store at ``store_url`` (default: ``PMCOACH_DATABASE_URL`` or the SQLite
    file under PMCOACH_HOME). With ``require_accounts``, every page and API call but sign-up,
    login and health needs a signed-in user, who sees only their own sessions; without, the
    server is one person's (the same sessions as the CLI). ``assist`` (a pmcoach.llm.Assist)
    makes the interviewer's words stream from a model, behind the same guards as the CLI.
    ``policy`` holds the sign-in limits, quotas and token lifetime (default: from the
    environment, see policy.py)."""
    policy = policy or Policy.from_env()
    store = store or open_store(store_url)  # runs the migrations
    bank = bank or load_bank()
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    web = Web(store=store, bank=bank, coach=Coach(store, bank, assist=assist), accounts=require_accounts, env=env,
              policy=policy)
    env.globals.update(TITLES=TITLES, AREAS=AREAS, version=__version__, accounts=require_accounts,
                       streaming=assist is not None,
                       CHECKLIST=views.CHECKLIST, root_cause_verdict=root_cause_verdict)

    app = FastAPI(
        title="pmcoach",
        version=__version__,
        description="Practise the product-execution PM interview. Every page has a JSON twin under /api.",
        docs_url=None,  # Swagger UI would load scripts from a CDN: the schema is at /openapi.json
        redoc_url=None,
    )
    app.state.web = web
    app.add_middleware(Guard, debug=policy.debug)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    # ------------------------------------------------------------------ helpers

    def viewer(request: Request) -> auth.Viewer:
        if not web.accounts:
            return auth.Viewer(None, None, None, None)
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return auth.viewer_for(store, header[7:].strip(), "bearer")
        return auth.viewer_for(store, request.cookies.get(auth.SESSION_COOKIE), "cookie")

    def need_user(request: Request) -> auth.Viewer:
        v = viewer(request)
        if web.accounts and not v.signed_in:
            if _is_api(request):
                raise ApiError(401, "sign in first: POST /api/login or /api/signup", headers={"WWW-Authenticate": "Bearer"})
            raise _Redirect("/login?next=" + quote(request.url.path, safe="/"))
        return v

    def api_write(request: Request, v: auth.Viewer, csrf_header: str | None) -> None:
        """Writes authenticated by the cookie need the CSRF header (bearer tokens are not ambient)."""
        if v.via == "cookie" and v.token and not auth.csrf_ok(v.token, csrf_header):
            raise ApiError(403, "missing or wrong X-CSRF-Token header (get it from POST /api/login or the page)")

    def csrf_seed(request: Request, v: auth.Viewer) -> str:
        if v.via == "cookie" and v.token:
            return v.token
        seed = request.cookies.get(auth.CSRF_COOKIE) or getattr(request.state, "new_csrf_seed", None)
        if not seed or len(seed) < 20:
            seed = secrets.token_urlsafe(24)
            request.state.new_csrf_seed = seed
        return str(seed)

    def form_check(request: Request, v: auth.Viewer, sent: str | None) -> None:
        seed = v.token if v.via == "cookie" and v.token else request.cookies.get(auth.CSRF_COOKIE)
        if not auth.csrf_ok(seed, sent):
            raise ApiError(403, "this form has expired (or came from another site): reload the page and try again")

    def page(request: Request, v: auth.Viewer, name: str, status: int = 200, twin: str | None = None,
             **ctx: Any) -> HTMLResponse:
        seed = csrf_seed(request, v)
        body = env.get_template(name).render(user=v, csrf=auth.csrf_token(seed), twin=twin, path=request.url.path, **ctx)
        resp = HTMLResponse(body, status_code=status)
        new = getattr(request.state, "new_csrf_seed", None)
        if new:
            resp.set_cookie(auth.CSRF_COOKIE, new, httponly=True, samesite="strict", path="/",
                            secure=request.url.scheme == "https")
        return resp

    def sign_in_cookie(request: Request, resp: Response, token: str, uid: str | None = None) -> None:
        secure = request.url.scheme == "https"
        resp.set_cookie(auth.SESSION_COOKIE, token, max_age=policy.token_days * 86400, httponly=True, samesite="lax",
                        path="/", secure=secure)
        if uid is not None:  # this browser is now one the account's owner uses (see auth.log_in)
            device = auth.remember_device(store, uid, request.cookies.get(auth.DEVICE_COOKIE))
            resp.set_cookie(auth.DEVICE_COOKIE, device, max_age=365 * 86400, httponly=True, samesite="lax",
                            path="/", secure=secure)

    def quota_error(what: str, limit: int, wait: float, hold: bool = True) -> ApiError:
        secs = max(1, int(wait) + 1)
        headers = {"Retry-After": str(secs)} | ({HOLD_HEADER.decode(): str(secs)} if hold else {})
        return ApiError(429, f"{what} (your limit is {limit:,}): wait {secs} seconds and try again. This was not "
                             "saved; your text is still in the box.", headers=headers)

    def check_turn_quota(v: auth.Viewer, text: str) -> None:
        """Per-user limits on turns a minute and characters a day (hosted mode only)."""
        if not (web.accounts and v.user_id):
            return
        now = time.time()
        if policy.turns_per_minute:
            n, _chars, oldest = store.candidate_turns_since(v.user_id, now - 60)
            if n >= policy.turns_per_minute:
                raise quota_error(f"you have sent {n} turns in the last minute", policy.turns_per_minute,
                                  oldest + 60 - now)
        if policy.chars_per_day:
            _n, chars, oldest = store.candidate_turns_since(v.user_id, now - 86400)
            if chars + len(text) > policy.chars_per_day:
                raise quota_error(f"you have sent {chars:,} characters in the last 24 hours",
                                  policy.chars_per_day, oldest + 86400 - now, hold=False)  # a shorter turn may fit

    def check_session_quota(v: auth.Viewer) -> None:
        if not (web.accounts and v.user_id and policy.sessions_per_hour):
            return
        now = time.time()
        n, oldest = store.sessions_started_since(v.user_id, now - 3600)
        if n >= policy.sessions_per_hour:
            raise quota_error(f"you have started {n} interviews in the last hour", policy.sessions_per_hour,
                              oldest + 3600 - now)

    @contextlib.contextmanager
    def one_turn_at_a_time(v: auth.Viewer) -> Iterator[None]:
        """A user's turns are analysed one at a time per worker, so one account sending many at
        once takes one thread, not all of them."""
        if not (web.accounts and v.user_id):
            yield
            return
        with web.busy_lock:
            lock = web.busy_users.setdefault(v.user_id, threading.Lock())
        if not lock.acquire(timeout=5.0):
            raise ApiError(429, "your previous turn is still being answered: wait for its reply, then send this "
                                "one (it was not saved; your text is still in the box)", headers={"Retry-After": "2"})
        try:
            yield
        finally:
            lock.release()

    def check_sid(sid: str) -> str:
        if not _SID.match(sid):
            raise ApiError(404, f"no session {sid!r}")
        return sid

    def load(sid: str, v: auth.Viewer) -> tuple[Any, Any, Any]:
        try:
            return web.coach.interview(check_sid(sid), v.user_id)
        except NotFound:
            raise ApiError(404, f"no session {sid!r}") from None

    def client(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def start(v: auth.Viewer, body: StartIn) -> tuple[str, str]:
        check_session_quota(v)
        product = clean(body.product).strip() if body.product else None
        followup = clean(body.followup).strip() if body.followup else None
        try:
            started = web.coach.start(product or None, followup or None, body.timed, v.user_id)
        except UnknownProductError as e:
            raise ApiError(422, str(e), "product") from None
        except UnknownCaseError as e:
            raise ApiError(422, str(e), "followup") from None
        except InputError as e:
            raise ApiError(422, str(e), "followup") from None
        return started.session_id, started.why

    def say(v: auth.Viewer, sid: str, text: str, on_token: Callable[[str], None] | None = None) -> dict[str, Any]:
        text = clean(text)
        if len(text) > MAX_TURN_CHARS:
            raise ApiError(413, f"a turn is limited to {MAX_TURN_CHARS:,} characters and this one has {len(text):,}: "
                                "split it into two turns (nothing was saved)", "text")
        check_sid(sid)
        check_turn_quota(v, text)
        try:
            with one_turn_at_a_time(v):
                web.coach.say(sid, text, v.user_id, on_token=on_token)
        except NotFound:
            raise ApiError(404, f"no session {sid!r}") from None
        except InputError as e:
            raise ApiError(409, f"{e}".replace("see 'pmcoach feedback", "see the feedback page or 'pmcoach feedback"),
                           "text") from None
        except Exception as e:
            # the candidate turn is committed before the reply is computed: say whether it was
            logging.getLogger("pmcoach.web").exception("no reply in session %s", sid)
            saved = False
            with contextlib.suppress(Exception):
                saved = any(t.role == "candidate" and t.text == text for t in store.turns(sid)[-3:])
            if saved:
                raise ApiError(500, "the interviewer could not reply, but your turn was saved: reload the page "
                                    f"to carry on ({type(e).__name__})") from e
            raise ApiError(503, "the server could not save your turn (the database did not answer): your text "
                                "is still in the box, so send it again in a moment") from e
        row, iv, turns = web.coach.interview(sid, v.user_id)
        cand = next((t for t in reversed(turns) if t.role == "candidate"), None)
        reply = turns[-1]
        return {"candidate": views.turn(cand) if cand else None, "reply": views.turn(reply),
                "state": views.state(web.coach, row, iv)}

    def feedback_doc(v: auth.Viewer, sid: str) -> dict[str, Any]:
        row, _iv, _turns = load(sid, v)
        if row.status == "finished" and row.feedback:
            return dict(row.feedback)
        return web.coach.feedback(sid, v.user_id, row=row)

    def home_doc(v: auth.Viewer) -> dict[str, Any]:
        resume = web.coach.latest_unfinished(v.user_id)
        hist = {h["session_id"]: h for h in web.coach.history(v.user_id)} if resume else {}
        return {"scenarios": views.scenarios(bank), "resume": hist.get(resume.id) if resume else None,
                "user": {"user_id": v.user_id, "email": v.email, "accounts": web.accounts}}

    def history_doc(v: auth.Viewer) -> dict[str, Any]:
        hist = web.coach.history(v.user_id)
        return {"sessions": hist, "progress": progress_series(hist)}

    def answer_doc(product: str) -> dict[str, Any]:
        try:
            found = bank.find(clean(product))
            return answer_with_spoken(found, bank.spoken(found.id))
        except UnknownProductError as e:
            raise ApiError(404, str(e)) from None

    def cheatsheet_doc(case_id: str) -> dict[str, Any]:
        try:
            return cheatsheet(bank, clean(case_id))
        except UnknownCaseError as e:
            raise ApiError(404, str(e)) from None

    def delete(v: auth.Viewer, sid: str) -> None:
        try:
            store.session(check_sid(sid), v.user_id)
        except NotFound:
            raise ApiError(404, f"no session {sid!r}") from None
        store.delete_session(sid)

    # ------------------------------------------------------------------ errors

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        if _is_api(request):
            body: dict[str, Any] = {"error": exc.message}
            if exc.field:
                body["field"] = exc.field
            if exc.status == 422 and exc.field:
                body["detail"] = [{"loc": ["body", exc.field], "msg": exc.message, "type": "value_error"}]
            return JSONResponse(body, exc.status, headers=exc.headers)
        v = auth.Viewer(None, None, None, None)
        with contextlib.suppress(Exception):  # the error page must not fail too
            v = viewer(request)
        resp = page(request, v, "error.html", exc.status, code=exc.status, message=exc.message)
        for k, val in exc.headers.items():
            resp.headers[k] = val
        return resp

    @app.exception_handler(_Redirect)
    async def _redirect(_request: Request, exc: _Redirect) -> Response:
        return RedirectResponse(exc.url, 303)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = []
        for e in exc.errors():
            errors.append({"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))})
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        loc = [str(x) for x in first["loc"] if x not in ("body", "query", "path", "header", "cookie")]
        if first.get("type") == "json_invalid":
            message = f"malformed JSON: {first['msg']}"
            fld = "body"
        else:
            fld = ".".join(loc) or "body"
            message = f"{fld}: {first['msg']}"
        if _is_api(request):
            return JSONResponse({"error": message, "field": fld, "detail": errors}, 422)
        return await _api_error(request, ApiError(422, message, fld))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            # bytes that are not even text: malformed JSON (or form data) like any other
            return await _invalid(request, RequestValidationError(
                [{"loc": ("body",), "msg": "the body is not valid UTF-8 JSON", "type": "json_invalid"}]))
        message = {404: "no such page", 405: "method not allowed"}.get(exc.status_code, str(exc.detail))
        return await _api_error(request, ApiError(exc.status_code, message, headers=headers))

    @app.exception_handler(StoreError)
    async def _store_error(request: Request, exc: StoreError) -> Response:
        return await _api_error(request, ApiError(503, f"the database is unavailable: {exc}"))

    @app.exception_handler(PmcoachError)
    async def _pmcoach_error(request: Request, exc: PmcoachError) -> Response:
        status = 404 if isinstance(exc, NotFound | UnknownCaseError | UnknownProductError) else 400
        return await _api_error(request, ApiError(status, str(exc)))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        if _database_down(exc):
            status, message = 503, "the database did not answer: try again in a moment"
        else:
            status, message = 500, "something went wrong on our side; everything you sent before this was saved"
        if _is_api(request):
            return JSONResponse({"error": message}, status)
        return HTMLResponse(f"<!doctype html><title>{status}</title><p>{message}. <a href='/'>Home</a></p>", status)

    # ------------------------------------------------------------------ JSON API

    @app.get("/api/health", response_model=Health, response_model_exclude_none=True, tags=["api"])
    def api_health(request: Request) -> dict[str, Any]:
        """Liveness: the database answers. An admin (or the one local user) also sees the
        database kind, schema version and worker."""
        version = store.version()
        v = viewer(request)
        if web.accounts and not (v.user_id and store.is_admin(v.user_id)):
            return {"ok": True}
        return {"ok": True, "database": "postgresql" if store.postgres else "sqlite", "schema_version": version,
                "accounts": web.accounts, "worker": web.pid}

    @app.get("/api/me", response_model=UserOut, tags=["accounts"])
    def api_me(request: Request) -> dict[str, Any]:
        """Who you are signed in as (twin of the login and sign-up pages)."""
        v = viewer(request)
        return {"user_id": v.user_id, "email": v.email, "accounts": web.accounts}

    def signed_in(request: Request, response: Response, uid: str, email: str) -> dict[str, Any]:
        """Start a sign-in for ``uid``: the cookie, and the body both endpoints return."""
        token = auth.start_sign_in(store, uid, policy)
        sign_in_cookie(request, response, token, uid)
        return {"user_id": uid, "email": auth.normalise_email(clean(email)), "token": token,
                "csrf_token": auth.csrf_token(token)}

    def _accounts_on() -> None:
        if not web.accounts:
            raise ApiError(404, "accounts are off: this server is one person's, on loopback (serve on another "
                                "host, or set PMCOACH_REQUIRE_ACCOUNTS=1, to turn them on)")

    @app.post("/api/signup", response_model=SignedUp, status_code=202, tags=["accounts"],
              responses=_err(404, 422, 429))
    def api_signup(request: Request, body: Credentials) -> dict[str, Any]:
        """Create an account, then sign in with POST /api/login. The answer is the same whether
        or not the email already had an account, so sign-up does not tell who uses pmcoach.
        With invite-only sign-up, ``invite`` is the token from the link you were sent."""
        _accounts_on()
        try:
            auth.sign_up(store, clean(body.email), clean(body.password), client(request), policy,
                         clean(body.invite) if body.invite else None)
        except auth.RateLimited as e:
            raise ApiError(429, str(e), headers={"Retry-After": str(e.retry_after)}) from None
        except InputError as e:
            raise ApiError(422, str(e), "password" if "password" in str(e) else "email") from None
        return {"email": auth.normalise_email(clean(body.email)), "message": SIGNED_UP}

    @app.post("/api/login", response_model=SignedIn, tags=["accounts"], responses=_err(401, 404, 429))
    def api_login(request: Request, response: Response, body: Credentials) -> dict[str, Any]:
        """Sign in (rate limited per account and per client address)."""
        _accounts_on()
        try:
            uid = auth.log_in(store, clean(body.email), clean(body.password), client(request), policy,
                              request.cookies.get(auth.DEVICE_COOKIE))
        except auth.RateLimited as e:
            raise ApiError(429, str(e), headers={"Retry-After": str(e.retry_after)}) from None
        except InputError as e:
            raise ApiError(401, str(e)) from None
        return signed_in(request, response, uid, body.email)

    @app.post("/api/logout", status_code=204, tags=["accounts"], responses=_err(403))
    def api_logout(request: Request, x_csrf_token: Csrf = None) -> Response:
        """Sign out: the token stops working on every worker at once."""
        v = viewer(request)
        if v.token:
            api_write(request, v, x_csrf_token)
            store.delete_auth_session(auth.token_hash(v.token))
        resp = Response(status_code=204)
        resp.delete_cookie(auth.SESSION_COOKIE, path="/")
        return resp

    @app.post("/api/logout-everywhere", status_code=204, tags=["accounts"], responses=_err(401, 403, 404))
    def api_logout_everywhere(request: Request, x_csrf_token: Csrf = None) -> Response:
        """Sign out on every browser and API client at once (this one too)."""
        _accounts_on()
        v = need_user(request)
        api_write(request, v, x_csrf_token)
        store.delete_auth_sessions(v.user_id or "")
        resp = Response(status_code=204)
        resp.delete_cookie(auth.SESSION_COOKIE, path="/")
        return resp

    @app.post("/api/password", tags=["accounts"], responses=_err(401, 403, 404, 422, 429))
    def api_password(request: Request, body: PasswordIn, x_csrf_token: Csrf = None) -> dict[str, Any]:
        """Change your password; every other sign-in ends (this one stays)."""
        _accounts_on()
        v = need_user(request)
        api_write(request, v, x_csrf_token)
        return {"ended_sign_ins": change_password(request, v, body.current, body.new)}

    def change_password(request: Request, v: auth.Viewer, current: str, new: str) -> int:
        try:
            return auth.change_password(store, v.user_id or "", v.email or "", clean(current), clean(new), v.token,
                                        policy)
        except auth.RateLimited as e:
            raise ApiError(429, str(e), headers={"Retry-After": str(e.retry_after)}) from None
        except InputError as e:
            raise ApiError(422, str(e), "new" if "current" not in str(e) else "current") from None

    @app.get("/api/scenarios", response_model=HomeOut, tags=["api"], responses=_err(401))
    def api_home(request: Request, q: Annotated[str, Query(max_length=100)] = "",
                 company: Annotated[str, Query(max_length=100)] = "",
                 type: Annotated[str, Query(pattern="^(|tradeoff|troubleshooting|launch|experiment|prioritization)$")] = "",
                 ) -> dict[str, Any]:
        """The bank of scenarios and your latest unfinished session (twin of the home page);
        ``q``, ``company`` and ``type`` filter the bank as the page's search does."""
        doc = home_doc(need_user(request))
        if q or company or type:
            doc["scenarios"] = views.scenarios(bank, clean(q), clean(company), type)
        return doc

    @app.post("/api/sessions", response_model=StartOut, status_code=201, tags=["api"], responses=_err(401, 403, 422, 429))
    def api_start(request: Request, body: Annotated[StartIn, Body()] = StartIn(),  # noqa: B008
                  x_csrf_token: Csrf = None) -> dict[str, Any]:
        """Start an interview: a product, a follow-up case, or neither for 'surprise me'."""
        v = need_user(request)
        api_write(request, v, x_csrf_token)
        sid, why = start(v, body)
        row, iv, turns = load(sid, v)
        return {**views.session(web.coach, row, iv, turns), "why": why}

    @app.get("/api/sessions/{sid}", response_model=SessionOut, tags=["api"], responses=_err(401, 404))
    def api_session(request: Request, sid: Sid) -> dict[str, Any]:
        """The transcript, stage, clock and troubleshooting game of one of your sessions."""
        v = need_user(request)
        row, iv, turns = load(sid, v)
        return views.session(web.coach, row, iv, turns)

    @app.post("/api/sessions/{sid}/turns", response_model=TurnReplyOut, tags=["api"],
              responses=_err(401, 403, 404, 409, 413, 422, 429))
    def api_turn(request: Request, sid: Sid, body: TurnIn, x_csrf_token: Csrf = None) -> dict[str, Any]:
        """Say something; the turn is stored before the interviewer's reply is computed."""
        v = need_user(request)
        api_write(request, v, x_csrf_token)
        return say(v, sid, body.text)

    @app.post("/api/sessions/{sid}/turns/stream", tags=["api"], responses=_err(401, 403, 404, 413, 422, 429),
              response_class=StreamingResponse)
    def api_turn_stream(request: Request, sid: Sid, body: TurnIn, x_csrf_token: Csrf = None) -> StreamingResponse:
        """Like POST .../turns, as server-sent events: ``token`` events carry the interviewer's
        words as a configured model writes them, then one ``done`` event carries the same body
        as the JSON endpoint (or an ``error`` event). Without a model, only ``done`` is sent."""
        v = need_user(request)
        api_write(request, v, x_csrf_token)
        text = clean(body.text)
        if len(text) > MAX_TURN_CHARS:
            say(v, sid, text)  # raises the 413 before anything streams
        check_sid(sid)
        load(sid, v)  # a 404 for someone else's session, before anything streams
        check_turn_quota(v, text)  # and a 429 too
        events: queue.Queue[tuple[str, Any]] = queue.Queue()

        def work() -> None:
            try:
                events.put(("done", say(v, sid, text, on_token=lambda piece: events.put(("token", {"text": piece})))))
            except ApiError as e:
                events.put(("error", {"error": e.message, "status": e.status}))
            except Exception as e:  # noqa: BLE001 - reported to the page, logged by say()
                events.put(("error", {"error": f"no reply ({type(e).__name__})", "status": 500}))

        threading.Thread(target=work, daemon=True).start()

        def stream() -> Iterator[bytes]:
            while True:
                kind, data = events.get()
                yield f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode()
                if kind != "token":
                    return

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    @app.post("/api/sessions/{sid}/finish", tags=["api"], responses=_err(401, 403, 404))
    def api_finish(request: Request, sid: Sid, x_csrf_token: Csrf = None) -> dict[str, Any]:
        """End the interview now and store its feedback."""
        v = need_user(request)
        api_write(request, v, x_csrf_token)
        load(sid, v)
        return web.coach.finish(sid, v.user_id)

    @app.get("/api/sessions/{sid}/feedback", tags=["api"], responses=_err(401, 404))
    def api_feedback(request: Request, sid: Sid) -> dict[str, Any]:
        """Rubric scores with your words as evidence (interim while the session is active)."""
        return feedback_doc(need_user(request), sid)

    @app.delete("/api/sessions/{sid}", status_code=204, tags=["api"], responses=_err(401, 403, 404))
    def api_delete(request: Request, sid: Sid, x_csrf_token: Csrf = None) -> Response:
        """Delete one of your sessions and its turns."""
        v = need_user(request)
        api_write(request, v, x_csrf_token)
        delete(v, sid)
        return Response(status_code=204)

    @app.get("/api/history", response_model=HistoryOut, tags=["api"], responses=_err(401))
    def api_history(request: Request) -> dict[str, Any]:
        """Your sessions and your scores per rubric area over time."""
        return history_doc(need_user(request))

    @app.get("/api/answers/{product}", tags=["api"], responses=_err(401, 404))
    def api_answer(request: Request, product: Annotated[str, PathParam(max_length=200)]) -> dict[str, Any]:
        """The model answer for a product in the framework's six parts."""
        need_user(request)
        return answer_doc(product)

    @app.get("/api/cheatsheets/{case_id}", tags=["api"], responses=_err(401, 404))
    def api_cheatsheet(request: Request, case_id: Annotated[str, PathParam(max_length=200)]) -> dict[str, Any]:
        """The peer interviewer's sheet for one follow-up case (it has the answers)."""
        need_user(request)
        return cheatsheet_doc(case_id)

    # ------------------------------------------------------------------ pages

    pages: list[str | Enum] = ["pages"]

    @app.get("/", tags=pages, response_class=HTMLResponse)
    def home(request: Request, q: Annotated[str, Query(max_length=100)] = "",
             company: Annotated[str, Query(max_length=100)] = "",
             type: Annotated[str, Query(pattern="^(|tradeoff|troubleshooting|launch|experiment|prioritization)$")] = "",
             ) -> Response:
        """Practise: start an interview; the bank, searchable and filtered by company and case type."""
        v = need_user(request)
        doc = home_doc(v)
        shown = views.scenarios(bank, clean(q), clean(company), type)
        companies = sorted({company_group(s["company"]) for s in doc["scenarios"]}, key=str.lower)
        return page(request, v, "home.html", twin="/api/scenarios", doc=doc, shown=shown, companies=companies,
                    filters={"q": q, "company": company, "type": type},
                    types=["tradeoff", "troubleshooting", "launch", "experiment", "prioritization"])

    @app.post("/sessions", tags=pages, response_class=HTMLResponse)
    def start_page(request: Request, csrf_token: Annotated[str, Form()] = "", product: Annotated[str, Form()] = "",
                   followup: Annotated[str, Form()] = "", timed: Annotated[str, Form()] = "") -> Response:
        v = need_user(request)
        form_check(request, v, csrf_token)
        sid, why = start(v, StartIn(product=product[:200] or None, followup=followup[:200] or None, timed=bool(timed)))
        resp = RedirectResponse(f"/sessions/{sid}", 303)
        if why:
            resp.set_cookie("pmcoach_flash", quote(why), max_age=120, httponly=True, samesite="strict",
                            path=f"/sessions/{sid}")
        return resp

    @app.get("/sessions/{sid}", tags=pages, response_class=HTMLResponse)
    def session_page(request: Request, sid: Sid) -> Response:
        v = need_user(request)
        row, iv, turns = load(sid, v)
        from urllib.parse import unquote

        flash = unquote(request.cookies.get("pmcoach_flash", ""))[:500]
        resp = page(request, v, "chat.html", twin=f"/api/sessions/{sid}",
                    doc=views.session(web.coach, row, iv, turns), flash=f"Picked for you: {flash}." if flash else "",
                    error="", draft="", now=time.time())
        if flash:
            resp.delete_cookie("pmcoach_flash", path=f"/sessions/{sid}")
        return resp

    @app.post("/sessions/{sid}/turns", tags=pages, response_class=HTMLResponse)
    def turn_page(request: Request, sid: Sid, csrf_token: Annotated[str, Form()] = "",
                  text: Annotated[str, Form()] = "", command: Annotated[str, Form()] = "") -> Response:
        v = need_user(request)
        form_check(request, v, csrf_token)
        said = command if command else text
        if not said.strip():
            return RedirectResponse(f"/sessions/{sid}", 303)
        try:
            out = say(v, sid, said)
        except ApiError as e:
            if e.status not in (409, 413):
                raise
            row, iv, turns = load(sid, v)
            return page(request, v, "chat.html", e.status, twin=f"/api/sessions/{sid}",
                        doc=views.session(web.coach, row, iv, turns), flash="", error=e.message,
                        draft=clean(text), now=time.time())
        return RedirectResponse(f"/sessions/{sid}#t{out['reply']['seq']}", 303)

    @app.post("/sessions/{sid}/finish", tags=pages, response_class=HTMLResponse)
    def finish_page(request: Request, sid: Sid, csrf_token: Annotated[str, Form()] = "") -> Response:
        v = need_user(request)
        form_check(request, v, csrf_token)
        load(sid, v)
        web.coach.finish(sid, v.user_id)
        return RedirectResponse(f"/sessions/{sid}/feedback", 303)

    @app.post("/sessions/{sid}/delete", tags=pages, response_class=HTMLResponse)
    def delete_page(request: Request, sid: Sid, csrf_token: Annotated[str, Form()] = "") -> Response:
        v = need_user(request)
        form_check(request, v, csrf_token)
        delete(v, sid)
        return RedirectResponse("/history", 303)

    @app.get("/sessions/{sid}/feedback", tags=pages, response_class=HTMLResponse)
    def feedback_page(request: Request, sid: Sid) -> Response:
        v = need_user(request)
        fb = feedback_doc(v, sid)
        row, _iv, _turns = load(sid, v)
        return page(request, v, "feedback.html", twin=f"/api/sessions/{sid}/feedback", fb=fb, sid=sid,
                    finished=row.status == "finished", chart=score_chart_svg(fb["criteria"]))

    @app.get("/sessions/{sid}/report.html", tags=pages, response_class=HTMLResponse)
    def feedback_report(request: Request, sid: Sid) -> Response:
        """The feedback as one self-contained HTML file (the same as 'pmcoach feedback --format html')."""
        fb = feedback_doc(need_user(request), sid)
        return HTMLResponse(feedback_html(fb), headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
            "Content-Disposition": f'inline; filename="pmcoach-feedback-{sid}.html"'})

    @app.get("/history", tags=pages, response_class=HTMLResponse)
    def history_page(request: Request) -> Response:
        v = need_user(request)
        doc = history_doc(v)
        chart = svg_chart(doc["progress"]) if doc["progress"]["sessions"] else ""
        return page(request, v, "history.html", twin="/api/history", doc=doc, chart=chart)

    @app.get("/answers/{product}", tags=pages, response_class=HTMLResponse)
    def answer_page(request: Request, product: Annotated[str, PathParam(max_length=200)],
                    view: Annotated[str, Query(pattern="^(reference|spoken)$")] = "reference") -> Response:
        """The model answer: the reference document, or (a tab) the spoken version."""
        v = need_user(request)
        doc = answer_doc(product)
        here = f"/answers/{quote(product)}"
        tabs = [{"label": "Reference answer", "href": here, "current": view == "reference"}]
        if doc.get("spoken"):
            tabs.append({"label": f"Spoken version ({doc['spoken']['words']} words, 12 minutes)",
                         "href": f"{here}?view=spoken", "current": view == "spoken"})
        spoken = view == "spoken" and doc.get("spoken")
        body = render_spoken_markdown(doc["product"], doc["spoken"]) if spoken else answer_markdown(doc)
        return page(request, v, "markdown.html", twin=f"/api/answers/{quote(product)}",
                    title=f"Model answer: {doc.get('product', product)}", body=_markdown(body), tabs=tabs,
                    note="Read it after you practise: the interviewer never shows it during an interview.")

    @app.get("/cheatsheets/{case_id}", tags=pages, response_class=HTMLResponse)
    def cheatsheet_page(request: Request, case_id: Annotated[str, PathParam(max_length=200)]) -> Response:
        v = need_user(request)
        doc = cheatsheet_doc(case_id)
        return page(request, v, "markdown.html", twin=f"/api/cheatsheets/{quote(case_id)}",
                    title=f"Interviewer cheat sheet: {doc['title']}", body=_markdown(render_cheatsheet(doc)),
                    note="For the peer playing the interviewer: it has the answers.")

    # ------------------------------------------------------------------ account pages

    def _next(raw: str) -> str:
        return raw if raw.startswith("/") and not raw.startswith("//") and "\\" not in raw else "/"

    @app.get("/login", tags=pages, response_class=HTMLResponse)
    def login_page(request: Request, next_: Annotated[str, Query(alias="next", max_length=2000)] = "/") -> Response:
        if not web.accounts:
            return RedirectResponse("/", 303)
        v = viewer(request)
        return page(request, v, "login.html", twin="/api/me", mode="login", next=_next(next_), email="", error="",
                    invite="", notice="")

    @app.get("/signup", tags=pages, response_class=HTMLResponse)
    def signup_page(request: Request, next_: Annotated[str, Query(alias="next", max_length=2000)] = "/",
                    invite: Annotated[str, Query(max_length=200)] = "") -> Response:
        if not web.accounts:
            return RedirectResponse("/", 303)
        v = viewer(request)
        email = store.invite_email(auth.token_hash(invite)) if invite else None
        if policy.invite_only and not email:
            return page(request, v, "login.html", 403, twin="/api/me", mode="signup", next=_next(next_), email="",
                        error="Sign-up here is by invitation: open the link you were sent.", invite="", notice="")
        return page(request, v, "login.html", twin="/api/me", mode="signup", next=_next(next_), email=email or "",
                    error="", invite=invite if email else "", notice="")

    def _account_form(request: Request, mode: str, email: str, password: str, csrf_token: str, nxt: str,
                      invite: str = "") -> Response:
        if not web.accounts:
            return RedirectResponse("/", 303)
        v = viewer(request)
        form_check(request, v, csrf_token)
        email, password = clean(email), clean(password)
        try:
            if mode == "login":
                uid = auth.log_in(store, email, password, client(request), policy,
                                  request.cookies.get(auth.DEVICE_COOKIE))
            else:
                auth.sign_up(store, email, password, client(request), policy, clean(invite) or None)
        except auth.RateLimited as e:
            resp: Response = page(request, v, "login.html", 429, twin="/api/me", mode=mode, next=_next(nxt),
                                  email=email, error=str(e), invite=invite, notice="")
            resp.headers["Retry-After"] = str(e.retry_after)
            return resp
        except PmcoachError as e:
            status = 401 if mode == "login" else 422
            return page(request, v, "login.html", status, twin="/api/me", mode=mode, next=_next(nxt), email=email,
                        error=str(e), invite=invite, notice="")
        if mode == "signup":
            return page(request, v, "login.html", 200, twin="/api/me", mode="login", next=_next(nxt), email=email,
                        error="", invite="", notice=SIGNED_UP)
        token = auth.start_sign_in(store, uid, policy)
        resp = RedirectResponse(_next(nxt), 303)
        sign_in_cookie(request, resp, token, uid)
        return resp

    @app.get("/account", tags=pages, response_class=HTMLResponse)
    def account_page(request: Request) -> Response:
        if not web.accounts:
            return RedirectResponse("/", 303)
        v = need_user(request)
        return page(request, v, "account.html", twin="/api/me", error="", notice="")

    @app.post("/account/password", tags=pages, response_class=HTMLResponse)
    def account_password(request: Request, current: Annotated[str, Form(max_length=4096)] = "",
                         new: Annotated[str, Form(max_length=4096)] = "",
                         csrf_token: Annotated[str, Form()] = "") -> Response:
        if not web.accounts:
            return RedirectResponse("/", 303)
        v = need_user(request)
        form_check(request, v, csrf_token)
        try:
            n = change_password(request, v, current, new)
        except ApiError as e:
            resp: Response = page(request, v, "account.html", e.status, twin="/api/me", error=e.message, notice="")
            resp.headers.update(e.headers)
            return resp
        return page(request, v, "account.html", twin="/api/me", error="",
                    notice=f"Password changed. {n} other sign-in{'s' if n != 1 else ''} ended.")

    @app.post("/account/logout-everywhere", tags=pages, response_class=HTMLResponse)
    def account_logout_everywhere(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
        if not web.accounts:
            return RedirectResponse("/", 303)
        v = need_user(request)
        form_check(request, v, csrf_token)
        store.delete_auth_sessions(v.user_id or "")
        resp = RedirectResponse("/login", 303)
        resp.delete_cookie(auth.SESSION_COOKIE, path="/")
        return resp

    @app.post("/login", tags=pages, response_class=HTMLResponse)
    def login_post(request: Request, email: Annotated[str, Form(max_length=320)] = "",
                   password: Annotated[str, Form(max_length=4096)] = "", csrf_token: Annotated[str, Form()] = "",
                   next_: Annotated[str, Form(alias="next", max_length=2000)] = "/") -> Response:
        return _account_form(request, "login", email, password, csrf_token, next_)

    @app.post("/signup", tags=pages, response_class=HTMLResponse)
    def signup_post(request: Request, email: Annotated[str, Form(max_length=320)] = "",
                    password: Annotated[str, Form(max_length=4096)] = "", csrf_token: Annotated[str, Form()] = "",
                    next_: Annotated[str, Form(alias="next", max_length=2000)] = "/",
                    invite: Annotated[str, Form(max_length=200)] = "") -> Response:
        return _account_form(request, "signup", email, password, csrf_token, next_, invite)

    @app.post("/logout", tags=pages, response_class=HTMLResponse)
    def logout_post(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
        v = viewer(request)
        if v.token:
            form_check(request, v, csrf_token)
            store.delete_auth_session(auth.token_hash(v.token))
        resp = RedirectResponse("/login" if web.accounts else "/", 303)
        resp.delete_cookie(auth.SESSION_COOKIE, path="/")
        return resp

    return app


def app_from_env() -> FastAPI:
    """The factory uvicorn workers call: ``PMCOACH_DATABASE_URL``, ``PMCOACH_REQUIRE_ACCOUNTS``
    and, when set, ``PMCOACH_LLM_MODEL`` (or the default model in config.toml)."""
    from ..llm import Assist, backend

    b = backend(None)
    app = create_app(None, os.environ.get("PMCOACH_REQUIRE_ACCOUNTS", "") in ("1", "true", "yes"),
                     assist=Assist(b) if b is not None else None)
    from ..analysis import warm_up

    warm_up(list(app.state.web.bank.scenarios.values()))  # the first candidate does not wait for the model
    return app
