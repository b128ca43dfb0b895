"""What the templates render: the schema's blocks as classes, attributes as arguments and getters.

Naming follows CDKTF's prebuilt provider packages: resources lose the provider
prefix (``keyhouse_api_key`` -> ``ApiKey``), data sources keep it behind
``Data`` (``DataKeyhouseSecret``), nested blocks are structs named after their
parent (``ApiKeyStoreInSecret``), and everything a user types is snake_case.
"""

from __future__ import annotations

import keyword
import textwrap
from dataclasses import dataclass
from typing import Any, Literal

from keyhouse_cdk_codegen.schema import ProviderSchema

Kind = Literal["provider", "resource", "data", "ephemeral"]

# Names the cdktf base classes (and the interfaces they implement) already use in
# Python. jsii treats a subclass member with one of these names as an override of
# the JavaScript member, so an attribute by that name would silently change how
# the construct synthesizes; the generator renames it instead.
RESERVED = frozenset(
    {
        "node",
        "fqn",
        "friendly_unique_id",
        "count",
        "depends_on",
        "for_each",
        "lifecycle",
        "provider",
        "provisioners",
        "connection",
        "terraform_resource_type",
        "terraform_generator_metadata",
        "terraform_meta_arguments",
        "terraform_provider_source",
        "cdktf_stack",
        "alias",
        "meta_attributes",
        "raw_overrides",
        "to_string",
        "to_terraform",
        "to_metadata",
        "with_",
    }
)

META_ARGUMENTS: dict[Kind, tuple[str, ...]] = {
    "provider": (),
    "resource": (
        "connection",
        "count",
        "depends_on",
        "for_each",
        "lifecycle",
        "provider",
        "provisioners",
    ),
    "data": ("count", "depends_on", "for_each", "lifecycle", "provider"),
    "ephemeral": ("count", "depends_on", "for_each", "lifecycle", "provider"),
}


def camel(snake: str) -> str:
    """``store_in_secret`` -> ``StoreInSecret``."""
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


def python_name(name: str) -> str:
    """A Python identifier for a Terraform attribute that collides with nothing."""
    if keyword.iskeyword(name) or name in RESERVED:
        return f"{name}_attribute"
    return name


def _is_primitive(spec: Any, name: str) -> bool:
    return bool(spec == name)


def _collection(spec: Any) -> tuple[str, str] | None:
    """``(mode, element)`` for a list, set or map of a primitive type; None otherwise."""
    if (
        isinstance(spec, list)
        and len(spec) == 2
        and spec[0] in ("list", "set", "map")
        and isinstance(spec[1], str)
    ):
        return spec[0], spec[1]
    return None


@dataclass(frozen=True)
class Attribute:
    """One attribute of a block."""

    name: str
    spec: Any
    description: str
    required: bool
    optional: bool
    computed: bool
    sensitive: bool
    write_only: bool = False

    @property
    def py_name(self) -> str:
        """The keyword argument's and the getter's name."""
        return python_name(self.name)

    @property
    def is_input(self) -> bool:
        """Set in configuration (required or optional)."""
        return self.required or self.optional

    @property
    def input_type(self) -> str:
        """The keyword argument's annotation (without ``| None``)."""
        spec = self.spec
        if _is_primitive(spec, "string"):
            return "str"
        if _is_primitive(spec, "number"):
            return "float"
        if _is_primitive(spec, "bool"):
            return "bool | cdktf.IResolvable"
        collection = _collection(spec)
        if collection is not None:
            mode, element = collection
            element_type = {"string": "str", "number": "float", "bool": "bool"}.get(element)
            if element_type is not None:
                if mode == "map":
                    return f"Mapping[str, {element_type}] | cdktf.IResolvable"
                return f"Sequence[{element_type}] | cdktf.IResolvable"
        return "Any"

    @property
    def getter(self) -> tuple[str, str]:
        """The base class method that makes the attribute's token, and its return type."""
        spec = self.spec
        if _is_primitive(spec, "string"):
            return "get_string_attribute", "str"
        if _is_primitive(spec, "number"):
            return "get_number_attribute", "float"
        if _is_primitive(spec, "bool"):
            return "get_boolean_attribute", "cdktf.IResolvable"
        collection = _collection(spec)
        if collection is not None:
            mode, element = collection
            if mode in ("list", "set") and element == "string":
                return "get_list_attribute", "list[str]"
            if mode in ("list", "set") and element == "number":
                return "get_number_list_attribute", "list[float]"
            if mode == "map" and element == "string":
                return "get_string_map_attribute", "dict[str, str]"
            if mode == "map" and element == "number":
                return "get_number_map_attribute", "dict[str, float]"
            if mode == "map" and element == "bool":
                return "get_boolean_map_attribute", "dict[str, bool]"
        return "interpolation_for_attribute", "cdktf.IResolvable"

    @property
    def hcl_shape(self) -> tuple[str, str]:
        """How CDKTF's HCL renderer should read the value: (type, storage class type)."""
        spec = self.spec
        scalar = {"string": "string", "number": "number", "bool": "boolean"}
        if isinstance(spec, str) and spec in scalar:
            return "simple", scalar[spec]
        collection = _collection(spec)
        if collection is not None and collection[1] in scalar:
            mode, element = collection
            return mode, scalar[element] + ("Map" if mode == "map" else "List")
        return "any", "any"

    @property
    def doc(self) -> str:
        """The argument's documentation: the schema's description, and a warning if sensitive."""
        text = self.description or "(No description in the schema.)"
        if self.write_only:
            text += (
                " Write-only: sent to the provider, never kept in the plan or the state"
                " (Terraform 1.11 or later)."
            )
        if self.sensitive:
            text += (
                " Sensitive: a literal value is written into the synthesized configuration,"
                " so pass a reference or a variable."
            )
        return text

    @property
    def getter_doc(self) -> str:
        """The getter's documentation."""
        text = self.description or "(No description in the schema.)"
        sensitive = " Sensitive." if self.sensitive else ""
        return f"{text}{sensitive}"


@dataclass(frozen=True)
class Block:
    """A nested block type, rendered as a frozen keyword-only dataclass (a struct)."""

    name: str
    class_name: str
    nesting: str
    description: str
    min_items: int
    max_items: int
    attributes: tuple[Attribute, ...]
    blocks: tuple[Block, ...]

    @property
    def py_name(self) -> str:
        """The keyword argument's name."""
        return python_name(self.name)

    @property
    def is_single(self) -> bool:
        """At most one (``single`` or ``group`` nesting)."""
        return self.nesting in ("single", "group")

    @property
    def required(self) -> bool:
        """The block must appear."""
        return self.min_items > 0

    @property
    def input_type(self) -> str:
        """The keyword argument's annotation (without ``| None``)."""
        if self.is_single:
            return self.class_name
        return f"Sequence[{self.class_name}]"

    @property
    def inputs(self) -> tuple[Attribute, ...]:
        """Attributes set in configuration: required ones first (dataclass field order)."""
        return _ordered(self.attributes)

    @property
    def hcl_shape(self) -> tuple[str, str]:
        """How CDKTF's HCL renderer should read the block: (type, storage class type)."""
        if self.is_single:
            return "struct", self.class_name
        return ("set" if self.nesting == "set" else "list"), self.class_name + "List"

    def structs(self) -> list[Block]:
        """This block and every block nested in it, innermost first."""
        found: list[Block] = []
        for child in self.blocks:
            found.extend(child.structs())
        found.append(self)
        return found


@dataclass(frozen=True)
class Element:
    """The provider, a resource or a data source: one construct class and its structs."""

    kind: Kind
    terraform_type: str
    class_name: str
    module: str
    description: str
    attributes: tuple[Attribute, ...]
    blocks: tuple[Block, ...]

    @property
    def inputs(self) -> tuple[Attribute, ...]:
        """Keyword arguments from attributes: required first, then optional, by name."""
        return _ordered(self.attributes)

    @property
    def outputs(self) -> tuple[Attribute, ...]:
        """Attributes that get a token getter (all but the provider's and write-only ones,
        which are always null once applied)."""
        if self.kind == "provider":
            return ()
        return tuple(a for a in self.attributes if not a.write_only)

    @property
    def write_only(self) -> tuple[str, ...]:
        """The Terraform names of the write-only arguments."""
        return tuple(a.name for a in self.inputs if a.write_only)

    @property
    def meta_arguments(self) -> tuple[str, ...]:
        """CDKTF's meta-arguments this kind of construct takes."""
        return META_ARGUMENTS[self.kind]

    @property
    def structs(self) -> list[Block]:
        """Every nested block's struct, innermost first."""
        found: list[Block] = []
        for block in self.blocks:
            found.extend(block.structs())
        return found

    @property
    def base(self) -> str:
        """The base class, as the generated module names it."""
        return {
            "provider": "cdktf.TerraformProvider",
            "resource": "cdktf.TerraformResource",
            "data": "cdktf.TerraformDataSource",
            # CDK Terrain's; with CDKTF, a class that says it needs CDK Terrain.
            "ephemeral": "_support.EphemeralResource",
        }[self.kind]

    @property
    def noun(self) -> str:
        """``provider``, ``resource``, ``data source`` or ``ephemeral resource``."""
        return {
            "provider": "provider",
            "resource": "resource",
            "data": "data source",
            "ephemeral": "ephemeral resource",
        }[self.kind]

    @property
    def label(self) -> str:
        """What it is, in a phrase: ``The keyhouse_api_key resource``."""
        return f"The ``{self.terraform_type}`` {self.noun}"

    @property
    def summary(self) -> str:
        """The line that ties the class to its Terraform name."""
        if self.kind == "provider":
            return (
                f"Configures the ``{self.terraform_type}`` provider (``provider "
                f'"{self.terraform_type}"``); add one to every stack that uses these constructs.'
            )
        prefix = {"resource": "", "data": "data.", "ephemeral": "ephemeral."}[self.kind]
        text = (
            f"Terraform {self.noun} ``{self.terraform_type}``; its getters return tokens that "
            f"synthesize to ``${{{prefix}{self.terraform_type}.<name>.<attribute>}}``."
        )
        if self.kind == "ephemeral":
            text += (
                " Read for one run and never kept in the plan or the state (Terraform 1.10 or "
                "later); it needs CDK Terrain (cdktn): CDKTF has no ephemeral blocks."
            )
        return text

    @property
    def init_summary(self) -> str:
        """The first line of the constructor's docstring."""
        if self.kind == "provider":
            return f"Configure the ``{self.terraform_type}`` provider in ``scope``."
        article = "an" if self.terraform_type[:1] in "aeiou" else "a"
        return f"Define {article} ``{self.terraform_type}`` in ``scope``."


def _ordered(attributes: tuple[Attribute, ...]) -> tuple[Attribute, ...]:
    inputs = [a for a in attributes if a.is_input]
    return tuple(sorted(inputs, key=lambda a: (not a.required, a.name)))


def _attributes(block: dict[str, Any]) -> tuple[Attribute, ...]:
    return tuple(
        Attribute(
            name=name,
            spec=body["type"],
            description=body.get("description", "").strip(),
            required=bool(body.get("required")),
            optional=bool(body.get("optional")),
            computed=bool(body.get("computed")),
            sensitive=bool(body.get("sensitive")),
            write_only=bool(body.get("write_only")),
        )
        for name, body in sorted(block.get("attributes", {}).items())
    )


def _blocks(block: dict[str, Any], parent: str) -> tuple[Block, ...]:
    found = []
    for name, body in sorted(block.get("block_types", {}).items()):
        class_name = parent + camel(name)
        inner = body["block"]
        found.append(
            Block(
                name=name,
                class_name=class_name,
                nesting=body["nesting_mode"],
                description=inner.get("description", "").strip(),
                min_items=int(body.get("min_items", 0)),
                max_items=int(body.get("max_items", 0)),
                attributes=_attributes(inner),
                blocks=_blocks(inner, class_name),
            )
        )
    return tuple(found)


def _element(kind: Kind, terraform_type: str, schema: dict[str, Any], prefix: str) -> Element:
    block = schema["block"]
    if kind == "provider":
        class_name, module = camel(terraform_type) + "Provider", "provider"
    elif kind == "resource":
        short = terraform_type.removeprefix(prefix + "_")
        class_name, module = camel(short), short
    elif kind == "ephemeral":
        class_name, module = "Ephemeral" + camel(terraform_type), "ephemeral_" + terraform_type
    else:
        class_name, module = "Data" + camel(terraform_type), "data_" + terraform_type
    element = Element(
        kind=kind,
        terraform_type=terraform_type,
        class_name=class_name,
        module=module,
        description=block.get("description", "").strip(),
        attributes=_attributes(block),
        blocks=_blocks(block, class_name),
    )
    _check_names(element)
    return element


def _check_names(element: Element) -> None:
    names = [a.py_name for a in element.attributes] + [b.py_name for b in element.blocks]
    if len(names) != len(set(names)):
        raise ValueError(f"{element.terraform_type}: two attributes map to one Python name")


def elements(schema: ProviderSchema) -> list[Element]:
    """The provider, then resources, data sources and ephemeral resources, each by type name."""
    document = schema.document
    found = [_element("provider", schema.name, document["provider"], schema.name)]
    for kind, key in (
        ("resource", "resource_schemas"),
        ("data", "data_source_schemas"),
        ("ephemeral", "ephemeral_resource_schemas"),
    ):
        for terraform_type, body in sorted(document.get(key, {}).items()):
            found.append(_element(kind, terraform_type, body, schema.name))  # type: ignore[arg-type]
    return found


def entry(name: str, text: str, indent: int, width: int = 96) -> str:
    """``name: text`` as one docstring entry (``Args:``, ``Attributes:``) at ``indent``."""
    pad = " " * indent
    flat = " ".join(text.replace('"""', "'''").replace("\\", "\\\\").split())
    return textwrap.fill(
        f"{name}: {flat}",
        width=width,
        initial_indent=pad,
        subsequent_indent=pad + "    ",
        break_long_words=False,
        break_on_hyphens=False,
    ).lstrip()


def docstring(text: str, indent: int, width: int = 96) -> str:
    """``text`` wrapped into docstring lines at ``indent`` (paragraphs kept)."""
    pad = " " * indent
    paragraphs = [p for p in text.replace('"""', "'''").replace("\\", "\\\\").split("\n\n")]
    wrapped = [
        textwrap.fill(
            " ".join(p.split()),
            width=width - indent,
            break_long_words=False,
            break_on_hyphens=False,
        )
        for p in paragraphs
        if p.strip()
    ]
    return ("\n\n").join(textwrap.indent(w, pad) for w in wrapped).lstrip()
