"""Building a client, and keeping its API key secret.

A client without a URL or a key fails when it is built, not at its first
request; the environment fills in what is not passed. The key is never shown:
not in the client's repr, not in any error the client raises (401, 404, 422, a
transport failure), nor anywhere in that error's chain of causes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import pytest

from keyhouse_client import (
    NO_RETRIES,
    AsyncKeyhouse,
    AuthenticationError,
    ConfigurationError,
    Keyhouse,
    KeyhouseError,
    NotFoundError,
    TransportError,
    ValidationError,
)
from tests.client.conftest import Credentials
from tests.support.keyhouse_server import KeyhouseServer
from tests.support.postgres import free_port

URL_VARIABLE = "KEYHOUSE_URL"
KEY_VARIABLE = "KEYHOUSE_API_KEY"
FLAVOURS = ["sync", "async"]
CLIENT_CLASSES = [Keyhouse, AsyncKeyhouse]

E = TypeVar("E", bound=BaseException)

Operation = Callable[[Any], Any]
"""Given a Keyhouse or an AsyncKeyhouse, start one call (an awaitable for the async one)."""


@pytest.fixture
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither KEYHOUSE_URL nor KEYHOUSE_API_KEY is set."""
    monkeypatch.delenv(URL_VARIABLE, raising=False)
    monkeypatch.delenv(KEY_VARIABLE, raising=False)


def close(client: Keyhouse | AsyncKeyhouse) -> None:
    """Close a client that made no request."""
    if isinstance(client, AsyncKeyhouse):
        asyncio.run(client.close())
    else:
        client.close()


def outcome(flavour: str, url: str, key: str, operation: Operation) -> BaseException | None:
    """What building a client (without retries) and making one call raised, if anything."""
    __tracebackhide__ = True  # pytest would print the arguments: the key among them

    async def run_async() -> None:
        async with AsyncKeyhouse(base_url=url, api_key=key, retry=NO_RETRIES) as client:
            await operation(client)

    try:
        if flavour == "sync":
            with Keyhouse(base_url=url, api_key=key, retry=NO_RETRIES) as client:
                operation(client)
        else:
            asyncio.run(run_async())
    except Exception as exc:
        return exc
    return None


def expect_error(raised: BaseException | None, kind: type[E]) -> E:
    """``raised`` as a ``kind``; a failure names types only (the error may show the key)."""
    __tracebackhide__ = True
    if not isinstance(raised, kind):
        pytest.fail(f"expected {kind.__name__}, got {type(raised).__name__}", pytrace=False)
    return raised


def chain(error: BaseException) -> list[BaseException]:
    """``error`` and every exception it was raised from or while handling."""
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in found:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def leaks(error: BaseException, key: str) -> list[str]:
    """Where the key, or its secret part, shows in the messages of ``error``'s chain."""
    __tracebackhide__ = True
    secret_part = key.rsplit("_", 1)[-1]
    places = []
    for link in chain(error):
        for kind, text in (("str", str(link)), ("repr", repr(link))):
            if key in text or secret_part in text:
                places.append(f"{kind}({type(link).__name__})")
    return places


# Configuration errors come at construction.


@pytest.mark.usefixtures("no_environment")
@pytest.mark.parametrize("client_class", CLIENT_CLASSES)
@pytest.mark.parametrize("base_url", [None, ""])
def test_a_missing_url_fails_at_construction(
    client_class: type[Keyhouse | AsyncKeyhouse], base_url: str | None
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        client_class(base_url=base_url, api_key="kh_some_key")
    assert isinstance(caught.value, KeyhouseError)
    assert isinstance(caught.value, ValueError)
    assert URL_VARIABLE in str(caught.value)
    assert "kh_some_key" not in str(caught.value)


@pytest.mark.usefixtures("no_environment")
@pytest.mark.parametrize("client_class", CLIENT_CLASSES)
@pytest.mark.parametrize("api_key", [None, ""])
def test_a_missing_key_fails_at_construction(
    client_class: type[Keyhouse | AsyncKeyhouse],
    api_key: str | None,
    sqlite_service: KeyhouseServer,
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        client_class(base_url=sqlite_service.url, api_key=api_key)
    assert isinstance(caught.value, KeyhouseError)
    assert KEY_VARIABLE in str(caught.value)


@pytest.mark.usefixtures("no_environment")
@pytest.mark.parametrize("client_class", CLIENT_CLASSES)
def test_construction_sends_nothing(client_class: type[Keyhouse | AsyncKeyhouse]) -> None:
    # Nothing listens there: a client that connected while being built would fail here.
    unreachable = f"http://127.0.0.1:{free_port()}"
    client = client_class(base_url=unreachable, api_key="kh_some_key", retry=NO_RETRIES)
    assert client.base_url == unreachable
    close(client)


# The environment fills in what is not passed.


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_url_and_key_come_from_the_environment(
    flavour: str,
    monkeypatch: pytest.MonkeyPatch,
    sqlite_service: KeyhouseServer,
    user: Credentials,
) -> None:
    monkeypatch.setenv(URL_VARIABLE, sqlite_service.url + "/")
    monkeypatch.setenv(KEY_VARIABLE, user.key)
    if flavour == "sync":
        with Keyhouse() as kh:
            assert kh.base_url == sqlite_service.url
            me = kh.keys.whoami()
    else:

        async def whoami() -> Any:
            async with AsyncKeyhouse() as akh:
                assert akh.base_url == sqlite_service.url
                return await akh.keys.whoami()

        me = asyncio.run(whoami())
    assert (me.principal.name, me.key.id) == (user.name, user.key_id)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_arguments_win_over_the_environment(
    flavour: str,
    monkeypatch: pytest.MonkeyPatch,
    sqlite_service: KeyhouseServer,
    user: Credentials,
) -> None:
    monkeypatch.setenv(URL_VARIABLE, f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv(KEY_VARIABLE, "kh_not_this_one")
    answers: list[Any] = []

    def remember_whoami(client: Any) -> Any:
        if isinstance(client, AsyncKeyhouse):

            async def call() -> None:
                answers.append(await client.keys.whoami())

            return call()
        answers.append(client.keys.whoami())
        return None

    raised = outcome(flavour, sqlite_service.url, user.key, remember_whoami)
    succeeded = raised is None
    assert succeeded, f"{type(raised).__name__} raised"
    assert [answer.key.id for answer in answers] == [user.key_id]


@pytest.mark.parametrize("client_class", CLIENT_CLASSES)
def test_only_the_url_from_the_environment(
    client_class: type[Keyhouse | AsyncKeyhouse],
    monkeypatch: pytest.MonkeyPatch,
    sqlite_service: KeyhouseServer,
) -> None:
    monkeypatch.setenv(URL_VARIABLE, sqlite_service.url)
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    client = client_class(api_key="kh_some_key")
    assert client.base_url == sqlite_service.url
    close(client)
    with pytest.raises(ConfigurationError):
        client_class()


# The key is never shown.


@pytest.mark.parametrize("client_class", CLIENT_CLASSES)
def test_the_client_repr_hides_the_key(
    client_class: type[Keyhouse | AsyncKeyhouse], sqlite_service: KeyhouseServer, user: Credentials
) -> None:
    client = client_class(base_url=sqlite_service.url, api_key=user.key)
    try:
        shown = [repr(client), str(client)]
        for attribute in ("keys", "api_keys", "secrets", "settings"):
            resource = getattr(client, attribute)
            shown += [repr(resource), repr(resource.with_response)]
        assert sqlite_service.url in shown[0]
        hidden = not any(user.key in text for text in shown)
        assert hidden, "the API key shows in the repr of the client or one of its resources"
    finally:
        close(client)


def whoami(client: Any) -> Any:
    return client.keys.whoami()


def unknown_key_id(client: Any) -> Any:
    return client.api_keys.get(key_id="a" * 16)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_401_for_a_revoked_key_hides_it(
    flavour: str, kh: Keyhouse, sqlite_service: KeyhouseServer, user: Credentials
) -> None:
    kh.api_keys.revoke(key_id=user.key_id)
    raised = outcome(flavour, sqlite_service.url, user.key, whoami)
    error = expect_error(raised, AuthenticationError)
    assert leaks(error, user.key) == []
    assert error.reason == "revoked"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_401_for_a_mistyped_key_hides_it(
    flavour: str, sqlite_service: KeyhouseServer, user: Credentials
) -> None:
    mistyped = user.key[:-1] + ("A" if user.key[-1] != "A" else "B")
    raised = outcome(flavour, sqlite_service.url, mistyped, whoami)
    error = expect_error(raised, AuthenticationError)
    assert leaks(error, mistyped) == []
    assert leaks(error, user.key) == []
    assert error.reason == "malformed"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_404_hides_the_key(
    flavour: str, sqlite_service: KeyhouseServer, user: Credentials
) -> None:
    raised = outcome(flavour, sqlite_service.url, user.key, unknown_key_id)
    error = expect_error(raised, NotFoundError)
    assert leaks(error, user.key) == []
    assert error.status == 404


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_422_hides_the_key_even_when_the_key_is_the_invalid_input(
    flavour: str, sqlite_service: KeyhouseServer, user: Credentials
) -> None:
    def verify_too_long(client: Any) -> Any:
        return client.keys.verify(key=user.key * 3)  # at most 200 characters

    raised = outcome(flavour, sqlite_service.url, user.key, verify_too_long)
    error = expect_error(raised, ValidationError)
    assert leaks(error, user.key) == []
    assert [item["pointer"] for item in error.errors] == ["/body/key"]
    hidden = user.key not in json.dumps(error.problem)
    assert hidden, "the API key shows in the problem detail"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_transport_error_hides_the_key(flavour: str, user: Credentials) -> None:
    unreachable = f"http://127.0.0.1:{free_port()}"
    raised = outcome(flavour, unreachable, user.key, whoami)
    error = expect_error(raised, TransportError)
    assert leaks(error, user.key) == []
    assert isinstance(error.__cause__, httpx.ConnectError)
    assert "after 1 attempt(s)" in str(error)
    assert error.url == f"{unreachable}/api/v1/whoami"
    assert error.url in str(error)  # it names the address it could not reach


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_key_sent_as_a_key_id_is_not_kept_in_the_error(
    flavour: str, sqlite_service: KeyhouseServer, user: Credentials
) -> None:
    # Mixing up the key and its Key ID is an easy mistake. APIError promises that
    # nothing in it ever holds the API key: its message, nor its problem detail.
    def key_as_key_id(client: Any) -> Any:
        return client.api_keys.get(key_id=user.key)

    raised = outcome(flavour, sqlite_service.url, user.key, key_as_key_id)
    error = expect_error(raised, ValidationError)
    assert leaks(error, user.key) == []
    places = [name for name, value in error.problem.items() if user.key in json.dumps(value)]
    assert places == [], "the API key shows in these fields of the problem detail"


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize(
    ("how", "mangle"),
    [
        ("read from a file with its newline", lambda key: key + "\n"),
        ("pasted with a no-break space", lambda key: "\u00a0" + key),
    ],
    ids=["trailing-newline", "no-break-space"],
)
def test_a_key_with_stray_characters_never_leaks(
    flavour: str,
    how: str,
    mangle: Callable[[str], str],
    sqlite_service: KeyhouseServer,
    user: Credentials,
) -> None:
    # Whether the client cleans the key up or refuses it, whatever it raises is a
    # KeyhouseError that does not show the key.
    key = mangle(user.key)
    raised = outcome(flavour, sqlite_service.url, key, whoami)
    if raised is None:
        return
    typed = isinstance(raised, KeyhouseError)
    assert typed, f"a {type(raised).__name__} for a key {how}, not a KeyhouseError"
    assert leaks(raised, user.key) == [], f"for a key {how}"
