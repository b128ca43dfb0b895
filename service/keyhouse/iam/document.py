"""Policy documents: parsing, and validation with JSON-pointer locations.

The familiar JSON form::

    {"Version": "2012-10-17",
     "Statement": [{"Sid": "ReadToken", "Effect": "Allow",
                    "Action": "secrets:GetSecretValue",
                    "Resource": "khrn:secret:project/fs/hopsworks/role/dbx/type/api-key",
                    "Condition": {"IpAddress": {"keyhouse:SourceIp": "10.0.0.0/8"}}}]}

Validation stays cheap whatever is sent: a document has bounded size, statement
count, entries per statement and pattern length (each refusal names its limit),
wildcards are matched without backtracking (``iam.wildcards``), and "did you
mean" suggestions are offered a bounded number of times. Messages never repeat
a rejected value (the pointer says where it is); they name catalog entries.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from keyhouse.iam.actions import ACTIONS_LOWER, SERVICES
from keyhouse.iam.wildcards import compile_pattern, is_wildcard, min_length

VERSION = "2012-10-17"

# Limits on what a document may hold. A stored document is evaluated on every
# request of its holders; validation runs for anyone with a key.
MAX_DOCUMENT_CHARS = 16_384
"""Characters of the document as compact JSON (or of the JSON text sent)."""
MAX_STATEMENTS = 100
MAX_ENTRIES = 100
"""Actions, resources (or their Not forms) per statement; values per condition key."""
MAX_ACTION_CHARS = 128
MAX_PATTERN_CHARS = 1024
"""Characters of a resource pattern or a condition value."""
MAX_SUGGESTIONS = 3
"""'did you mean' hints per document; later unknown names get the catalog's address."""
_MAX_SUGGESTED_CHARS = 64
OPERATORS = frozenset(
    {
        "StringEquals",
        "StringNotEquals",
        "StringLike",
        "StringNotLike",
        "DateLessThan",
        "DateGreaterThan",
        "IpAddress",
        "NotIpAddress",
        "Bool",
    }
)
QUALIFIERS = frozenset({"ForAnyValue", "ForAllValues"})
CONTEXT_KEYS: dict[str, str] = {
    "keyhouse:SourceIp": "ip",
    "keyhouse:CurrentTime": "date",
    "keyhouse:PrincipalName": "string",
    "keyhouse:PrincipalType": "string",
    "keyhouse:KeyId": "string",
    "keyhouse:KeyScopes": "set",
    "keyhouse:Project": "string",
}
RESOURCE_TYPES = frozenset(
    {"secret", "role", "apikey", "project", "policy", "user", "scope", "settings", "audit"}
)
_STATEMENT_KEYS = frozenset(
    {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"}
)
_STATEMENT_KEY_LIST = ", ".join(sorted(_STATEMENT_KEYS))
_OPERATOR_LIST = ", ".join(sorted(OPERATORS))
_TYPE_LIST = ", ".join(sorted(RESOURCE_TYPES))


@dataclass(frozen=True)
class Condition:
    """One test: ``operator`` (with an optional set qualifier) of ``key`` against ``values``."""

    operator: str
    qualifier: str | None
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    """One statement of a policy."""

    effect: Literal["Allow", "Deny"]
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...]
    not_resource: bool
    conditions: tuple[Condition, ...] = ()
    sid: str | None = None
    index: int = 0


@dataclass(frozen=True)
class Document:
    """A parsed policy document."""

    statements: tuple[Statement, ...]


@dataclass(frozen=True)
class Finding:
    """An error or a warning about a document, located by a JSON pointer."""

    pointer: str
    message: str


@dataclass
class Report:
    """The outcome of validating a document.

    ``limits`` holds the errors that are a limit exceeded (they are in
    ``errors`` too): past a limit, that part of the document is not examined.
    """

    document: Document | None
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    limits: list[Finding] = field(default_factory=list)
    suggestions: int = 0

    @property
    def valid(self) -> bool:
        return not self.errors

    def over_limit(self, pointer: str, message: str) -> None:
        """Record a limit exceeded."""
        finding = Finding(pointer, message)
        self.errors.append(finding)
        self.limits.append(finding)

    def hint(self, name: str, candidates: list[str], fallback: str) -> str:
        """'; did you mean X?' for a close catalog entry, at most MAX_SUGGESTIONS times."""
        # difflib's cost grows with the product of the lengths, about a millisecond
        # a name here: a few per document, and no names longer than any action.
        if self.suggestions < MAX_SUGGESTIONS and len(name) <= _MAX_SUGGESTED_CHARS:
            self.suggestions += 1
            close = difflib.get_close_matches(name, candidates, n=1)
            if close:
                return f"; did you mean {close[0]}?"
        return fallback


def _strings(
    value: Any, pointer: str, what: str, report: Report, max_chars: int = MAX_PATTERN_CHARS
) -> tuple[str, ...] | None:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        report.errors.append(
            Finding(pointer, f"{what} must be a string or a non-empty list of strings")
        )
        return None
    if len(items) > MAX_ENTRIES:
        report.over_limit(pointer, f"{what} holds {len(items)} entries; at most {MAX_ENTRIES}")
        return None
    bad = [i for i, item in enumerate(items) if not isinstance(item, str) or not item]
    if bad:
        at = pointer if isinstance(value, str) else f"{pointer}/{bad[0]}"
        report.errors.append(Finding(at, f"{what} entries must be non-empty strings"))
        return None
    long = [i for i, item in enumerate(items) if len(item) > max_chars]
    if long:
        at = pointer if isinstance(value, str) else f"{pointer}/{long[0]}"
        report.over_limit(at, f"{what} entries are at most {max_chars} characters")
        return None
    return tuple(items)


_LONGEST_ACTION = max(len(name) for name in ACTIONS_LOWER)
_BY_SERVICE: dict[str, list[str]] = {}
for _name in sorted(ACTIONS_LOWER.values()):
    _BY_SERVICE.setdefault(_name.split(":", 1)[0].lower(), []).append(_name)
_ACTION_NAMES = sorted(ACTIONS_LOWER.values())


@lru_cache(maxsize=4096)
def _matches_some_action(pattern: str) -> bool:
    # Cheap refusals first: a pattern longer than every action, a literal service.
    if min_length(pattern) > _LONGEST_ACTION:
        return False
    service = pattern.partition(":")[0].lower()
    names = list(ACTIONS_LOWER) if is_wildcard(service) else _BY_SERVICE.get(service, [])
    matcher = compile_pattern(pattern, ignore_case=True)
    return any(matcher.matches(name) for name in names)


def _check_action(action: str, pointer: str, report: Report) -> None:
    if action == "*":
        return
    service, sep, name = action.partition(":")
    if not sep or not name:
        report.errors.append(
            Finding(pointer, "not an action: write <service>:<Action>, e.g. secrets:GetSecretValue")
        )
        return
    if not is_wildcard(service) and service.lower() not in SERVICES:
        report.errors.append(
            Finding(pointer, f"unknown service; services: {', '.join(sorted(SERVICES))}")
        )
        return
    if is_wildcard(action):
        if not _matches_some_action(action):
            report.warnings.append(Finding(pointer, "matches no action of the catalog"))
        return
    if action.lower() not in ACTIONS_LOWER:
        # Suggested from the same service: the mistake is nearly always in the name.
        candidates = _BY_SERVICE.get(service.lower(), _ACTION_NAMES)
        hint = report.hint(action, candidates, "; GET /api/v1/iam/actions lists them")
        report.errors.append(Finding(pointer, f"unknown action{hint}"))


def _check_resource(resource: str, pointer: str, report: Report) -> None:
    if resource == "*":
        return
    parts = resource.split(":", 2)
    if parts[0] != "khrn" or len(parts) < 2 or not parts[1]:
        report.errors.append(
            Finding(pointer, "not a khrn: write khrn:<type>:<name>, e.g. khrn:role:ci")
        )
        return
    kind = parts[1]
    if not is_wildcard(kind) and kind not in RESOURCE_TYPES:
        report.errors.append(Finding(pointer, f"unknown resource type; types: {_TYPE_LIST}"))
        return
    if len(parts) == 2 and kind not in {"settings", "audit"} and not is_wildcard(kind):
        report.errors.append(Finding(pointer, f"names no {kind}: write khrn:{kind}:<name>"))


def _check_value(kind: str, operator: str, value: str, pointer: str, report: Report) -> None:
    # The value is not repeated in the message: it may be anything (the pointer says which).
    if operator.startswith("Date"):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            report.errors.append(
                Finding(pointer, f"{operator} needs an ISO 8601 time, e.g. 2027-01-01T00:00:00Z")
            )
            return
        if moment.tzinfo is None:
            report.errors.append(
                Finding(pointer, f"{operator} needs a time with a zone, e.g. 2027-01-01T00:00:00Z")
            )
    elif operator.endswith("IpAddress"):
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            report.errors.append(
                Finding(pointer, f"{operator} needs an IP address or CIDR, e.g. 10.0.0.0/8")
            )
    elif operator == "Bool" and value not in {"true", "false"}:
        report.errors.append(Finding(pointer, "Bool takes 'true' or 'false'"))


def _conditions(value: Any, pointer: str, report: Report) -> tuple[Condition, ...]:
    if not isinstance(value, dict):
        report.errors.append(Finding(pointer, "Condition must be an object of operators"))
        return ()
    found: list[Condition] = []
    for operator_name, tests in value.items():
        at = f"{pointer}/{_escape(operator_name)}"
        qualifier, _, base = operator_name.rpartition(":")
        if qualifier and qualifier not in QUALIFIERS:
            report.errors.append(
                Finding(at, f"unknown set qualifier '{qualifier}'; use ForAnyValue or ForAllValues")
            )
            continue
        if base not in OPERATORS:
            report.errors.append(
                Finding(
                    at,
                    f"unknown condition operator '{base}'; operators: {_OPERATOR_LIST}",
                )
            )
            continue
        if not isinstance(tests, dict) or not tests:
            report.errors.append(Finding(at, f"{operator_name} must map context keys to values"))
            continue
        for key, raw in tests.items():
            key_at = f"{at}/{_escape(key)}"
            if key not in CONTEXT_KEYS:
                hint = report.hint(key, list(CONTEXT_KEYS), f"; keys: {', '.join(CONTEXT_KEYS)}")
                report.errors.append(Finding(key_at, f"unknown context key{hint}"))
                continue
            values = _strings(raw, key_at, "condition values", report)
            if values is None:
                continue
            for index, item in enumerate(values):
                item_at = key_at if isinstance(raw, str) else f"{key_at}/{index}"
                _check_value(CONTEXT_KEYS[key], base, item, item_at, report)
            if qualifier and CONTEXT_KEYS[key] != "set":
                report.warnings.append(
                    Finding(key_at, f"{key} holds one value: {qualifier} has no effect")
                )
            found.append(Condition(base, qualifier or None, key, values))
    return tuple(found)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _either(
    raw: dict[str, Any],
    key: str,
    pointer: str,
    check: Callable[[str, str, Report], None],
    report: Report,
) -> tuple[bool, tuple[str, ...] | None]:
    """``key`` or ``Not<key>`` (exactly one): whether it is the Not form, and its checked values."""
    negated = f"Not{key}" in raw
    if (key in raw) == negated:
        report.errors.append(
            Finding(pointer, f"a statement needs exactly one of {key} and Not{key}")
        )
        return negated, None
    name = f"Not{key}" if negated else key
    max_chars = MAX_ACTION_CHARS if key == "Action" else MAX_PATTERN_CHARS
    values = _strings(raw[name], f"{pointer}/{name}", name, report, max_chars)
    for i, value in enumerate(values or ()):
        at = f"{pointer}/{name}" if isinstance(raw[name], str) else f"{pointer}/{name}/{i}"
        check(value, at, report)
    return negated, values


def _statement(raw: Any, index: int, pointer: str, report: Report) -> Statement | None:
    if not isinstance(raw, dict):
        report.errors.append(Finding(pointer, "a statement must be an object"))
        return None
    before = len(report.errors)
    for key in raw:
        if key not in _STATEMENT_KEYS:
            report.errors.append(
                Finding(
                    f"{pointer}/{_escape(key)}",
                    f"unknown key '{key}' in a statement; keys: {_STATEMENT_KEY_LIST}",
                )
            )
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        report.errors.append(Finding(f"{pointer}/Sid", "Sid must be a string"))
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        report.errors.append(Finding(f"{pointer}/Effect", "Effect must be 'Allow' or 'Deny'"))
    not_action, actions = _either(raw, "Action", pointer, _check_action, report)
    not_resource, resources = _either(raw, "Resource", pointer, _check_resource, report)
    conditions = (
        _conditions(raw["Condition"], f"{pointer}/Condition", report) if "Condition" in raw else ()
    )
    if len(report.errors) > before or actions is None or resources is None:
        return None
    if not_action and effect == "Allow" and "*" in resources:
        report.warnings.append(
            Finding(
                pointer,
                "Allow with NotAction on Resource '*' allows every other action on everything",
            )
        )
    if (not_action and "*" in actions) or (not_resource and "*" in resources):
        report.warnings.append(
            Finding(pointer, "this statement can never match (NotAction or NotResource is '*')")
        )
    return Statement(
        effect=effect,  # type: ignore[arg-type]
        actions=actions,
        not_action=not_action,
        resources=resources,
        not_resource=not_resource,
        conditions=conditions,
        sid=sid,
        index=index,
    )


def _size(raw: Any) -> int:
    if isinstance(raw, str):
        return len(raw)
    try:
        return len(json.dumps(raw, separators=(",", ":"), ensure_ascii=False))
    except (TypeError, ValueError, RecursionError):
        return MAX_DOCUMENT_CHARS + 1  # not JSON, or nested beyond any sense


def validate(raw: Any) -> Report:
    """Parse a document (a JSON string or the decoded object), collecting every problem."""
    report = Report(document=None)
    size = _size(raw)
    if size > MAX_DOCUMENT_CHARS:
        report.over_limit(
            "", f"the document is {size} characters as JSON; at most {MAX_DOCUMENT_CHARS}"
        )
        return report
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            report.errors.append(
                Finding("", f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
            )
            return report
        except RecursionError:
            report.errors.append(Finding("", "malformed JSON: nested too deeply"))
            return report
    if not isinstance(raw, dict):
        report.errors.append(Finding("", "a policy document must be a JSON object"))
        return report
    for key in raw:
        if key not in {"Version", "Statement", "Id"}:
            report.errors.append(
                Finding(
                    f"/{_escape(key)}",
                    f"unknown key '{key}'; a document has Version, Statement and Id",
                )
            )
    if raw.get("Version") != VERSION:
        report.errors.append(Finding("/Version", f'Version must be "{VERSION}"'))
    if "Statement" not in raw:
        report.errors.append(Finding("/Statement", "Statement is required"))
        return report
    statements_raw = raw["Statement"]
    single = isinstance(statements_raw, dict)
    items = [statements_raw] if single else statements_raw
    if not isinstance(items, list) or not items:
        report.errors.append(
            Finding("/Statement", "Statement must be an object or a non-empty list")
        )
        return report
    if len(items) > MAX_STATEMENTS:
        report.over_limit(
            "/Statement", f"the document has {len(items)} statements; at most {MAX_STATEMENTS}"
        )
        return report
    statements = []
    for index, item in enumerate(items):
        statement = _statement(
            item, index, "/Statement" if single else f"/Statement/{index}", report
        )
        if statement is not None:
            statements.append(statement)
    if not report.errors:
        report.document = Document(tuple(statements))
    return report


def normalize(raw: dict[str, Any]) -> dict[str, Any]:
    """The canonical form stored and returned: Statement a list, single values as lists."""
    statements = raw["Statement"] if isinstance(raw["Statement"], list) else [raw["Statement"]]
    canonical = []
    for statement in statements:
        item = {}
        for key in ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"):
            if key not in statement:
                continue
            value = statement[key]
            if key in {"Action", "NotAction", "Resource", "NotResource"} and isinstance(value, str):
                value = [value]
            if key == "Condition":
                value = {
                    op: {k: [v] if isinstance(v, str) else v for k, v in tests.items()}
                    for op, tests in value.items()
                }
            item[key] = value
        canonical.append(item)
    document: dict[str, Any] = {"Version": raw["Version"]}
    if "Id" in raw:
        document["Id"] = raw["Id"]
    document["Statement"] = canonical
    return document
