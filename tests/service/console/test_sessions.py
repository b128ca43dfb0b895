"""Console sessions: the cookie, sign-out, revoked keys, CSRF, the CSP, expiry, replicas."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from keyhouse_client import Keyhouse
from tests.service.console.conftest import Console
from tests.support.actors import Actor, client, make_user
from tests.support.keyhouse_server import KeyhouseServer, start_server
from tests.support.postgres import PostgresServer


def http_sign_in(base_url: str, key: str, **headers: str) -> httpx.Client:
    """Sign in with plain HTTP (the form's two requests); a client holding the session cookie."""
    http = httpx.Client(base_url=base_url, headers=headers, timeout=30)
    form = http.get("/sign-in")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    origin = headers.get("origin", base_url)
    # Sent by hand: behind TLS the cookie is Secure, which httpx keeps off plain HTTP.
    answer = http.post(
        "/sign-in",
        data={"csrf": token.group(1), "api_key": key, "next": "/keys"},
        headers={"origin": origin, "cookie": f"kh_signin={form.cookies['kh_signin']}"},
    )
    assert answer.status_code == 303, answer.text
    return http


def test_the_session_cookie_is_httponly_strict_and_holds_no_key(
    console: Console, person: Actor, sqlite_service: KeyhouseServer
) -> None:
    console.sign_in(person.key)
    cookies = {c["name"]: c for c in console.context.cookies()}
    session = cookies["kh_session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Strict"
    assert session["secure"] is False  # plain HTTP here; see the TLS test
    assert all(person.key not in c["value"] for c in cookies.values())
    assert person.key not in str(console.page.evaluate("() => [localStorage, sessionStorage]"))

    # Signing out ends the session on the service, not only in this browser.
    console.page.get_by_role("button", name="Sign out").click()
    expect(console.page.get_by_role("status")).to_have_text("You are signed out.")
    with httpx.Client(base_url=sqlite_service.url, cookies={"kh_session": session["value"]}) as old:
        answer = old.get("/keys")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/sign-in")


def test_a_bad_key_is_refused_with_the_reason_and_opens_nothing(console: Console) -> None:
    page = console.page
    page.goto(console.url("/keys"))
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/keys$"))
    page.get_by_label("API key").fill("kh_notakey_at_all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("the API key is malformed")
    assert "kh_session" not in {c["name"] for c in console.context.cookies()}
    console.assert_labelled()


def test_a_revoked_keys_session_ends_on_the_next_click(
    console: Console, person: Actor, admin_kh: Keyhouse
) -> None:
    console.sign_in(person.key)
    admin_kh.api_keys.revoke(key_id=person.key_id)
    console.page.get_by_role("link", name="Secrets").click()
    expect(console.page).to_have_url(re.compile(r"/sign-in\?next=/secrets$"))
    expect(console.page.get_by_role("status")).to_contain_text("was revoked")
    assert "kh_session" not in {c["name"] for c in console.context.cookies()}


def test_a_form_without_its_csrf_token_or_from_another_site_is_refused(
    console: Console, person: Actor, person_kh: Keyhouse
) -> None:
    console.sign_in(person.key)
    request = console.context.request  # shares the browser's cookies
    url = console.url(f"/keys/{person.key_id}/revoke")
    without = request.post(url, form={"nothing": "here"}, max_redirects=0)
    assert without.status == 403
    assert "security token is missing" in without.text()
    token = re.search(r'name="csrf" value="([^"]+)"', console.html())
    assert token is not None
    elsewhere = request.post(
        url, form={"csrf": token.group(1)}, headers={"origin": "http://evil.example"}
    )
    assert elsewhere.status == 403
    assert person_kh.api_keys.get(key_id=person.key_id).status == "active"


def test_pages_forbid_inline_scripts_framing_and_caching(sqlite_service: KeyhouseServer) -> None:
    answer = httpx.get(f"{sqlite_service.url}/sign-in")
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in answer.text.replace('<script src="/console/static/console.js"', "")


def test_script_in_user_strings_is_shown_as_text_and_never_runs(
    console: Console, person: Actor, person_kh: Keyhouse
) -> None:
    payload = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    person_kh.secrets.create(name="xss/probe", value="v", description=payload)
    console.sign_in(person.key)
    page = console.page

    # A description holding markup is listed as text.
    page.goto(console.url("/secrets"))
    expect(page.get_by_text(payload)).to_be_visible()

    # A key name holding markup is refused by the service and shown back as text.
    page.goto(console.url("/keys/new"))
    page.get_by_label("Name", exact=True).fill("<script>window.__pwned=3</script>")
    page.get_by_role("checkbox", name=re.compile(r"^job\b")).check()
    page.get_by_role("button", name="Create API key").click()
    expect(page.locator("#name-error")).to_contain_text("must start with a letter or digit")
    expect(page.get_by_label("Name", exact=True)).to_have_value("<script>window.__pwned=3</script>")

    # A search reflected into the page stays a value.
    page.goto(console.url("/keys?q=%3Cscript%3Ewindow.__pwned%3D4%3C%2Fscript%3E"))
    expect(page.get_by_label("Name or prefix")).to_have_value("<script>window.__pwned=4</script>")
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_the_cookie_is_secure_behind_tls(sqlite_service: KeyhouseServer) -> None:
    # A TLS proxy on the same machine says so with X-Forwarded-Proto (uvicorn trusts 127.0.0.1).
    with client(sqlite_service.url, sqlite_service.admin_key) as admin:
        user = make_user(admin, sqlite_service.url)
    https_origin = sqlite_service.url.replace("http://", "https://")
    http = http_sign_in(
        sqlite_service.url, user.key, **{"x-forwarded-proto": "https", "origin": https_origin}
    )
    cookie = next(c for c in http.cookies.jar if c.name == "kh_session")
    http.close()
    assert cookie.secure


@pytest.fixture(scope="module")
def short_sessions(workdir: Path) -> Iterator[KeyhouseServer]:
    """A service whose console sessions idle out after 3 s and end 8 s after sign-in."""
    server = start_server(
        "sqlite",
        f"sqlite:///{workdir / 'short.db'}",
        workdir / "short",
        KEYHOUSE_CONSOLE_IDLE_MINUTES="0.05",
        KEYHOUSE_CONSOLE_SESSION_HOURS=str(8 / 3600),
    )
    yield server
    server.stop()


def test_sessions_end_when_idle_and_at_their_time_limit(short_sessions: KeyhouseServer) -> None:
    key = short_sessions.admin_key
    with closing(http_sign_in(short_sessions.url, key)) as idle:
        assert idle.get("/keys").status_code == 200
        time.sleep(3.5)
        answer = idle.get("/keys")
        assert answer.status_code == 303
    with closing(http_sign_in(short_sessions.url, key)) as busy:
        # Active all along (a request a second), it still ends 8 s after sign-in.
        started = time.monotonic()
        while time.monotonic() - started < 7:
            assert busy.get("/keys").status_code == 200
            time.sleep(1)
        time.sleep(1.5)
        assert busy.get("/keys").status_code == 303


@pytest.mark.postgres
def test_replicas_on_postgresql_share_sessions_and_their_end(
    workdir: Path, postgres: PostgresServer
) -> None:
    # GIVEN two replicas of the service on one PostgreSQL database, with one master key
    url = postgres.create_database("console_replicas")
    first = start_server("postgres", url, workdir / "replica-a")
    second = start_server(
        "postgres",
        url,
        workdir / "replica-b",
        KEYHOUSE_MASTER_KEY_FILE=str(workdir / "replica-a" / "master.key"),
    )
    try:
        with client(first.url, first.admin_key) as admin:
            user = make_user(admin, first.url)
        # WHEN a browser signs in on one replica THEN the other knows its session
        with closing(http_sign_in(first.url, user.key)) as browser:
            cookie = browser.cookies["kh_session"]
        with httpx.Client(base_url=second.url, cookies={"kh_session": cookie}) as other:
            assert other.get("/keys").status_code == 200
            # WHEN the key is revoked through the first THEN the second ends the session
            with Keyhouse(base_url=first.url, api_key=first.admin_key) as kh:
                kh.api_keys.revoke(key_id=user.key_id)
            answer = other.get("/keys")
            assert answer.status_code == 303
            assert answer.headers["location"] == "/sign-in?next=/keys"
    finally:
        second.stop()
        first.stop()
