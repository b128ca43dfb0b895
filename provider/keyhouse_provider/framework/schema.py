"""Schemas: attributes and nested blocks, with replacement and defaults, and their protocol form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .tfcompat import Unknown, pb
from .types import Type


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()
"""An optional and computed attribute without a default keeps its value when left out."""


@dataclass(frozen=True)
class Attr:
    """One attribute.

    ``replace``: a change plans a replacement. ``default`` (optional and computed
    attributes only): the planned value whenever the configuration leaves the
    attribute out, on create and on update alike.

    A computed attribute the configuration leaves out is planned unknown on an
    update whenever an input it may depend on changes or is not known yet (see
    ``state.plan_computed``): by default every input; ``follows`` names the
    inputs it depends on; ``stable`` says no in-place update changes it (an id,
    a creation time), so it keeps its value.

    ``write_only`` (protocol 6.8, managed resources): Terraform sends the configured
    value, and keeps it out of plans and state. Resources find it in ``planned`` when
    they create or update, and the framework answers it as null everywhere else.
    """

    name: str
    type: Type
    description: str
    required: bool = False
    optional: bool = False
    computed: bool = False
    sensitive: bool = False
    replace: bool = False
    default: Any = NO_DEFAULT
    stable: bool = False
    follows: tuple[str, ...] | None = None
    write_only: bool = False

    def __post_init__(self) -> None:
        modes = (self.required, self.optional or self.computed)
        if modes.count(True) != 1:
            raise ValueError(f"{self.name}: required, or optional and/or computed")
        if self.default is not NO_DEFAULT and not (self.optional and self.computed):
            raise ValueError(f"{self.name}: only optional computed attributes take a default")
        if not self.description:
            raise ValueError(f"{self.name}: every attribute needs a description")
        if (self.stable or self.follows is not None) and not self.computed:
            raise ValueError(f"{self.name}: only computed attributes are stable or follow inputs")
        if self.stable and self.follows is not None:
            raise ValueError(f"{self.name}: stable, or follows inputs, not both")
        if self.write_only and (self.computed or self.replace):
            # Never in state: nothing to compute, nothing to compare for a replacement.
            raise ValueError(f"{self.name}: a write-only attribute is neither computed nor replace")

    @property
    def read_only(self) -> bool:
        """Computed and never set in configuration."""
        return self.computed and not self.optional

    def to_pb(self) -> Any:
        """The protocol's ``Schema.Attribute``."""
        return pb.Schema.Attribute(
            name=self.name,
            type=self.type.tf_type(),
            description=self.description,
            description_kind=pb.StringKind.MARKDOWN,
            required=self.required,
            optional=self.optional,
            computed=self.computed,
            sensitive=self.sensitive,
            write_only=self.write_only,
        )


@dataclass(frozen=True)
class NestedBlock:
    """A nested block: ``single`` (at most one) or ``list`` (ordered, repeatable)."""

    name: str
    mode: Literal["single", "list"]
    description: str
    attributes: tuple[Attr, ...]
    blocks: tuple[NestedBlock, ...] = ()
    replace: bool = False
    min_items: int = 0
    max_items: int = 0

    def to_pb(self) -> Any:
        """The protocol's ``Schema.NestedBlock``."""
        nesting = pb.Schema.NestedBlock.NestingMode
        return pb.Schema.NestedBlock(
            type_name=self.name,
            block=_block_pb(self.description, self.attributes, self.blocks),
            nesting=nesting.SINGLE if self.mode == "single" else nesting.LIST,
            min_items=self.min_items,
            max_items=self.max_items,
        )

    @property
    def attribute_map(self) -> dict[str, Attr]:
        """Attributes by name."""
        return {a.name: a for a in self.attributes}


@dataclass(frozen=True)
class Schema:
    """A resource's, data source's or the provider's schema."""

    description: str
    attributes: tuple[Attr, ...]
    blocks: tuple[NestedBlock, ...] = ()
    version: int = 0
    _by_name: dict[str, Attr] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({a.name: a for a in self.attributes})
        names = [a.name for a in self.attributes] + [b.name for b in self.blocks]
        if len(names) != len(set(names)):
            raise ValueError("attribute and block names must be unique")
        inputs = {a.name for a in self.attributes if not a.read_only} | {
            b.name for b in self.blocks
        }
        for attribute in self.attributes:
            unknown = set(attribute.follows or ()) - inputs
            if unknown:
                raise ValueError(f"{attribute.name} follows {sorted(unknown)}: not inputs")

    def attribute(self, name: str) -> Attr:
        """The attribute called ``name``."""
        return self._by_name[name]

    def to_pb(self) -> Any:
        """The protocol's ``Schema``."""
        return pb.Schema(
            version=self.version,
            block=_block_pb(self.description, self.attributes, self.blocks),
        )


def _block_pb(
    description: str, attributes: tuple[Attr, ...], blocks: tuple[NestedBlock, ...]
) -> Any:
    return pb.Schema.Block(
        attributes=[a.to_pb() for a in attributes],
        block_types=[b.to_pb() for b in blocks],
        description=description,
        description_kind=pb.StringKind.MARKDOWN,
    )


def unknown_or(value: Any, fallback: Any) -> Any:
    """``fallback`` when ``value`` is unknown."""
    return fallback if value is Unknown else value
