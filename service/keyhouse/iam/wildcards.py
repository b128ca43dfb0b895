"""``*`` and ``?`` patterns, matched without backtracking.

A regular expression built from a pattern (``*`` as ``.*``) backtracks: with
k stars a failing match tries on the order of n^k ways to split the subject,
and ``*:*************X`` took seconds. Here a pattern is cut at its stars into
literal segments (``?`` stands for any one character inside a segment):

* the first segment must match at the start and the last at the end;
* each segment in between is taken at its leftmost occurrence after the one
  before it. A star can absorb anything, so a leftmost choice never has to be
  undone, and no position of the subject is looked at twice for one segment.

A segment without ``?`` is found with ``str.find`` (linear in the subject), one
with ``?`` by a regular expression without repetition (at most its own length
of work per position). Runs of stars are one star. The cost of a match is
bounded by the lengths of the pattern and the subject, whatever the pattern;
the policy document's limits (see ``iam.document``) bound both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class _Segment:
    """A run of the pattern between stars: literal text with ``?`` for any one character."""

    text: str
    any_char: re.Pattern[str] | None  # set when the segment holds a '?'

    @classmethod
    def of(cls, text: str) -> _Segment:
        if "?" not in text:
            return cls(text, None)
        regex = "".join("." if char == "?" else re.escape(char) for char in text)
        return cls(text, re.compile(regex, re.DOTALL))

    def at(self, subject: str, position: int) -> bool:
        """Whether the segment matches ``subject`` at ``position`` (the subject fits)."""
        if self.any_char is None:
            return subject.startswith(self.text, position)
        return self.any_char.match(subject, position) is not None

    def find(self, subject: str, start: int, end: int) -> int:
        """Where the segment first occurs wholly inside ``subject[start:end]``, or -1."""
        if self.any_char is None:
            return subject.find(self.text, start, end)
        found = self.any_char.search(subject, start, end)
        return -1 if found is None else found.start()


@dataclass(frozen=True, slots=True)
class Wildcard:
    """A compiled pattern; ``matches`` tests a whole subject."""

    pattern: str
    ignore_case: bool
    head: _Segment
    middle: tuple[_Segment, ...]
    tail: _Segment | None  # None: the pattern has no star, the head is all of it
    min_length: int

    def matches(self, subject: str) -> bool:
        """Whether ``subject`` matches the pattern as a whole."""
        if self.ignore_case:
            subject = subject.lower()
        length = len(subject)
        head, tail = self.head, self.tail
        if tail is None:
            return length == self.min_length and head.at(subject, 0)
        if length < self.min_length:
            return False
        # Literal ends (the common case) are tested in place: this runs per statement.
        if head.any_char is None:
            if not subject.startswith(head.text):
                return False
        elif head.any_char.match(subject) is None:
            return False
        end = length - len(tail.text)
        if tail.any_char is None:
            if not subject.endswith(tail.text):
                return False
        elif tail.any_char.match(subject, end) is None:
            return False
        position = len(head.text)
        for segment in self.middle:
            found = segment.find(subject, position, end)
            if found < 0:
                return False
            position = found + len(segment.text)
        return True


def min_length(pattern: str) -> int:
    """The shortest subject ``pattern`` can match: its characters but the stars."""
    return len(pattern) - pattern.count("*")


@lru_cache(maxsize=16384)
def compile_pattern(pattern: str, *, ignore_case: bool) -> Wildcard:
    """``pattern`` compiled: ``*`` any run of characters, ``?`` exactly one."""
    # Case is ignored by lowering both sides, the pattern here and the subject in matches.
    text = pattern.lower() if ignore_case else pattern
    parts = text.split("*")
    head = _Segment.of(parts[0])
    if len(parts) == 1:
        return Wildcard(pattern, ignore_case, head, (), None, len(text))
    # Empty parts between stars are runs of stars: one star does the same.
    middle = tuple(_Segment.of(part) for part in parts[1:-1] if part)
    tail = _Segment.of(parts[-1])
    return Wildcard(pattern, ignore_case, head, middle, tail, min_length(text))


def is_wildcard(pattern: str) -> bool:
    """Whether ``pattern`` holds a wildcard."""
    return "*" in pattern or "?" in pattern


def action_matches(pattern: str, action: str) -> bool:
    """Actions match case-insensitively (``Secrets:getsecretvalue`` is the same action)."""
    return compile_pattern(pattern, ignore_case=True).matches(action)


def resource_matches(pattern: str, resource: str) -> bool:
    """Resource names match case-sensitively."""
    if not is_wildcard(pattern):
        return pattern == resource
    return compile_pattern(pattern, ignore_case=False).matches(resource)
