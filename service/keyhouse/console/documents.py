"""Policy documents as numbered lines, so that validation findings point at a line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Line:
    """One line of a pretty-printed document, the JSON pointer of what starts on it, findings."""

    number: int
    text: str
    pointer: str
    findings: list[str] = field(default_factory=list)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def numbered(document: Any) -> list[Line]:
    """``document`` as ``json.dumps(indent=2)`` prints it, each line tagged with its pointer."""
    lines: list[Line] = []

    def emit(text: str, pointer: str) -> None:
        lines.append(Line(len(lines) + 1, text, pointer))

    def walk(value: Any, pointer: str, indent: int, lead: str, trail: str) -> None:
        pad = " " * indent
        if isinstance(value, dict) and value:
            emit(f"{pad}{lead}{{", pointer)
            items = list(value.items())
            for index, (key, item) in enumerate(items):
                comma = "," if index < len(items) - 1 else ""
                walk(
                    item,
                    f"{pointer}/{_escape(str(key))}",
                    indent + 2,
                    f"{json.dumps(key)}: ",
                    comma,
                )
            emit(f"{pad}}}{trail}", pointer)
        elif isinstance(value, list) and value:
            emit(f"{pad}{lead}[", pointer)
            for index, item in enumerate(value):
                comma = "," if index < len(value) - 1 else ""
                walk(item, f"{pointer}/{index}", indent + 2, "", comma)
            emit(f"{pad}]{trail}", pointer)
        else:
            emit(f"{pad}{lead}{json.dumps(value)}{trail}", pointer)

    walk(document, "", 0, "", "")
    return lines


def pointed(document: Any, findings: list[dict[str, str]]) -> tuple[list[Line], list[str]]:
    """The numbered lines with each finding on the first line of what it points at.

    Findings whose pointer names nothing in the document (a missing member) go on
    the line of the nearest enclosing object; the second value lists them in words.
    """
    lines = numbered(document)
    words = []
    for finding in findings:
        pointer = finding.get("pointer", "")
        target = pointer
        while True:
            line = next((ln for ln in lines if ln.pointer == target), None)
            if line is not None or not target:
                break
            target = target.rsplit("/", 1)[0]
        line = line or lines[0]
        line.findings.append(finding.get("message", ""))
        words.append(f"line {line.number} ({pointer or '/'}): {finding.get('message', '')}")
    return lines, words
