"""The rules every request obeys, written into the OpenAPI document.

``api/json_body.py`` refuses control characters in every string of a body and
in every path and query parameter; those refusals are part of the contract, so
each such string in the document carries a pattern that says so (unless it has
a stricter pattern of its own), and a body value the service takes as free JSON
(a policy document to validate) is described as JSON whose strings and keys
hold none either. The patterns are built from the same character ranges the
service checks with.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from keyhouse.api.json_body import FORBIDDEN_IN_PARAMETERS, FORBIDDEN_IN_TEXT, MAX_NUMBER_DIGITS

CLEAN_JSON = "CleanJson"
"""The component naming any JSON value free of control characters."""


def _pattern(ranges: str) -> str:
    # JSON Schema patterns are ECMA-262: \\uXXXX escapes, which Python's re reads the same way.
    escaped = "".join(c if c == "-" else f"\\u{ord(c):04x}" for c in ranges)
    return f"^[^{escaped}]*$"


TEXT_PATTERN = _pattern(FORBIDDEN_IN_TEXT)
"""No NUL, control character (but tab, line feed and carriage return), DEL or C1 control."""
PARAMETER_PATTERN = _pattern(FORBIDDEN_IN_PARAMETERS)
"""No control character at all."""
_TEXT_RULE = (
    "No string of a request (body, path or query) may hold NUL, a control character "
    "(in a body: other than tab, line feed and carriage return) or an unpaired surrogate: "
    "a 422 naming the field. The patterns on request strings say the same."
)
# Integers of more than MAX_NUMBER_DIGITS digits are refused.
_INTEGER_BOUND = 10**MAX_NUMBER_DIGITS - 1


def _clean_json() -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{CLEAN_JSON}"}
    return {
        "title": CLEAN_JSON,
        "description": "Any JSON value whose strings and object keys hold no control "
        "characters (but tab and line breaks), nested at most 32 levels deep.",
        "anyOf": [
            {"type": "string", "pattern": TEXT_PATTERN},
            {"type": "integer", "minimum": -_INTEGER_BOUND, "maximum": _INTEGER_BOUND},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "null"},
            {"type": "array", "items": ref},
            {
                "type": "object",
                "propertyNames": {"pattern": TEXT_PATTERN},
                "additionalProperties": ref,
            },
        ],
    }


def _is_string(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "string" and not {"enum", "const", "pattern"} & schema.keys()


def _free(schema: dict[str, Any]) -> bool:
    """A schema that admits any JSON value, or any object's members."""
    keys = set(schema) - {"title", "description", "default", "examples"}
    return not keys or (schema.get("type") == "object" and "properties" not in schema)


def _constrain(schema: dict[str, Any], pattern: str) -> None:
    """Give every plain string of ``schema`` (in place, through every nesting) ``pattern``."""
    if _is_string(schema):
        schema["pattern"] = pattern
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for branch in schema.get(key, []):
            _constrain(branch, pattern)
    for key in ("items", "additionalProperties"):
        nested = schema.get(key)
        if isinstance(nested, dict):
            if _free(nested) and "$ref" not in nested and nested.get("type") != "object":
                schema[key] = {"$ref": f"#/components/schemas/{CLEAN_JSON}"}
            else:
                _constrain(nested, pattern)
        elif nested is True:
            schema[key] = {"$ref": f"#/components/schemas/{CLEAN_JSON}"}
    if schema.get("type") == "object" and schema.get("additionalProperties") is not False:
        # Members the model does not name are read (and checked) too.
        schema.setdefault("additionalProperties", {"$ref": f"#/components/schemas/{CLEAN_JSON}"})
        schema.setdefault("propertyNames", {"pattern": pattern})
    for name, prop in list(schema.get("properties", {}).items()):
        if "$ref" not in prop and _free(prop) and prop.get("type") != "object":
            schema["properties"][name] = {**prop, "$ref": f"#/components/schemas/{CLEAN_JSON}"}
        else:
            _constrain(prop, pattern)


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            yield ref.rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _request_components(document: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    """The components a request body can hold, through every reference."""
    pending = [
        name
        for item in document.get("paths", {}).values()
        for operation in item.values()
        if isinstance(operation, dict)
        for name in _refs(operation.get("requestBody", {}))
    ]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        pending.extend(_refs(schemas[name]))
    return seen


def publish(document: dict[str, Any]) -> None:
    """Write the request rules into ``document`` (in place)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in sorted(_request_components(document, schemas)):
        _constrain(schemas[name], TEXT_PATTERN)
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") in {"path", "query"}:
                    _constrain(parameter.get("schema", {}), PARAMETER_PATTERN)
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                inline = body.get("schema", {})
                if "$ref" not in inline:
                    _constrain(inline, TEXT_PATTERN)
    schemas[CLEAN_JSON] = _clean_json()
    info = document.setdefault("info", {})
    info["description"] = f"{info.get('description', '')}\n\n{_TEXT_RULE}".strip()
