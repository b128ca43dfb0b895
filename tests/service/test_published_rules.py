"""The OpenAPI document states the rules the service enforces, and they agree.

Names, file values and control characters are checked by the service's own
validators; the document carries them as patterns. Both must give the same
answer for every string, or a client that trusts the document is refused (or
the service takes what the document says it refuses).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from keyhouse.api.json_body import FORBIDDEN_IN_TEXT
from keyhouse.api.published_rules import PARAMETER_PATTERN, TEXT_PATTERN
from keyhouse.main import create_app
from keyhouse.schemas.common import (
    IDENTIFIER_PATTERN,
    KEY_NAME_PATTERN,
    SECRET_NAME_PATTERN,
    Identifier,
    KeyName,
    SecretName,
)
from keyhouse.schemas.secrets import BASE64_PATTERN, check_file_value


def matches(pattern: str, text: str) -> bool:
    """JSON Schema's reading: ``$`` is the end of the text, not before a final newline."""
    return re.search(pattern.removesuffix("$") + r"\Z", text) is not None


def accepted(check: Callable[[str], object], text: str) -> bool:
    try:
        check(text)
    except (ValueError, ValidationError):
        return False
    return True


NAME_TEXT = st.text(alphabet="aZ09._- /", max_size=12)


@pytest.mark.parametrize(
    ("pattern", "kind"),
    [
        (IDENTIFIER_PATTERN, Identifier),
        (KEY_NAME_PATTERN, KeyName),
        (SECRET_NAME_PATTERN, SecretName),
    ],
    ids=["identifier", "key-name", "secret-name"],
)
@settings(max_examples=400, deadline=None)
@given(text=NAME_TEXT)
def test_name_patterns_agree_with_the_validators(pattern: str, kind: Any, text: str) -> None:
    validator = TypeAdapter(kind)
    assert matches(pattern, text) == accepted(validator.validate_python, text), text


@pytest.mark.parametrize(
    "text",
    [
        "a",
        "a.b",
        "a..b",
        "a.",
        ".a",
        "a b",
        "a ",
        "x/y",
        "x//y",
        "x/./y",
        "./x",
        "x/.",
        "x/..",
        "/x",
    ],
)
def test_name_patterns_on_the_edges(text: str) -> None:
    for pattern, kind in (
        (IDENTIFIER_PATTERN, Identifier),
        (KEY_NAME_PATTERN, KeyName),
        (SECRET_NAME_PATTERN, SecretName),
    ):
        assert matches(pattern, text) == accepted(TypeAdapter(kind).validate_python, text)


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet="AB+/=9z", min_size=1, max_size=10))
def test_the_base64_pattern_agrees_with_the_file_check(text: str) -> None:
    assert matches(BASE64_PATTERN, text) == accepted(check_file_value, text), text


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=6))
def test_the_text_patterns_refuse_what_requests_may_not_hold(text: str) -> None:
    forbidden = re.compile(f"[{FORBIDDEN_IN_TEXT}]")
    surrogate = any("\ud800" <= c <= "\udfff" for c in text)
    if not surrogate:  # unpaired surrogates are in the description: patterns cannot say it
        assert matches(TEXT_PATTERN, text) == (forbidden.search(text) is None)
        assert matches(PARAMETER_PATTERN, text) == (re.search("[\x00-\x1f\x7f-\x9f]", text) is None)


def _strings(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if node.get("type") == "string" and not {"enum", "const", "format"} & node.keys():
            yield where, node
        for key, value in node.items():
            yield from _strings(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{where}/{index}")


def test_every_request_string_carries_a_pattern() -> None:
    document = create_app().openapi()
    schemas = document["components"]["schemas"]
    requests = ["ApiKeyCreate", "SecretCreate", "PolicyCreate", "SimulateRequest", "VerifyRequest"]
    unpatterned = [
        where
        for name in requests
        for where, node in _strings(schemas[name], name)
        if "pattern" not in node
    ]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] in {"path", "query"}:
                    label = f"{method.upper()} {path} {parameter['name']}"
                    unpatterned += [
                        w for w, n in _strings(parameter["schema"], label) if "pattern" not in n
                    ]
    assert unpatterned == []
