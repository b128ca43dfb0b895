"""Schemathesis hooks of the contract run (loaded by ``st`` through SCHEMATHESIS_HOOKS).

* The run must not lock itself out: a case that would revoke, delete or change
  the key it runs with, or delete or change its own user, is pointed at a key
  id and a user name nobody has.
* A cursor is opaque and signed: its documented form says what it looks like,
  but only the service can make a valid one. A schema-valid case (which the
  service must accept) carries a real cursor of its list, fetched from the
  service, as it carries a real API key; invalid cases keep what was drawn.
* A compare-and-set (``If-Match``, ``expected_version``) succeeds only with the
  secret's current version: a schema-valid case carries that version, read
  from the service just before; invalid cases keep what was drawn.

The key, its id and the user come from the environment the test sets.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from typing import Any

import requests
import schemathesis
from schemathesis import Case, HookContext

# A well-formed key id no key has.
ELSEWHERE_KEY_ID = "a" * 16
_CURSORS: dict[str, str | None] = {}


def _real_cursor(case: Case[Any]) -> str | None:
    """The next_cursor of the first one-item page of the case's list (None: a single page)."""
    if case.formatted_path not in _CURSORS:
        response = requests.get(
            f"{os.environ['KEYHOUSE_CONTRACT_URL']}{case.formatted_path}",
            params={"limit": 1},
            headers={"x-api-key": os.environ["KEYHOUSE_CONTRACT_KEY"]},
            timeout=30,
        )
        body = response.json() if response.status_code == 200 else {}
        _CURSORS[case.formatted_path] = body.get("next_cursor")
    return _CURSORS[case.formatted_path]


def _current_version(case: Case[Any]) -> int | None:
    secret = case.formatted_path.removesuffix("/value")
    response = requests.get(
        f"{os.environ['KEYHOUSE_CONTRACT_URL']}{secret}",
        headers={"x-api-key": os.environ["KEYHOUSE_CONTRACT_KEY"]},
        timeout=30,
    )
    version = response.json().get("version") if response.status_code == 200 else None
    return version if isinstance(version, int) else None


def _expect_current_version(case: Case[Any]) -> None:
    headers: MutableMapping[str, Any] = case.headers or {}
    body = case.body if isinstance(case.body, dict) else {}
    asks = {name for name in headers if name.lower() == "if-match"}
    if not asks and body.get("expected_version") is None:
        return
    version = _current_version(case)
    if version is None:  # no such secret (to this key): the write is a 404 whatever it expects
        return
    for name in asks:
        if headers[name].strip() != "*":
            headers[name] = f'"{version}"'
    if body.get("expected_version") is not None:
        body["expected_version"] = version


@schemathesis.hook
def before_call(context: HookContext, case: Case[Any], kwargs: dict[str, Any]) -> None:
    own_key = os.environ["KEYHOUSE_CONTRACT_KEY_ID"]
    own_user = os.environ["KEYHOUSE_CONTRACT_USER"]
    method = case.method.upper()
    path = case.path_parameters
    if path is not None:
        if path.get("key_id") == own_key and method != "GET":
            path["key_id"] = ELSEWHERE_KEY_ID
        ours = case.path.startswith("/api/v1/users/") and path.get("user") == own_user
        if ours and method in {"DELETE", "PATCH"}:
            path["user"] = f"{own_user}-elsewhere"
    query = case.query
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and method == "PUT" and case.path.endswith("/value"):
        _expect_current_version(case)
    if positive and query and isinstance(query.get("cursor"), str) and method == "GET":
        cursor = _real_cursor(case)
        if cursor is None:
            del query["cursor"]
        else:
            query["cursor"] = cursor
