"""Schemathesis hooks of the contract run (loaded by ``st`` through SCHEMATHESIS_HOOKS).

* The run must not lock itself out: a case that would revoke, delete or change
  the key it runs with, or delete or change its own user, is pointed at a key
  id and a user name nobody has.
* A cursor is opaque and signed: its documented form says what it looks like,
  but only the service can make a valid one. A schema-valid case (which the
  service must accept) carries a real cursor of its list, fetched from the
  service, as it carries a real API key; invalid cases keep what was drawn.

The key, its id and the user come from the environment the test sets.
"""

from __future__ import annotations

import os
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


@schemathesis.hook
def before_call(context: HookContext, case: Case[Any], kwargs: dict[str, Any]) -> None:
    own_key = os.environ["KEYHOUSE_CONTRACT_KEY_ID"]
    own_user = os.environ["KEYHOUSE_CONTRACT_USER"]
    method = case.method.upper()
    path = case.path_parameters
    if path is not None:
        if path.get("key_id") == own_key and method != "GET":
            path["key_id"] = ELSEWHERE_KEY_ID
        ours = case.path.startswith("/api/v1/users/") and path.get("name") == own_user
        if ours and method in {"DELETE", "PATCH"}:
            path["name"] = f"{own_user}-elsewhere"
    query = case.query
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and query and isinstance(query.get("cursor"), str) and method == "GET":
        cursor = _real_cursor(case)
        if cursor is None:
            del query["cursor"]
        else:
            query["cursor"] = cursor
