"""``*`` and ``?`` patterns, compiled once."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=65536)
def compile_pattern(pattern: str, *, ignore_case: bool) -> re.Pattern[str]:
    """A regex matching ``pattern`` whole: ``*`` any run of characters, ``?`` exactly one."""
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def is_wildcard(pattern: str) -> bool:
    """Whether ``pattern`` holds a wildcard."""
    return "*" in pattern or "?" in pattern


def action_matches(pattern: str, action: str) -> bool:
    """Actions match case-insensitively (``Secrets:getsecretvalue`` is the same action)."""
    return compile_pattern(pattern, ignore_case=True).fullmatch(action) is not None


def resource_matches(pattern: str, resource: str) -> bool:
    """Resource names match case-sensitively."""
    if not is_wildcard(pattern):
        return pattern == resource
    return compile_pattern(pattern, ignore_case=False).fullmatch(resource) is not None
