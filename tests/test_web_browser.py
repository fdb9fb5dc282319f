"""The real pages in a real browser: Playwright driving Debian's Chromium against uvicorn.

Screenshots of every page land in test-artifacts/ (gitignored; CI keeps them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from web_fixtures import *  # noqa: F403  (the fixtures)
from web_fixtures import ARTIFACTS, SCRIPT, Server, chromium_or_skip

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, headless=True, args=ARGS)
        yield b
        b.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def no_dialogs(page: Any) -> list[str]:
    """Collect any alert/confirm/prompt: a script payload that ran would open one."""
    seen: list[str] = []

    def on_dialog(d: Any) -> None:
        seen.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    return seen


def send(page: Any, text: str) -> None:
    n = page.locator("#turns > li").count()
    page.fill("#text", text)
    page.click("#send")
    page.locator(f"#turns > li >> nth={n + 1}").wait_for(timeout=15000)  # the strict CSP rules out wait_for_function


def test_a_whole_interview_in_the_page(browser: Any, server_factory: Callable[..., Server], tmp_path: Path) -> None:
    server = server_factory(str(tmp_path / "browser.sqlite"))
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    dialogs = no_dialogs(page)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url + "/")
    assert page.title().startswith("Practise")
    shot(page, "01-home")
    page.select_option("#product", "facebook-groups")
    page.click("#start")
    page.wait_for_url(re.compile(r".*/sessions/[0-9a-f]+$"))
    sid = page.url.rsplit("/", 1)[1]
    assert page.locator("#stages li.current").inner_text() == "clarify"
    page.evaluate("window.__sameDocument = true")  # survives only if turns are sent without a reload

    saw_pushback = saw_game = False
    for text in [*SCRIPT[:1], "<script>alert('x')</script> and <img src=x onerror=alert(1)>", *SCRIPT[1:]]:
        if page.locator("#done").is_visible():
            break
        send(page, text)
        if not saw_pushback and page.locator("#turns .turn.kind-pushback").count():
            saw_pushback = True
            assert page.locator("#turns .turn.kind-pushback .badge").first.inner_text().lower() == "pushback"
            assert page.locator("#turns .chip.vanity").count() >= 1
            shot(page, "02-chat-pushback")
        if not saw_game and page.locator("#game li.asked").count():
            saw_game = True
            assert page.locator("#game").is_visible() and page.locator("#game .facts li").count() >= 1
            assert page.locator("#stages li.current").inner_text() == "troubleshooting"
            shot(page, "03-troubleshooting")
    assert saw_pushback and saw_game
    assert page.evaluate("window.__sameDocument") is True
    # the payload is shown as text, and never ran
    assert page.locator("#turns .turn.candidate .text", has_text="<script>alert('x')</script>").count() == 1
    assert page.locator("#turns img").count() == 0
    assert page.locator("#done").is_visible() and page.locator("#stages li.current").inner_text() == "done"
    assert re.match(r"\d+:\d\d", page.locator("#clock").inner_text())
    shot(page, "04-chat-done")

    page.click("#feedback-link")
    page.wait_for_url(f"**/sessions/{sid}/feedback")
    assert page.locator("#chart svg").count() == 1
    assert page.locator("#rubric tbody tr").count() == 9 and float(page.locator("#overall").inner_text()) > 0
    shot(page, "05-feedback")
    page.goto(server.url + "/history")
    assert page.locator("#progress-chart svg").count() == 1 and page.locator("#history tbody tr").count() == 1
    shot(page, "06-history")
    page.goto(server.url + "/")
    page.select_option("#company", "Google")
    page.click("#filter")
    page.wait_for_url("**company=Google**")
    rows = page.locator("table.bank tbody tr")
    assert rows.count() >= 2 and all("Google" in rows.nth(i).inner_text() for i in range(rows.count()))
    page.fill("#q", "airbnb")
    page.select_option("#company", "")
    page.click("#filter")
    page.wait_for_url("**q=airbnb**")
    rows = page.locator("table.bank tbody tr")
    assert 1 <= rows.count() < 10 and all("Airbnb" in rows.nth(i).inner_text() for i in range(rows.count()))
    shot(page, "06b-bank-search")
    page.goto(server.url + "/answers/facebook-groups")
    assert "north star" in page.content().lower()
    shot(page, "07-model-answer")
    page.click("nav.tabs a:has-text('Spoken version')")
    page.wait_for_url("**/answers/facebook-groups?view=spoken")
    assert "the spoken version" in page.content() and page.locator("nav.tabs a.current").inner_text().startswith("Spoken")
    shot(page, "07b-spoken-answer")
    page.goto(server.url + "/cheatsheets/groups-ts-1")
    assert "Root cause" in page.content()
    shot(page, "08-cheatsheet")
    assert dialogs == [] and errors == []
    page.close()


def test_the_chat_works_without_javascript(browser: Any, server_factory: Callable[..., Server], tmp_path: Path) -> None:
    server = server_factory(str(tmp_path / "nojs.sqlite"))
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(server.url + "/")
    page.select_option("#product", "airbnb")
    page.click("#start")
    page.wait_for_url(re.compile(r".*/sessions/[0-9a-f]+$"))
    page.fill("#text", "Airbnb exists so anyone can belong anywhere; hosts and guests are its two sides.")
    page.click("#send")
    page.wait_for_load_state()
    assert page.locator("#turns > li").count() == 3 and "/sessions/" in page.url
    page.fill("#text", "x" * 20_001)
    page.click("#send")
    page.wait_for_load_state()
    assert "limited to 20,000 characters" in page.locator("#error").inner_text()
    assert len(page.locator("#text").input_value()) == 20_001  # the draft is still there
    shot(page, "09-no-javascript-413")
    ctx.close()


def test_login_and_isolation_in_the_browser(browser: Any, server_factory: Callable[..., Server], tmp_path: Path) -> None:
    server = server_factory(str(tmp_path / "hosted.sqlite"), accounts=True)
    alice = browser.new_context()
    page = alice.new_page()
    dialogs = no_dialogs(page)
    page.goto(server.url + "/history")
    page.wait_for_url("**/login?next=/history")
    shot(page, "10-login")
    page.click("text=Create an account")
    page.fill("#email", "alice@example.com")
    page.fill("#password", "correct horse battery")
    page.click("#submit")
    # sign-up answers the same for a new or a taken email, then the same page signs in
    assert "sign in with it" in page.locator("#notice").inner_text()
    assert page.input_value("#email") == "alice@example.com"
    page.fill("#password", "correct horse battery")
    page.click("#submit")
    page.wait_for_url("**/history")
    cookies = {c["name"]: c for c in alice.cookies()}
    assert cookies["pmcoach_session"]["httpOnly"] and cookies["pmcoach_session"]["sameSite"] == "Lax"
    page.goto(server.url + "/")
    page.click("#start")
    page.wait_for_url(re.compile(r".*/sessions/[0-9a-f]+$"))
    alice_session = page.url
    send(page, '"><img src=x onerror=alert(document.cookie)> Airbnb exists for belonging.')
    assert page.locator("#turns img").count() == 0 and dialogs == []
    shot(page, "11-alice-chat")
    page.click("text=Log out")
    page.wait_for_url("**/login")
    alice.close()

    mallory = browser.new_context()
    page = mallory.new_page()
    page.goto(server.url + "/signup")
    page.fill("#email", "mallory@example.com")
    page.fill("#password", "correct horse battery")
    page.click("#submit")
    page.locator("#notice").wait_for()
    page.fill("#password", "correct horse battery")
    page.click("#submit")
    page.wait_for_url(server.url + "/")
    resp = page.goto(alice_session)
    assert resp is not None and resp.status == 404 and "Not found" in page.content()
    shot(page, "12-isolation-404")
    page.goto(server.url + "/history")
    assert "No sessions yet" in page.content()
    # a wrong password is refused, and the form says why
    page.click("text=Log out")
    page.wait_for_url("**/login")
    page.fill("#email", "alice@example.com")
    page.fill("#password", "not her password")
    page.click("#submit")
    assert "wrong email or password" in page.locator("#error").inner_text()
    page.fill("#password", "correct horse battery")
    page.click("#submit")
    page.wait_for_url(server.url + "/")
    page.goto(server.url + "/history")
    assert page.locator("#history tbody tr").count() == 1
    mallory.close()
