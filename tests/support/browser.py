"""A real Chromium, driven by Playwright, for the web console's tests.

Debian's Chromium (``/usr/bin/chromium``, or ``KEYHOUSE_CHROMIUM``) is used as
installed: nothing is downloaded at run time (never ``playwright install``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Playwright

CHROMIUM = Path(os.environ.get("KEYHOUSE_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(
    os.environ.get(
        "KEYHOUSE_SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "build" / "screenshots"
    )
)

# Every form control that is not hidden must have an accessible name: a <label>,
# aria-label or aria-labelledby (buttons may also name themselves with their text).
UNLABELLED_CONTROLS = """
() => Array.from(document.querySelectorAll("input, select, textarea, button"))
  .filter((el) => el.type !== "hidden")
  .filter((el) => {
    if (el.labels && el.labels.length > 0) return false;
    if (el.getAttribute("aria-label")) return false;
    const by = el.getAttribute("aria-labelledby");
    if (by && document.getElementById(by)) return false;
    if (el.tagName === "BUTTON" && el.textContent.trim()) return false;
    return true;
  })
  .map((el) => el.outerHTML)
"""


def screenshot_path(name: str) -> Path:
    """Where a test keeps a screenshot called ``name`` (the README's come from here)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


def launch(playwright: Playwright) -> Browser:
    """Chromium headless with the flags that work on these machines (a fresh profile each time)."""
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) "
            "or point KEYHOUSE_CHROMIUM at a Chromium binary"
        )
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)


def sign_in(page: Page, base_url: str, key: str) -> None:
    """Sign in through the form, as a person would (paste the key, press the button)."""
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/keys")


def unlabelled(page: Page) -> list[str]:
    """The visible form controls of the current page that have no accessible name."""
    found: list[str] = page.evaluate(UNLABELLED_CONTROLS)
    return found


def storage(page: Page) -> dict[str, Any]:
    """Everything the page's origin keeps in the browser: local and session storage."""
    found: dict[str, Any] = page.evaluate(
        "() => ({local: JSON.stringify(localStorage), session: JSON.stringify(sessionStorage)})"
    )
    return found
