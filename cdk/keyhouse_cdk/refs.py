"""Projects, roles and users given as a construct or by name, and the ordering either implies.

A construct's ``name`` getter is a reference (``${keyhouse_project.Fs.name}``), so
whatever uses it waits for it. A name given as a string creates no reference;
when the same stack defines the project, role or user of that name (before or
after, in any order), the resource that names it is made to depend on it when
the app synthesizes, so Terraform never creates a secret before its project.
"""

from __future__ import annotations

from dataclasses import dataclass

import constructs
import jsii

from keyhouse_cdk import l1
from keyhouse_cdk.l1._support import cdktf, given
from keyhouse_cdk.props import check_identifier

ProjectRef = str | l1.Project
"""A project: its ``Project`` construct, or its name."""
RoleRef = str | l1.Role
"""A role: its ``Role`` construct, or its name."""
UserRef = str | l1.User
"""A user: its ``User`` construct, or its name."""

_Named = type[l1.Project] | type[l1.Role] | type[l1.User]


def name_of(value: ProjectRef | RoleRef | UserRef) -> str:
    """The name to configure: a reference for a construct, the string itself otherwise."""
    return value if isinstance(value, str) else value.name


def literal_name(value: ProjectRef | RoleRef | UserRef) -> str | None:
    """The name as known at synth time (None when it is only known when Terraform runs)."""
    if isinstance(value, str):
        return None if "${" in value else value
    found = given(value, "name")
    return found if isinstance(found, str) and "${" not in found else None


def check_ref(where: str, prop: str, value: ProjectRef | RoleRef | UserRef | None) -> None:
    """Check a name given as a construct or a string, where it is known at synth time."""
    literal = None if value is None else literal_name(value)
    if literal is not None:
        check_identifier(where, prop, literal)


@dataclass(frozen=True)
class _Need:
    resource: cdktf.TerraformResource
    kind: _Named
    name: str


@jsii.implements(cdktf.IAspect)
class _NamedDependencies:
    """Adds ``depends_on`` from resources to the same-stack constructs they name."""

    def __init__(self) -> None:
        self.needs: list[_Need] = []

    def visit(self, node: constructs.IConstruct) -> None:
        if not cdktf.TerraformStack.is_stack(node):
            return
        named: dict[tuple[_Named, str], cdktf.TerraformResource] = {}
        for child in node.node.find_all():
            for kind in (l1.Project, l1.Role, l1.User):
                if isinstance(child, kind):
                    name = given(child, "name")
                    if isinstance(name, str):
                        named.setdefault((kind, name), child)
        for need in self.needs:
            target = named.get((need.kind, need.name))
            if target is None or target is need.resource:
                continue
            # The address Terraform's depends_on takes (the construct tree is complete now,
            # so the logical id is final).
            address = f"{target.terraform_resource_type}.{target.friendly_unique_id}"
            current = list(need.resource.depends_on or [])
            if address not in current:
                need.resource.depends_on = [*current, address]


def depend_on_named(
    resource: cdktf.TerraformResource, kind: _Named, value: ProjectRef | RoleRef | UserRef | None
) -> None:
    """When ``value`` is a plain name, order ``resource`` after the construct of that name."""
    if not isinstance(value, str) or "${" in value:
        return
    stack = cdktf.TerraformStack.of(resource)
    aspects = cdktf.Aspects.of(stack)
    keeper = next((a for a in aspects.all if isinstance(a, _NamedDependencies)), None)
    if keeper is None:
        keeper = _NamedDependencies()
        aspects.add(keeper)
    keeper.needs.append(_Need(resource, kind, value))
