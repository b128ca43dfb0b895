"""Who a grant is for: a user or a role, as a construct or by name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from keyhouse_cdk.l1 import Role, User

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Principal:
    """A user or role by name, for one that is not defined in this stack.

    Attributes:
        kind: ``user`` or ``role``.
        name: Its name (or a token for it).
    """

    kind: Literal["user", "role"]
    name: str

    @classmethod
    def user(cls, name: str) -> Principal:
        """The user called ``name``."""
        return cls("user", name)

    @classmethod
    def role(cls, name: str) -> Principal:
        """The role called ``name``."""
        return cls("role", name)


Grantee = Role | User | Principal
"""What ``grant_*`` methods take: a ``Role`` or ``User`` construct, or a ``Principal``."""


def principal_of(grantee: Grantee) -> tuple[Principal, str]:
    """The grantee as a principal, and a label for construct ids.

    A construct's ``name`` getter is a reference, so whatever is made for the grant
    waits for the user or role to exist.
    """
    if isinstance(grantee, Role):
        return Principal("role", grantee.name), f"role-{grantee.node.id}"
    if isinstance(grantee, User):
        return Principal("user", grantee.name), f"user-{grantee.node.id}"
    # A name that is a token ("${TfToken[...]}") still gives a stable, valid construct id.
    return grantee, f"{grantee.kind}-{_UNSAFE.sub('', grantee.name)}"
