"""Strict reading of request bodies: JSON as RFC 8259 writes it, or a 422 naming ``/body``.

Every route with a body reads it through ``StrictJSONRoute``, before FastAPI
parses anything:

* the media type is ``application/json`` (a 415 otherwise), its charset, if
  given, ``utf-8``;
* the bytes are valid UTF-8; the text is one JSON value, without ``NaN`` or
  ``Infinity``, numbers of at most ``MAX_NUMBER_DIGITS`` digits, objects without
  a repeated key, nesting at most ``MAX_DEPTH`` deep;
* no string (nor object key) holds NUL, another control character than tab,
  line feed and carriage return, or a lone surrogate.

Path and query parameters are refused for any control character. Each refusal
is a 422 problem whose pointer names the place (``/body/Statement/0/Effect``,
``/query/name``) and whose detail says what is wrong, never the value. Both
databases then see the same, clean input.
"""

from __future__ import annotations

import email.message
import json
import math
import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from keyhouse.core.problems import ProblemError, Unprocessable

MAX_DEPTH = 32
MAX_NUMBER_DIGITS = 100
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Character ranges (as a regex class's inside): C0 controls but tab, LF and CR,
# DEL and C1 in text; every control in parameters. Lone surrogates (unencodable)
# are refused in both. api/published_rules.py writes the same into the document.
FORBIDDEN_IN_TEXT = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
FORBIDDEN_IN_PARAMETERS = "\x00-\x1f\x7f-\x9f"
_SURROGATES = "\ud800-\udfff"
_FORBIDDEN_IN_TEXT = re.compile(f"[{FORBIDDEN_IN_TEXT}{_SURROGATES}]")
_FORBIDDEN_IN_PARAMETERS = re.compile(f"[{FORBIDDEN_IN_PARAMETERS}{_SURROGATES}]")


class UnsupportedMediaType(ProblemError):
    """415: a body in another media type than application/json."""

    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class _Invalid(ValueError):
    """A reason the body is not acceptable JSON (raised from inside the parser's hooks)."""


class _DuplicateKeys(dict[str, Any]):
    """An object that repeated a key: the walk reports where."""

    duplicated: str


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    marked = _DuplicateKeys(result)
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            marked.duplicated = key
            break
        seen.add(key)
    return marked


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _Invalid(f"a number has more than {MAX_NUMBER_DIGITS} digits")
    return int(text)


def _float(text: str) -> float | int:
    if len(text) > MAX_NUMBER_DIGITS:
        raise _Invalid(f"a number has more than {MAX_NUMBER_DIGITS} digits")
    value = float(text)
    if not math.isfinite(value):
        raise _Invalid("a number is too large to represent")
    # JSON (and JSON Schema's "integer") does not tell 7.0 from 7: a whole number is an
    # integer however it is written, so an integer field takes it (true and "7" still fail).
    if value.is_integer() and abs(value) < 10**MAX_NUMBER_DIGITS:
        return int(value)
    return value


def _constant(name: str) -> Any:
    raise _Invalid(f"{name} is not JSON")


def _refuse(pointer: str, reason: str) -> Unprocessable:
    """The 422 for ``pointer``: its detail names the place, as FastAPI's 422s do."""
    problem = Unprocessable(pointer, reason)
    problem.detail = f"{pointer}: {reason}"
    return problem


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _walk(document: Any) -> None:
    """Refuse nesting beyond MAX_DEPTH, repeated keys and forbidden characters (iteratively)."""
    pending: list[tuple[Any, str, int]] = [(document, "/body", 0)]
    while pending:
        value, pointer, depth = pending.pop()
        if isinstance(value, str):
            if _FORBIDDEN_IN_TEXT.search(value):
                raise _refuse(
                    pointer,
                    "must not hold NUL, control characters (other than tab and line breaks) "
                    "or unpaired surrogates",
                )
            continue
        if not isinstance(value, dict | list):
            continue
        if depth >= MAX_DEPTH:
            raise _refuse("/body", f"the body is nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, _DuplicateKeys):
            raise _refuse(
                f"{pointer}/{_escape(value.duplicated)}",
                f"the key '{_escape(value.duplicated)}' appears twice in one object",
            )
        if isinstance(value, dict):
            for key, item in value.items():
                at = f"{pointer}/{_escape(key)}"
                if _FORBIDDEN_IN_TEXT.search(key):
                    raise _refuse(pointer, "an object key holds a control character")
                pending.append((item, at, depth + 1))
        else:
            pending.extend((item, f"{pointer}/{i}", depth + 1) for i, item in enumerate(value))


def _media_type(request: Request) -> tuple[str, str | None]:
    message = email.message.Message()
    message["content-type"] = request.headers.get("content-type", "")
    charset = message.get_param("charset")
    return message.get_content_type(), charset if isinstance(charset, str) else None


def parse(raw: bytes, request: Request) -> Any:
    """The JSON value of a request body, strictly read; a 415 or 422 problem otherwise."""
    media_type, charset = _media_type(request)
    if "content-type" not in request.headers or media_type != "application/json":
        raise UnsupportedMediaType(
            "send the body as JSON with the header content-type: application/json"
        )
    if charset is not None and charset.lower() not in {"utf-8", "utf8"}:
        raise _refuse("/body", "the body must be UTF-8 (charset=utf-8, or none)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refuse("/body", f"the body is not valid UTF-8 (at byte {exc.start})") from None
    try:
        document = json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_int=_integer,
            parse_float=_float,
            parse_constant=_constant,
        )
    except _Invalid as exc:
        raise _refuse("/body", str(exc)) from None
    except json.JSONDecodeError as exc:
        raise _refuse(
            "/body", f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise _refuse("/body", f"the body is nested more than {MAX_DEPTH} levels deep") from None
    _walk(document)
    return document


def check_parameters(request: Request) -> None:
    """Refuse path and query parameters holding control characters (422 naming each)."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and _FORBIDDEN_IN_PARAMETERS.search(value):
            raise _refuse(f"/path/{name}", "must not hold control characters")
    for name, value in request.query_params.multi_items():
        if _FORBIDDEN_IN_PARAMETERS.search(name) or _FORBIDDEN_IN_PARAMETERS.search(value):
            raise _refuse(f"/query/{name}", "must not hold control characters")


async def read_json(request: Request) -> Any:
    """The body of ``request``, strictly parsed (for routes that read their own body)."""
    check_parameters(request)
    return parse(await request.body(), request)


class StrictJSONRoute(APIRoute):
    """A route that reads its parameters and JSON body strictly (see the module's docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        takes_body = self.body_field is not None

        async def strict_handler(request: Request) -> Response:
            check_parameters(request)
            if takes_body and request.method in _BODY_METHODS:
                raw = await request.body()
                if raw:
                    # FastAPI's request.json() returns this parsed value as is.
                    request._json = parse(raw, request)
            return await handler(request)

        return strict_handler
