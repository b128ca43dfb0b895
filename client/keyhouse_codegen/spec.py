"""Reading the OpenAPI document into the operations the templates render."""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")
# Reads. Anything else is retried only when it is a create or marked x-idempotent.
SAFE_METHODS = frozenset({"get", "head"})
IDEMPOTENCY_HEADER = "Idempotency-Key"
# The service marks each field that carries an API key or a secret value.
SENSITIVE = "x-sensitive"


GRAMMAR = "x-grammar"
# Schema keywords that only constrain an object whose members are already named:
# cross-field rules ("one owner, not both"), checked by the service, not typed.
_CROSS_FIELD = ("anyOf", "oneOf", "allOf")


def models_view(node: Any) -> Any:
    """The document as datamodel-code-generator should see it: types, not every rule.

    * an ``x-sensitive`` string is ``format: password`` (a ``SecretStr``);
    * an ``x-grammar`` schema (a policy document: the service checks it, the
      client sends a dict) is a plain object;
    * cross-field rules beside an object's properties are left out.
    """
    node = sensitive_as_password(node)
    return _typed_only(node)


def _typed_only(node: Any) -> Any:
    if isinstance(node, list):
        return [_typed_only(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get(GRAMMAR) is True:
        kept = {k: node[k] for k in ("title", "description") if k in node}
        return {**kept, "type": "object", "additionalProperties": True}
    copy = {name: _typed_only(value) for name, value in node.items()}
    if "properties" in copy:
        for keyword in _CROSS_FIELD:
            copy.pop(keyword, None)
    return copy


def sensitive_as_password(node: Any) -> Any:
    """A copy of an OpenAPI document in which every ``x-sensitive`` string is ``format: password``.

    datamodel-code-generator turns ``format: password`` into ``pydantic.SecretStr``,
    so the models keep keys and secret values out of reprs, str() and dumps.
    """
    if isinstance(node, list):
        return [sensitive_as_password(item) for item in node]
    if not isinstance(node, dict):
        return node
    copy = {name: sensitive_as_password(value) for name, value in node.items()}
    if copy.get(SENSITIVE) is True:
        # A nullable field (``str | None``) is an anyOf of a string and null.
        members = copy.get("anyOf", [copy])
        strings = [member for member in members if member.get("type") == "string"]
        others = [member for member in members if member.get("type") not in ("string", "null")]
        if not strings or others:
            raise ValueError(f"{SENSITIVE} is for string fields, not {copy.get('type')!r}")
        for member in strings:
            member["format"] = "password"
    return copy


@dataclass(frozen=True)
class Param:
    """One keyword argument of a generated method."""

    name: str  # the Python name
    wire_name: str  # the name on the wire
    location: str  # path | query | body
    annotation: str
    required: bool
    description: str = ""


@dataclass
class Operation:
    """One operation of the API, as a generated method."""

    tag: str
    name: str
    method: str
    path: str
    summary: str
    description: str
    params: list[Param]
    returns: str  # an annotation; "None" for no content
    response_model: str | None
    status: int
    errors: list[int]
    creates: bool  # takes an Idempotency-Key
    retryable: bool
    page_item: str | None = None  # set for paginated lists: the item model
    iterator_name: str | None = None

    @property
    def path_params(self) -> list[Param]:
        return [p for p in self.params if p.location == "path"]

    @property
    def query_params(self) -> list[Param]:
        return [p for p in self.params if p.location == "query"]

    @property
    def body_params(self) -> list[Param]:
        return [p for p in self.params if p.location == "body"]

    @property
    def iterator_params(self) -> list[Param]:
        return [p for p in self.params if p.name != "cursor"]


@dataclass
class Resource:
    """The operations of one tag: ``kh.<attribute>.<method>(...)``."""

    tag: str
    attribute: str
    class_name: str
    operations: list[Operation] = field(default_factory=list)

    def operation(self, name: str) -> Operation:
        """The operation called ``name`` (for the conveniences' templates)."""
        for operation in self.operations:
            if operation.name == name:
                return operation
        raise KeyError(f"tag {self.tag!r} has no operation {name!r}")


def python_name(name: str) -> str:
    """A valid, readable Python identifier for a wire name."""
    candidate = re.sub(r"\W", "_", name).strip("_").lower()
    return candidate + "_" if keyword.iskeyword(candidate) else candidate


def class_name(tag: str) -> str:
    """``api-keys`` -> ``ApiKeys``."""
    return "".join(part.capitalize() for part in re.split(r"[-_ ]", tag))


class SpecReader:
    """Turns an OpenAPI 3.1 document into resources and operations."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})

    def resources(self) -> list[Resource]:
        """Every tag's operations, in the document's order."""
        resources: dict[str, Resource] = {}
        for path, item in self.document["paths"].items():
            for method in METHODS:
                if method not in item:
                    continue
                operation = self._operation(path, method, item[method])
                resource = resources.setdefault(
                    operation.tag,
                    Resource(operation.tag, python_name(operation.tag), class_name(operation.tag)),
                )
                resource.operations.append(operation)
        return list(resources.values())

    def max_length(self, schema: str, prop: str) -> int:
        """The ``maxLength`` of property ``prop`` of the component schema ``schema``."""
        value = self._resolve(self.schemas[schema]["properties"][prop]).get("maxLength")
        if not isinstance(value, int):
            raise KeyError(f"{schema}.{prop} has no maxLength")
        return value

    def annotation(self, schema: dict[str, Any], _within: frozenset[str] = frozenset()) -> str:
        """The Python annotation for a schema (models are ``models.<Name>``).

        A schema that refers to itself (any JSON value) is ``Any`` where it recurs.
        """
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            target = self.schemas.get(name, {})
            if target.get("type") == "object" or "properties" in target:
                return f"models.{name}"
            if name in _within:
                return "Any"
            return self.annotation(target, _within | {name})
        if "anyOf" in schema:
            parts = [self.annotation(option, _within) for option in schema["anyOf"]]
            if "Any" in parts:
                return "Any"
            return " | ".join(dict.fromkeys(parts))
        if "enum" in schema:
            return "Literal[" + ", ".join(repr(value) for value in schema["enum"]) + "]"
        if "const" in schema:
            return f"Literal[{schema['const']!r}]"
        kind = schema.get("type")
        if kind == "string" and schema.get(SENSITIVE) is True:
            # An argument: plain text, or a SecretStr handed on from a response.
            return "str | SecretStr"
        if kind == "string":
            return "datetime" if schema.get("format") == "date-time" else "str"
        if kind == "integer":
            return "int"
        if kind == "number":
            return "float"
        if kind == "boolean":
            return "bool"
        if kind == "null":
            return "None"
        if kind == "array":
            return f"builtins.list[{self.annotation(schema.get('items', {}), _within)}]"
        if kind == "object":
            return "builtins.dict[str, Any]"
        return "Any"

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in schema:
            return self._resolve(self.schemas[schema["$ref"].rsplit("/", 1)[-1]])
        return schema

    def _operation(self, path: str, method: str, spec: dict[str, Any]) -> Operation:
        tag = spec["tags"][0]
        name = python_name(spec["operationId"].removeprefix(f"{tag}-"))
        params: list[Param] = []
        creates = False
        for parameter in spec.get("parameters", []):
            if parameter["in"] == "header":
                creates = creates or parameter["name"] == IDEMPOTENCY_HEADER
                continue
            params.append(
                Param(
                    name=python_name(parameter["name"]),
                    wire_name=parameter["name"],
                    location=parameter["in"],
                    annotation=self.annotation(parameter.get("schema", {})),
                    required=parameter.get("required", False),
                    description=parameter.get("description", ""),
                )
            )
        body = spec.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            schema = self._resolve(body["schema"])
            required = set(schema.get("required", []))
            for wire_name, prop in schema.get("properties", {}).items():
                params.append(
                    Param(
                        name=python_name(wire_name),
                        wire_name=wire_name,
                        location="body",
                        annotation=self.annotation(prop),
                        required=wire_name in required,
                        description=prop.get("description", ""),
                    )
                )
        # Required arguments first, as Python wants them.
        params.sort(key=lambda p: not p.required)
        status, returns, model = self._success(spec)
        errors = sorted(int(code) for code in spec["responses"] if code[0] in "45")
        retryable = method in SAFE_METHODS or creates or bool(spec.get("x-idempotent"))
        operation = Operation(
            tag=tag,
            name=name,
            method=method.upper(),
            path=path,
            summary=spec.get("summary", ""),
            description=spec.get("description", ""),
            params=params,
            returns=returns,
            response_model=model,
            status=status,
            errors=errors,
            creates=creates,
            retryable=retryable,
        )
        self._mark_pagination(operation)
        return operation

    def _success(self, spec: dict[str, Any]) -> tuple[int, str, str | None]:
        for code, response in spec["responses"].items():
            if not code.startswith("2"):
                continue
            content = response.get("content", {}).get("application/json")
            if content is None:
                return int(code), "None", None
            annotation = self.annotation(content["schema"])
            model = annotation.removeprefix("models.") if annotation.startswith("models.") else None
            return int(code), annotation, model
        raise ValueError(f"operation {spec['operationId']} documents no success response")

    def _mark_pagination(self, operation: Operation) -> None:
        if operation.response_model is None:
            return
        names = {p.name for p in operation.query_params}
        properties = self.schemas[operation.response_model].get("properties", {})
        if {"cursor", "limit"} <= names and {"data", "next_cursor"} <= set(properties):
            operation.page_item = self.annotation(properties["data"]["items"])
            operation.iterator_name = (
                "iter" if operation.name == "list" else operation.name.replace("list", "iter", 1)
            )
