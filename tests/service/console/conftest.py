"""The web console in a real Chromium, against the session's real key service on SQLite.

One browser for the whole session; each test gets a fresh context (no cookies)
and a page, and leaves a screenshot of where it ended in ``build/screenshots``.
A test keeps the HTML of each page it looked at (``console.html()``), so that it
can check what never appeared (a key after its one showing, a secret value).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from keyhouse_client import Keyhouse
from tests.support import browser as chromium
from tests.support.actors import Actor, client, make_user
from tests.support.keyhouse_server import KeyhouseServer


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver, once per session."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless, once per session."""
    launched = chromium.launch(playwright)
    yield launched
    launched.close()


@dataclass
class Console:
    """A browser page on the console, and the HTML of every page it has shown."""

    page: Page
    context: BrowserContext
    base_url: str
    seen: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        """The absolute URL of a console path."""
        return self.base_url + path

    def sign_in(self, key: str) -> None:
        """Sign in with ``key`` through the sign-in form."""
        chromium.sign_in(self.page, self.base_url, key)

    def html(self) -> str:
        """Everything the page shows now (also kept for later checks)."""
        shown = self.page.content()
        self.seen.append(shown)
        return shown

    def everything_seen(self) -> str:
        """The HTML of every page shown so far."""
        return "\n".join(self.seen)

    def assert_labelled(self) -> None:
        """Every visible control of the current page has an accessible name."""
        assert chromium.unlabelled(self.page) == []


def _is_script_error(kind: str, text: str) -> bool:
    # Chromium also logs every 4xx page as "Failed to load resource"; those are answers.
    return kind == "error" and not text.startswith("Failed to load resource")


@pytest.fixture
def console(
    browser: Browser, sqlite_service: KeyhouseServer, request: pytest.FixtureRequest
) -> Iterator[Console]:
    """A fresh browser context (no cookies, no storage) on the console."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console", lambda m: errors.append(m.text) if _is_script_error(m.type, m.text) else None
    )
    opened = Console(page, context, sqlite_service.url)
    yield opened
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    page.screenshot(path=str(chromium.screenshot_path(name)), full_page=True)
    context.close()
    # The CSP allows no inline script: a violation or a script error is a bug.
    assert errors == [], errors


@pytest.fixture
def admin_kh(sqlite_service: KeyhouseServer) -> Iterator[Keyhouse]:
    """The generated client with the admin's key: how tests check what the console did."""
    with Keyhouse(base_url=sqlite_service.url, api_key=sqlite_service.admin_key) as kh:
        yield kh


@pytest.fixture
def person(sqlite_service: KeyhouseServer) -> Actor:
    """A fresh ordinary (non-admin) user with a key holding every non-admin scope."""
    with client(sqlite_service.url, sqlite_service.admin_key) as admin:
        return make_user(admin, sqlite_service.url)


@pytest.fixture
def person_kh(sqlite_service: KeyhouseServer, person: Actor) -> Iterator[Keyhouse]:
    """The generated client with the ordinary user's key."""
    with Keyhouse(base_url=sqlite_service.url, api_key=person.key) as kh:
        yield kh
