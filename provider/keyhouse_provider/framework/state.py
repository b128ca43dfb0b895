"""State shapes: normalising to a schema, planning defaults and unknowns, finding replacements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .schema import NO_DEFAULT, Attr, NestedBlock, Schema
from .tfcompat import Unknown

State = dict[str, Any]
"""A resource's values by attribute (and nested block) name."""

AttributePath = Sequence[str | tuple[str | int]]
"""Steps into a state: attribute names, and ``(index,)`` or ``(key,)`` for elements."""

Shape = Schema | NestedBlock


def normalize(shape: Shape, value: Any, *, strict: bool = False) -> Any:
    """``value`` with exactly the shape's attributes and blocks (missing ones null or empty).

    ``strict``: a key the shape does not have is a bug (in a value the provider
    made), not old state to drop.
    """
    if value is None or value is Unknown:
        return value
    if strict:
        extra = set(value) - {a.name for a in shape.attributes} - {b.name for b in shape.blocks}
        if extra:
            raise ValueError(f"values for attributes the schema does not have: {sorted(extra)}")
    out: State = {a.name: value.get(a.name) for a in shape.attributes}
    for block in shape.blocks:
        inner = value.get(block.name)
        if block.mode == "single":
            out[block.name] = normalize(block, inner, strict=strict)
        elif inner is Unknown:
            out[block.name] = inner
        else:
            out[block.name] = [normalize(block, item, strict=strict) for item in inner or ()]
    return out


def _element(values: Any, index: int) -> Any:
    if values is None or values is Unknown or index >= len(values):
        return None
    return values[index]


def plan_object(shape: Shape, prior: Any, proposed: State, config: Any) -> State:
    """The planned value of one object from Terraform's proposal.

    Computed attributes that the configuration leaves out become their default
    when they have one; otherwise unknown when the object is new, and their
    prior value when it exists already (Terraform's proposal holds that).
    """
    creating = prior is None
    planned = dict(proposed)
    for attribute in shape.attributes:
        if not attribute.computed:
            continue
        configured = None if config is None else config.get(attribute.name)
        if configured is not None:
            continue
        if attribute.default is not NO_DEFAULT:
            planned[attribute.name] = attribute.default
        elif creating:
            planned[attribute.name] = Unknown
    for block in shape.blocks:
        inner = proposed.get(block.name)
        prior_inner = None if prior is None else prior.get(block.name)
        config_inner = None if config is None else config.get(block.name)
        if inner is None or inner is Unknown:
            continue
        if block.mode == "single":
            planned[block.name] = plan_object(block, prior_inner, inner, config_inner)
        else:
            planned[block.name] = [
                plan_object(block, _element(prior_inner, i), item, _element(config_inner, i))
                for i, item in enumerate(inner)
            ]
    return planned


def plan_computed(schema: Schema, prior: State, planned: State, config: State) -> None:
    """Plan unknown (in place) each computed value that an update may change.

    A computed attribute the configuration leaves out, still planned at its prior
    value, becomes unknown when an input it follows (every input, unless the
    attribute says ``follows`` or ``stable``) is planned to change or is not known
    yet (attributes that replace the object on a change are left alone: an update
    never changes them). An input unknown now may turn out different at apply, and Terraform
    refuses an apply whose result differs from a value the plan called known
    ("Provider produced inconsistent final plan"). Values the resource planned
    itself (different from the prior one) are left as they are.
    """
    inputs = {a.name for a in schema.attributes if not a.read_only} | {
        b.name for b in schema.blocks
    }
    moved = changed(schema, prior, planned) & inputs
    if not moved:
        return
    for attribute in schema.attributes:
        name = attribute.name
        # Defaults are planned as such; a change of a replace attribute makes a new
        # object, not an update.
        if not attribute.computed or attribute.stable or attribute.replace:
            continue
        if attribute.default is not NO_DEFAULT:
            continue
        if config.get(name) is not None:
            continue
        if not attribute_equal(attribute, prior.get(name), planned.get(name)):
            continue
        follows = inputs if attribute.follows is None else set(attribute.follows)
        if moved & follows:
            planned[name] = Unknown


def attribute_equal(attribute: Attr, a: Any, b: Any) -> bool:
    """Whether an attribute holds the same value in two states."""
    if a is None or b is None:
        return a is b
    return bool(attribute.type.equal(a, b))


def object_equal(shape: Shape, a: Any, b: Any) -> bool:
    """Whether two values of an object (a state or a nested block) are the same."""
    if a is None or b is None:
        return a is b
    if a is Unknown or b is Unknown:
        return False
    return all(attribute_equal(x, a.get(x.name), b.get(x.name)) for x in shape.attributes) and all(
        object_equal_block(block, a.get(block.name), b.get(block.name)) for block in shape.blocks
    )


def replace_paths(schema: Schema, prior: State, planned: State) -> list[AttributePath]:
    """Paths of the changed attributes and blocks whose change needs a new object."""
    paths: list[AttributePath] = []
    for attribute in schema.attributes:
        name = attribute.name
        if attribute.replace and not attribute_equal(attribute, prior[name], planned[name]):
            paths.append([name])
    for block in schema.blocks:
        if block.replace and not object_equal_block(block, prior[block.name], planned[block.name]):
            paths.append([block.name])
    return paths


def object_equal_block(block: NestedBlock, a: Any, b: Any) -> bool:
    """Whether a nested block (single, or the whole list) holds the same value in two states."""
    if block.mode == "single":
        return object_equal(block, a, b)
    if a is Unknown or b is Unknown:
        return False
    left, right = a or [], b or []
    return len(left) == len(right) and all(
        object_equal(block, x, y) for x, y in zip(left, right, strict=True)
    )


def changed(schema: Schema, prior: State, planned: State) -> set[str]:
    """Names of the attributes and blocks whose planned value differs from the prior one."""
    names = {
        a.name
        for a in schema.attributes
        if not attribute_equal(a, prior.get(a.name), planned.get(a.name))
    }
    names |= {
        b.name
        for b in schema.blocks
        if not object_equal_block(b, prior.get(b.name), planned.get(b.name))
    }
    return names


def without_write_only(shape: Shape, value: Any) -> Any:
    """``value`` with every write-only attribute null, as Terraform wants it back from
    plans, applies, refreshes and imports ("Provider produced invalid plan" otherwise)."""
    return _write_only(shape, value, None)


def with_write_only(shape: Shape, value: Any, config: Any) -> Any:
    """``value`` with each write-only attribute taken from ``config``: what the
    resource writes at apply, where the plan holds null."""
    return _write_only(shape, value, config)


def _write_only(shape: Shape, value: Any, config: Any) -> Any:
    if value is None or value is Unknown:
        return value
    out = dict(value)
    for attribute in shape.attributes:
        if attribute.write_only:
            out[attribute.name] = None if config is None else config.get(attribute.name)
    for block in shape.blocks:
        inner = out.get(block.name)
        inner_config = None if config is None else config.get(block.name)
        if block.mode == "single":
            out[block.name] = _write_only(block, inner, inner_config)
        elif isinstance(inner, list):
            out[block.name] = [
                _write_only(block, item, _element(inner_config, i)) for i, item in enumerate(inner)
            ]
    return out


def write_only_set(shape: Shape, config: Any, where: AttributePath = ()) -> list[AttributePath]:
    """Paths of the write-only attributes that ``config`` sets."""
    if config is None or config is Unknown:
        return []
    found: list[AttributePath] = [
        [*where, a.name]
        for a in shape.attributes
        if a.write_only and config.get(a.name) is not None
    ]
    for block in shape.blocks:
        inner = config.get(block.name)
        if block.mode == "single":
            found += write_only_set(block, inner, [*where, block.name])
        elif isinstance(inner, list):
            for i, item in enumerate(inner):
                found += write_only_set(block, item, [*where, block.name, (i,)])
    return found
