"""State shapes: normalising, planning defaults and unknowns, replacements."""

from __future__ import annotations

import pytest

from keyhouse_provider.framework.schema import Attr, NestedBlock, Schema
from keyhouse_provider.framework.state import normalize, plan_object, replace_paths
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
