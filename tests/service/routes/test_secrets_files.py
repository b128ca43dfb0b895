"""File secrets (base64 values) and the value size limit.

Assertions never mention an actor (its repr holds its key) and compare secret
values outside ``assert`` expressions, so a failure shows neither.
"""

from __future__ import annotations

import base64
import os
from typing import Any

import httpx
import pytest

from tests.support.actors import Actor, expect, unique

SECRETS = "/api/v1/secrets"


LIMIT = 9000


def same_value(actual: str, expected: str) -> None:
    """Fail, showing neither, unless two secret values are equal."""
    if actual != expected:
        raise AssertionError("the secret value read differs from the one expected (not shown)")


def same_bytes(actual: bytes, expected: bytes) -> None:
    """Fail, showing neither, unless two file contents are equal."""
    if actual != expected:
        raise AssertionError(
            f"the file read back differs: {len(actual)} bytes, expected {len(expected)}"
        )


def is_base64(value: str) -> bool:
    """Whether ``value`` is strict base64."""
    try:
        base64.b64decode(value, validate=True)
    except ValueError:  # binascii.Error, or non-ASCII text
        return False
    return True


def pointers(problem: dict[str, Any]) -> dict[str, str]:
    """A 422 problem's invalid parts, pointer to detail."""
    return {error["pointer"]: error["detail"] for error in problem["errors"]}


def assert_not_echoed(response: httpx.Response, *values: str) -> None:
    """None of ``values`` appears anywhere in ``response``'s body or headers."""
    for value in values:
        if value in response.text:
            raise AssertionError("the response echoes the submitted value")
        if value in str(response.headers):
            raise AssertionError("a response header echoes the submitted value")


def create_file(actor: Actor, raw: bytes, **extra: Any) -> tuple[dict[str, Any], str]:
    """A file secret holding ``raw``; its metadata and the base64 sent."""
    encoded = base64.b64encode(raw).decode()
    body = {"name": unique("file/keytab"), "type": "file", "value": encoded, **extra}
    created: dict[str, Any] = expect(actor.post(SECRETS, json=body), 201)
    return created, encoded


def test_file_value_round_trips_as_the_stored_base64(user: Actor) -> None:
    raw = bytes(range(256)) + b"\xff\xfe\xfd\x80\x81\xc3\x28\xa0\xa1\xed\xa0\x80" + os.urandom(512)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    created, encoded = create_file(user, raw)
    assert created["type"] == "file"
    assert "value" not in created
    read = expect(user.get(f"{SECRETS}/{created['id']}/value"), 200)
    assert read["type"] == "file"
    same_value(read["value"], encoded)
    same_bytes(base64.b64decode(read["value"], validate=True), raw)


@pytest.mark.parametrize(
    "raw",
    [b"\x00", b"\x00\x00", b"\xff\xff\xff", b"\x80" * 1000, b"\n\r\t\x00binary\x00"],
    ids=["nul", "two-nuls", "ones", "high-bytes", "mixed"],
)
def test_padding_and_edge_bytes_round_trip(user: Actor, raw: bytes) -> None:
    created, encoded = create_file(user, raw)
    read = expect(user.get(f"{SECRETS}/{created['id']}/value"), 200)
    same_value(read["value"], encoded)
    same_bytes(base64.b64decode(read["value"]), raw)


def test_put_file_value_replaces_the_bytes(user: Actor) -> None:
    created, _ = create_file(user, b"\x01\x02old")
    new_raw = b"\xde\xad\xbe\xef" + os.urandom(64)
    new_encoded = base64.b64encode(new_raw).decode()
    path = f"{SECRETS}/{created['id']}/value"
    updated = expect(user.put(path, json={"type": "file", "value": new_encoded}), 200)
    assert updated["version"] == 2
    assert updated["type"] == "file"
    read = expect(user.get(path), 200)
    same_value(read["value"], new_encoded)
    same_bytes(base64.b64decode(read["value"]), new_raw)


def test_put_without_a_type_keeps_the_file_type(user: Actor) -> None:
    created, _ = create_file(user, b"\x10before")
    new_encoded = base64.b64encode(b"\x20after\xff").decode()
    path = f"{SECRETS}/{created['id']}/value"
    updated = expect(user.put(path, json={"value": new_encoded}), 200)
    assert updated["type"] == "file"
    same_value(expect(user.get(path), 200)["value"], new_encoded)


def test_put_without_a_type_still_requires_base64_for_files(user: Actor) -> None:
    created, encoded = create_file(user, b"\x00stay")
    bad = f"{unique('NOTB64')}%%%"
    path = f"{SECRETS}/{created['id']}/value"
    response = user.put(path, json={"value": bad})
    assert "base64" in pointers(expect(response, 409))["/body/value"]
    assert_not_echoed(response, bad)
    same_value(expect(user.get(path), 200)["value"], encoded)


@pytest.mark.parametrize(
    "suffix",
    ["!!not*base64!!", "===", "abc", "ab=c", "a b c d", "QUJD\u00e9"],
    ids=["symbols", "only-padding", "bad-length", "inner-padding", "spaces", "non-ascii"],
)
def test_invalid_base64_is_refused_without_echoing_it(user: Actor, suffix: str) -> None:
    value = f"{unique('NOTB64')}{suffix}"
    # Each candidate must really be invalid base64 for the test to mean anything.
    assert not is_base64(value)
    response = user.post(SECRETS, json={"name": unique("file/bad"), "type": "file", "value": value})
    problem = expect(response, 422)
    assert problem["type"] == "urn:keyhouse:problem:validation"
    errors = pointers(problem)
    assert "/body/value" in errors, errors
    assert "base64" in errors["/body/value"]
    assert "base64" in problem["detail"]
    assert_not_echoed(response, value)


def test_invalid_base64_on_put_keeps_the_old_value(user: Actor) -> None:
    created, encoded = create_file(user, b"\x00keep me\xff")
    bad = f"{unique('NOTB64')}%%%"
    path = f"{SECRETS}/{created['id']}/value"
    response = user.put(path, json={"type": "file", "value": bad})
    problem = expect(response, 422)
    assert "base64" in pointers(problem)["/body/value"]
    assert_not_echoed(response, bad)
    read = expect(user.get(path), 200)
    same_value(read["value"], encoded)
    assert read["version"] == 1


def test_text_values_need_not_be_base64(user: Actor) -> None:
    value = f"{unique('plain')} !!not*base64!!"
    created = expect(user.post(SECRETS, json={"name": unique("t"), "value": value}), 201)
    assert created["type"] == "text"
    read = expect(user.get(f"{SECRETS}/{created['id']}/value"), 200)
    same_value(read["value"], value)


def sized(length: int) -> str:
    """A distinctive ASCII text of exactly ``length`` characters."""
    stem = unique("BIGVALUE")
    return (stem * (length // len(stem) + 1))[:length]


def test_text_of_exactly_the_limit_is_accepted(user: Actor) -> None:
    value = sized(LIMIT)
    created = expect(user.post(SECRETS, json={"name": unique("big"), "value": value}), 201)
    read = expect(user.get(f"{SECRETS}/{created['id']}/value"), 200)
    same_value(read["value"], value)


def test_limit_counts_characters_not_bytes(user: Actor) -> None:
    value = "\u00e9" * LIMIT  # 9000 characters, 18000 UTF-8 bytes
    created = expect(user.post(SECRETS, json={"name": unique("wide"), "value": value}), 201)
    read = expect(user.get(f"{SECRETS}/{created['id']}/value"), 200)
    same_value(read["value"], value)


def test_file_of_exactly_the_limit_is_accepted(user: Actor) -> None:
    raw = os.urandom(LIMIT // 4 * 3)
    created, encoded = create_file(user, raw)
    assert len(encoded) == LIMIT
    read = expect(user.get(f"{SECRETS}/{created['id']}/value"), 200)
    same_bytes(base64.b64decode(read["value"]), raw)


def assert_over_limit(response: httpx.Response, value: str) -> None:
    problem = expect(response, 422)
    errors = pointers(problem)
    assert "/body/value" in errors, errors
    assert str(LIMIT) in errors["/body/value"]
    assert str(LIMIT) in problem["detail"]
    assert_not_echoed(response, value, value[:64])


def test_text_one_over_the_limit_is_refused(user: Actor) -> None:
    value = sized(LIMIT + 1)
    name = unique("too-big")
    response = user.post(SECRETS, json={"name": name, "value": value})
    assert_over_limit(response, value)
    expect(user.get(f"{SECRETS}/by-name", params={"name": name}), 404)


def test_file_one_over_the_limit_is_refused(user: Actor) -> None:
    value = base64.b64encode(os.urandom(LIMIT // 4 * 3)).decode() + "A"
    response = user.post(SECRETS, json={"name": unique("f"), "type": "file", "value": value})
    assert_over_limit(response, value)


def test_put_over_the_limit_is_refused_and_keeps_the_value(user: Actor) -> None:
    original = unique("small")
    created = expect(user.post(SECRETS, json={"name": unique("p"), "value": original}), 201)
    path = f"{SECRETS}/{created['id']}/value"
    value = sized(LIMIT + 1)
    assert_over_limit(user.put(path, json={"value": value}), value)
    read = expect(user.get(path), 200)
    same_value(read["value"], original)
    assert read["version"] == 1


def test_empty_value_is_refused(user: Actor) -> None:
    problem = expect(user.post(SECRETS, json={"name": unique("e"), "value": ""}), 422)
    assert "/body/value" in pointers(problem)
