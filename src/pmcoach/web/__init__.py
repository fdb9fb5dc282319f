"""The web app and JSON API behind ``pmcoach serve``: thin shells over the library core.

Needs the ``server`` extra (``pip install 'pmcoach[server]'``). Nothing here is imported by
the rest of pmcoach, and this module imports no optional dependency until it is called.
"""

from __future__ import annotations

from typing import Any

from .server import serve

__all__ = ["create_app", "serve"]


def create_app(store_url: str | None = None, require_accounts: bool = False, **kwargs: Any) -> Any:
    """The ASGI app (see :func:`pmcoach.web.app.create_app`)."""
    from .app import create_app as _create_app

    return _create_app(store_url, require_accounts, **kwargs)
