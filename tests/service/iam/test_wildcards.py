"""Wildcard matching: the same answers as a glob, without backtracking."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keyhouse.iam.wildcards import action_matches, compile_pattern, resource_matches


def reference(pattern: str, subject: str) -> bool:
    """The plain definition: a regex with ``.*`` and ``.`` (fine on tiny inputs)."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, subject, re.DOTALL) is not None


ALPHABET = st.sampled_from("ab*?:/")


@settings(max_examples=2000, deadline=None)
@given(st.text(ALPHABET, max_size=10), st.text(st.sampled_from("ab:/*?"), max_size=12))
def test_matches_like_the_plain_definition(pattern: str, subject: str) -> None:
    assert compile_pattern(pattern, ignore_case=False).matches(subject) is reference(
        pattern, subject
    )


CASES = [
    ("", "", True),
    ("", "a", False),
    ("*", "", True),
    ("a*", "a", True),
    ("*a", "ba", True),
    ("*a", "ab", False),
    ("a*b*c", "abc", True),
    ("a*b*c", "acb", False),
    ("a?c", "abc", True),
    ("a?c", "ac", False),
    ("*?*", "", False),
    ("*ab?*ba*", "xxab-yyba", True),
    ("*ab?*ba*", "xxabba", False),
    ("a**b", "ab", True),
]


@pytest.mark.parametrize(("pattern", "subject", "expected"), CASES)
def test_edges(pattern: str, subject: str, expected: bool) -> None:
    assert compile_pattern(pattern, ignore_case=False).matches(subject) is expected


def test_actions_ignore_case_and_resources_do_not() -> None:
    assert action_matches("SECRETS:get*", "secrets:GetSecretValue")
    assert not resource_matches("khrn:role:DBX*", "khrn:role:dbx")
    assert resource_matches("khrn:role:dbx", "khrn:role:dbx")


def test_patterns_that_make_a_backtracking_regex_explode_are_answered() -> None:
    # With a regex of .* per star these take longer than the universe's age;
    # here each is a handful of scans of the subject.
    subject = "secrets:" + "a" * 5000
    assert not action_matches("*:" + "*" * 5000 + "X", subject)
    assert not action_matches("*a" * 60 + "*b", subject)
    assert action_matches("*a" * 60 + "*", subject)
    assert not resource_matches("khrn:*" + "?*" * 600 + "!", "khrn:" + "x" * 5000)
