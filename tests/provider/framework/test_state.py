"""State shapes: normalising, planning defaults and unknowns, replacements."""

from __future__ import annotations

from typing import Any

import pytest

from keyhouse_provider.framework.schema import Attr, NestedBlock, Schema
from keyhouse_provider.framework.state import normalize, plan_computed, plan_object, replace_paths
from keyhouse_provider.framework.tfcompat import Unknown
from keyhouse_provider.framework.types import NUMBER, STRING, SetOf

BLOCK = NestedBlock(
    "inner",
    "single",
    "a block",
    (
        Attr("name", STRING, "n", required=True),
        Attr("kind", STRING, "k", optional=True, computed=True),
    ),
    replace=True,
)
SCHEMA = Schema(
    "s",
    (
        Attr("id", STRING, "id", computed=True),
        Attr("name", STRING, "name", required=True, replace=True),
        Attr("tags", SetOf(STRING), "tags", optional=True),
        Attr("mode", STRING, "mode", optional=True, computed=True, default="fast"),
        Attr("size", NUMBER, "size", optional=True, computed=True),
    ),
    (BLOCK,),
)


def test_normalize_fills_missing_attributes_and_drops_unknown_ones() -> None:
    assert normalize(SCHEMA, {"name": "a", "gone": 1}) == {
        "id": None,
        "name": "a",
        "tags": None,
        "mode": None,
        "size": None,
        "inner": None,
    }
    with pytest.raises(ValueError, match="gone"):
        normalize(SCHEMA, {"name": "a", "gone": 1}, strict=True)


def test_a_create_plans_unknowns_and_defaults() -> None:
    config = normalize(SCHEMA, {"name": "a", "inner": {"name": "x"}})
    planned = plan_object(SCHEMA, None, config, config)
    assert planned["id"] is Unknown
    assert planned["size"] is Unknown
    assert planned["mode"] == "fast"
    assert planned["inner"] == {"name": "x", "kind": Unknown}


def test_an_update_keeps_computed_values_and_applies_defaults() -> None:
    prior = {"id": "1", "name": "a", "tags": None, "mode": "slow", "size": 3, "inner": None}
    config = normalize(SCHEMA, {"name": "a"})
    proposed = {**config, "id": "1", "mode": "slow", "size": 3}  # as Terraform proposes
    planned = plan_object(SCHEMA, prior, proposed, config)
    assert planned == {**prior, "mode": "fast"}


def test_replacements_come_from_changed_replace_attributes_and_blocks() -> None:
    prior = {
        "id": "1",
        "name": "a",
        "tags": ["x", "y"],
        "mode": "fast",
        "size": 1,
        "inner": {"name": "n", "kind": "k"},
    }
    assert replace_paths(SCHEMA, prior, {**prior, "tags": ["y", "x"], "size": 2}) == []
    assert replace_paths(SCHEMA, prior, {**prior, "name": "b"}) == [["name"]]
    assert replace_paths(SCHEMA, prior, {**prior, "name": Unknown}) == [["name"]]
    moved = {**prior, "inner": {"name": "m", "kind": "k"}}
    assert replace_paths(SCHEMA, prior, moved) == [["inner"]]
    assert replace_paths(SCHEMA, prior, {**prior, "inner": None}) == [["inner"]]


def test_attributes_need_a_description_and_a_mode() -> None:
    with pytest.raises(ValueError, match="description"):
        Attr("x", STRING, "", required=True)
    with pytest.raises(ValueError, match="required, or optional"):
        Attr("x", STRING, "x")
    with pytest.raises(ValueError, match="default"):
        Attr("x", STRING, "x", optional=True, default="d")


VERSIONED = Schema(
    "versioned",
    (
        Attr("id", STRING, "id", computed=True, stable=True),
        Attr("name", STRING, "name", required=True, replace=True),
        Attr("value", STRING, "value", required=True),
        Attr("note", STRING, "note", optional=True),
        Attr("version", NUMBER, "version", computed=True, follows=("value",)),
        Attr("digest", STRING, "digest", computed=True),
        Attr("owner", STRING, "owner", optional=True, computed=True, replace=True),
        Attr("mode", STRING, "mode", optional=True, computed=True, default="fast"),
    ),
)
PRIOR: dict[str, Any] = {
    "id": "1",
    "name": "a",
    "value": "v1",
    "note": None,
    "version": 1,
    "digest": "d1",
    "owner": "me",
    "mode": "fast",
}


def _config(**changes: Any) -> dict[str, Any]:
    """The configuration of ``PRIOR``: computed values left out."""
    computed = dict.fromkeys(("id", "version", "digest", "owner", "mode"))
    return {**PRIOR, **computed, **changes}


def _update(**changes: Any) -> dict[str, Any]:
    config = _config(**changes)
    planned = plan_object(VERSIONED, PRIOR, {**PRIOR, **changes}, config)
    plan_computed(VERSIONED, PRIOR, planned, config)
    return planned


def test_an_input_not_known_yet_makes_what_follows_it_unknown() -> None:
    # The bug this prevents: a policy whose document comes from a secret being
    # replaced planned its old version, then got a new one at apply.
    planned = _update(value=Unknown)
    assert planned["version"] is Unknown
    assert planned["digest"] is Unknown  # follows every input: it may change too
    assert (planned["id"], planned["owner"], planned["mode"]) == ("1", "me", "fast")


def test_a_change_makes_only_what_follows_it_unknown() -> None:
    planned = _update(note="n")
    assert planned["version"] == 1  # follows the value only
    assert planned["digest"] is Unknown
    assert _update(value="v2")["version"] is Unknown


def test_no_change_keeps_every_computed_value() -> None:
    assert _update() == PRIOR


def test_a_value_the_resource_planned_is_left_alone() -> None:
    config = _config()
    planned = {**PRIOR, "value": "v2", "version": 2}
    plan_computed(VERSIONED, PRIOR, planned, config)
    assert planned["version"] == 2


def test_only_computed_attributes_follow_inputs_that_exist() -> None:
    with pytest.raises(ValueError, match="only computed"):
        Attr("x", STRING, "x", optional=True, stable=True)
    with pytest.raises(ValueError, match="not both"):
        Attr("x", STRING, "x", computed=True, stable=True, follows=())
    with pytest.raises(ValueError, match="not inputs"):
        Schema("s", (Attr("x", STRING, "x", computed=True, follows=("nothing",)),))
