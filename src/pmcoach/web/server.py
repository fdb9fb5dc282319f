"""``pmcoach serve``: run the web app under uvicorn, on loopback unless told otherwise."""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
import threading
import webbrowser
from urllib.parse import urlsplit, urlunsplit

from ..errors import PmcoachError

#: What the server needs beyond the core, by import name and package name.
NEEDS = {"fastapi": "fastapi", "uvicorn": "uvicorn", "jinja2": "jinja2", "argon2": "argon2-cffi", "zxcvbn": "zxcvbn",
         "multipart": "python-multipart", "markdown_it": "markdown-it-py"}


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def missing_dependencies(postgres: bool = False) -> list[str]:
    import importlib.util

    needs = dict(NEEDS, **({"psycopg": "psycopg[binary]"} if postgres else {}))
    return [pkg for mod, pkg in needs.items() if importlib.util.find_spec(mod) is None]


def redact(url: str) -> str:
    """A database URL fit to print: the password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False, workers: int = 1,
          database_url: str | None = None, require_accounts: bool | None = None, model: str | None = None) -> None:
    """Serve the web app and JSON API until interrupted.

    Accounts are required when ``host`` is not a loopback address (or when
    ``require_accounts`` is true, or ``PMCOACH_REQUIRE_ACCOUNTS=1``). ``database_url`` (or
    ``PMCOACH_DATABASE_URL``) names the store: an SQLite path or a ``postgresql://`` URL;
    migrations run before the first worker starts. Raises PmcoachError for a missing extra,
    a busy port or an unusable database.
    """
    from .. import paths
    from ..store import Store

    url = str(database_url or os.environ.get("PMCOACH_DATABASE_URL") or paths.database())
    postgres = url.startswith(("postgresql://", "postgres://"))
    missing = missing_dependencies(postgres)
    if missing:
        raise PmcoachError(f"'pmcoach serve' needs {', '.join(missing)}: pip install 'pmcoach[server]'")
    if workers < 1:
        raise PmcoachError("--workers must be at least 1")
    if not 0 < port < 65536:
        raise PmcoachError(f"--port must be between 1 and 65535, not {port}")
    env_accounts = os.environ.get("PMCOACH_REQUIRE_ACCOUNTS", "").lower() in ("1", "true", "yes")
    accounts = bool(require_accounts) if require_accounts is not None else (env_accounts or not is_loopback(host))
    if require_accounts is False and not is_loopback(host):
        raise PmcoachError(f"serving on {host} (not loopback) needs accounts: leave them on")
    _check_port(host, port)
    if model:
        from ..llm import backend

        backend(model)  # a bad name or a missing key is one line now, not in every worker
        os.environ["PMCOACH_LLM_MODEL"] = model
    Store(url).close()  # migrations now, once, and a bad URL is one line, not a traceback per worker

    os.environ["PMCOACH_DATABASE_URL"] = url
    os.environ["PMCOACH_REQUIRE_ACCOUNTS"] = "1" if accounts else "0"
    shown = f"[{host}]" if ":" in host else host
    browse_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else shown
    address = f"http://{browse_host}:{port}/"
    print(f"pmcoach: serving on http://{shown}:{port}/ ({workers} worker{'s' if workers > 1 else ''}; "
          f"accounts {'on' if accounts else 'off: one person on loopback'}; database {redact(url)}). "
          "Ctrl+C stops.", file=sys.stderr)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, [address]).start()

    import uvicorn

    uvicorn.run("pmcoach.web.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="warning", server_header=False, proxy_headers=True)


def _check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host.strip("[]"), port))
        except OSError as e:
            raise PmcoachError(f"cannot listen on {host}:{port}: {e.strerror} (try another --port)") from None
