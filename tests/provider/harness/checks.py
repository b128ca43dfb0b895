"""Assertions shared by the in-process tests."""

from __future__ import annotations

from typing import Any

from keyhouse_provider.framework.tfcompat import Unknown
from tests.provider.harness.inprocess import Harness, Plan

State = dict[str, Any]


def assert_no_changes(harness: Harness, type_name: str, state: State, config: State) -> Plan:
    """Planning ``config`` over ``state`` changes nothing (what ``terraform plan`` calls
    "No changes")."""
    plan = harness.plan(type_name, state, config)
    assert not plan.errors, plan.errors
    assert not plan.replace, f"unexpected replacement for {plan.replace}"
    assert plan.planned is not None
    different = {
        name
        for name, value in plan.planned.items()
        if value is Unknown or not _equal(value, state.get(name))
    }
    assert not different, f"planned changes to {sorted(different)}"
    return plan


def changed_attributes(plan: Plan) -> set[str]:
    """Attributes a plan changes (unknown counts as changed)."""
    assert plan.prior is not None
    assert plan.planned is not None
    prior = plan.prior
    return {
        name
        for name, value in plan.planned.items()
        if value is Unknown or not _equal(value, prior.get(name))
    }


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list) and all(isinstance(x, str) for x in a + b):
        return sorted(a) == sorted(b)
    return bool(a == b)
