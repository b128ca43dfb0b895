"""Evaluation: an explicit Deny wins; otherwise any Allow grants; otherwise deny.

Policies are compiled once per set (per principal and generation): statements
are indexed by the actions they cover, so a decision looks only at the
statements that can apply to its action.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from keyhouse.iam.actions import ACTIONS_LOWER
from keyhouse.iam.conditions import Context, all_hold
from keyhouse.iam.document import Document, Statement
from keyhouse.iam.wildcards import Wildcard, action_matches, compile_pattern, is_wildcard

Outcome = Literal["allowed", "explicit_deny", "implicit_deny"]


@dataclass(frozen=True)
class PolicySource:
    """A policy as evaluated: its name, its khrn, its parsed document."""

    name: str
    arn: str
    document: Document
    managed: bool = False


@dataclass(frozen=True)
class Decider:
    """A statement that took part in a decision."""

    policy: str
    sid: str | None
    index: int
    effect: str


@dataclass(frozen=True)
class Decision:
    """The answer to "may this principal do this action to this resource?"."""

    outcome: Outcome
    statements: tuple[Decider, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.outcome == "allowed"


def _resource_test(pattern: str) -> tuple[str, Wildcard | None]:
    """A pattern as (literal prefix, matcher or None when the prefix test is the whole test).

    Most resource patterns are a literal followed by one trailing ``*``
    (``khrn:secret:project/fs/*``): ``startswith`` decides those, and the
    prefix turns away most other resources before the matcher runs.
    """
    cut = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0), default=len(pattern))
    prefix = pattern[:cut]
    if pattern == prefix + "*":
        return prefix, None
    return prefix, compile_pattern(pattern, ignore_case=False)


class _Entry:
    """One statement, compiled."""

    __slots__ = ("conditions", "decider", "deny", "exact", "not_resource", "patterns", "statement")

    def __init__(self, source: PolicySource, statement: Statement) -> None:
        self.statement = statement
        self.deny = statement.effect == "Deny"
        self.not_resource = statement.not_resource
        self.exact = frozenset(r for r in statement.resources if not is_wildcard(r))
        self.patterns = tuple(_resource_test(r) for r in statement.resources if is_wildcard(r))
        self.conditions = statement.conditions
        self.decider = Decider(source.name, statement.sid, statement.index, statement.effect)

    def covers_action(self, action: str) -> bool:
        hit = any(action_matches(pattern, action) for pattern in self.statement.actions)
        return hit != self.statement.not_action

    def covers_resource(self, resource: str) -> bool:
        hit = resource in self.exact
        if not hit:
            for prefix, matcher in self.patterns:
                if resource.startswith(prefix) and (matcher is None or matcher.matches(resource)):
                    hit = True
                    break
        return hit != self.not_resource


class CompiledPolicies:
    """A principal's policies, ready to decide."""

    def __init__(self, sources: Sequence[PolicySource]) -> None:
        self.sources = tuple(sources)
        self._entries = [_Entry(s, st) for s in sources for st in s.document.statements]
        self._by_action: dict[str, tuple[_Entry, ...]] = {}

    def _candidates(self, action: str) -> tuple[_Entry, ...]:
        key = action.lower()
        found = self._by_action.get(key)
        if found is None:
            canonical = ACTIONS_LOWER.get(key, action)
            found = tuple(e for e in self._entries if e.covers_action(canonical))
            self._by_action[key] = found
        return found

    def context_keys(self, action: str) -> frozenset[str]:
        """The context keys any statement for ``action`` tests (for decision caching)."""
        return frozenset(c.key for e in self._candidates(action) for c in e.conditions)

    def evaluate(self, action: str, resource: str, context: Context) -> Decision:
        """Decide ``action`` on ``resource`` in ``context``; statement order never matters."""
        allows: list[Decider] = []
        denies: list[Decider] = []
        for entry in self._candidates(action):
            if not entry.covers_resource(resource):
                continue
            if entry.conditions and not all_hold(entry.conditions, context):
                continue
            (denies if entry.deny else allows).append(entry.decider)
        if denies:
            return Decision("explicit_deny", tuple(denies))
        if allows:
            return Decision("allowed", tuple(allows))
        return Decision("implicit_deny")
