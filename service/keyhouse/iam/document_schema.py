"""The JSON Schema of a policy document, built from the rules ``iam.document`` checks.

Published in the OpenAPI document wherever a request carries a document to
store or evaluate, so that a document the schema admits is one ``validate``
finds no error in (warnings aside), and the limits are the same ones. Two
rules are left to the description: a document is at most MAX_DOCUMENT_CHARS
characters as compact JSON, and actions are matched case-insensitively (the
schema lists them as the catalog spells them).
"""

from __future__ import annotations

import re
from typing import Any

from keyhouse.iam.actions import ACTIONS_LOWER, SERVICES
from keyhouse.iam.document import (
    CONTEXT_KEYS,
    MAX_ACTION_CHARS,
    MAX_DOCUMENT_CHARS,
    MAX_ENTRIES,
    MAX_PATTERN_CHARS,
    MAX_STATEMENTS,
    OPERATORS,
    QUALIFIERS,
    RESOURCE_TYPES,
    VERSION,
)

# A character a request string may hold (api/json_body.py), and one that is not ':' either.
_CHAR = "[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]"
_NOT_COLON = "[^:\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]"
_WILD_PART = f"{_NOT_COLON}*[*?]{_NOT_COLON}*"


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


def _one_or_many(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "anyOf": [item, {"type": "array", "items": item, "minItems": 1, "maxItems": MAX_ENTRIES}]
    }


def _action() -> dict[str, Any]:
    services = "|".join(_any_case(name) for name in sorted(SERVICES))
    wildcard = f"^(?:{_WILD_PART}:{_CHAR}+|(?:{services}):{_CHAR}*[*?]{_CHAR}*)$"
    return {
        "anyOf": [
            {"enum": ["*", *sorted(ACTIONS_LOWER.values())]},
            {"type": "string", "pattern": wildcard, "minLength": 1, "maxLength": MAX_ACTION_CHARS},
        ],
        "description": "'*', an action of GET /api/v1/iam/actions (in any case), or a pattern "
        "with * and ? over them.",
    }


def _resource() -> dict[str, Any]:
    types = "|".join(sorted(RESOURCE_TYPES))
    pattern = (
        f"^(?:\\*|khrn:(?:{types}|{_WILD_PART}):{_CHAR}*|khrn:(?:settings|audit|{_WILD_PART}))$"
    )
    return {
        "type": "string",
        "pattern": pattern,
        "minLength": 1,
        "maxLength": MAX_PATTERN_CHARS,
        "description": "'*' or a khrn (khrn:<type>:<name>), wildcards * and ? allowed.",
    }


_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = f"{_OCTET}\\.{_OCTET}\\.{_OCTET}\\.{_OCTET}"
_TIME = (
    "^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])T(?:[01][0-9]|2[0-3]):[0-5][0-9]"
    ":[0-5][0-9](?:\\.[0-9]{1,6})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
)


def _values(operator: str) -> dict[str, Any]:
    """What the values of ``operator`` may be (each a non-empty string within the limit)."""
    text = {"type": "string", "minLength": 1, "maxLength": MAX_PATTERN_CHARS}
    if operator.startswith("Date"):
        value: dict[str, Any] = {**text, "pattern": _TIME}
    elif operator.endswith("IpAddress"):
        value = {
            "anyOf": [
                {**text, "pattern": f"^{_IPV4}(?:/(?:3[0-2]|[12]?[0-9]))?$"},
                {**text, "format": "ipv6"},
            ]
        }
    elif operator == "Bool":
        value = {"enum": ["true", "false"]}
    else:
        value = text
    return _one_or_many(value)


def _condition() -> dict[str, Any]:
    keys = sorted(CONTEXT_KEYS)
    operators: dict[str, Any] = {}
    for base in sorted(OPERATORS):
        tests = {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"enum": keys},
            "additionalProperties": _values(base),
        }
        for name in (base, *(f"{q}:{base}" for q in sorted(QUALIFIERS))):
            operators[name] = tests
    return {
        "type": "object",
        "properties": operators,
        "additionalProperties": False,
        "description": "Operators (optionally ForAnyValue: or ForAllValues:) mapping "
        "context keys to values.",
    }


def _exactly_one(key: str) -> dict[str, Any]:
    return {"oneOf": [{"required": [key]}, {"required": [f"Not{key}"]}]}


def _statement() -> dict[str, Any]:
    action, resource = _one_or_many(_action()), _one_or_many(_resource())
    return {
        "type": "object",
        "properties": {
            "Sid": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "Effect": {"enum": ["Allow", "Deny"]},
            "Action": action,
            "NotAction": action,
            "Resource": resource,
            "NotResource": resource,
            "Condition": _condition(),
        },
        "required": ["Effect"],
        "additionalProperties": False,
        "allOf": [_exactly_one("Action"), _exactly_one("Resource")],
    }


def document_schema() -> dict[str, Any]:
    """The schema of a policy document (a new one each call: the document's builder edits it)."""
    statement = _statement()
    return {
        "type": "object",
        "properties": {
            "Version": {"const": VERSION},
            "Id": {},
            "Statement": {
                "anyOf": [
                    statement,
                    {
                        "type": "array",
                        "items": statement,
                        "minItems": 1,
                        "maxItems": MAX_STATEMENTS,
                    },
                ]
            },
        },
        "required": ["Version", "Statement"],
        "additionalProperties": False,
        # The generated client sends a document as a dict, not as typed models of this.
        "x-grammar": True,
        "description": f'A policy: {{"Version": "{VERSION}", "Statement": [...]}}, at most '
        f"{MAX_DOCUMENT_CHARS} characters as compact JSON.",
    }
