"""schemathesis against the OpenAPI schema: no generated request gets a 500, on either
database, with accounts off and on; under /api the status codes, content types and bodies
also match the schema.

Bounded: ``MAX_EXAMPLES`` per operation and variant (about a minute in all on 2 cores).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="needs schemathesis: pip install -e '.[test]'")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from web_fixtures import *  # noqa: F403, E402  (the fixtures)
from web_fixtures import Client  # noqa: E402

from pmcoach.kb import load_bank  # noqa: E402
from pmcoach.web.app import create_app  # noqa: E402

MAX_EXAMPLES = int(os.environ.get("PMCOACH_SCHEMATHESIS_EXAMPLES", "12"))
# the schema is loaded at collection, before the autouse PMCOACH_HOME fixture: use a home of our own
_HOME = tempfile.mkdtemp(prefix="pmcoach-schema-")
atexit.register(shutil.rmtree, _HOME, True)
with pytest.MonkeyPatch.context() as _mp:
    _mp.setenv("PMCOACH_HOME", _HOME)
    BANK = load_bank(include_user=False)


class Target:
    """The ASGI app schemathesis calls; each test points it at its own app and database."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


TARGET = Target()
# the schema does not depend on the database or on accounts: load it from a throwaway app
TARGET.app = create_app(os.path.join(_HOME, "schema.sqlite"), bank=BANK)
schema = schemathesis.openapi.from_asgi("/openapi.json", TARGET)


@pytest.fixture(params=[False, True], ids=["local", "accounts"])
def auth_headers(request: pytest.FixtureRequest, store_url: str) -> Iterator[dict[str, str]]:
    app = create_app(store_url, require_accounts=request.param, bank=BANK)
    TARGET.app = app
    headers: dict[str, str] = {}
    if request.param:  # a signed-in user, so the generated requests reach past the 401
        c = Client(app)
        headers = {"Authorization": f"Bearer {c.signup('fuzz@example.com')['token']}"}
        c.close()
    yield headers
    app.state.web.store.close()


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: Any, auth_headers: dict[str, str]) -> None:
    if case.path.startswith("/api/"):
        case.call_and_validate(headers=auth_headers, checks=[not_a_server_error, status_code_conformance,
                                                             content_type_conformance, response_schema_conformance])
    else:  # pages answer in HTML, forms need a CSRF token: only "no 500" applies
        case.call_and_validate(headers=auth_headers, checks=[not_a_server_error])
