"""User and role bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, EmailStr, Field

from keyhouse.schemas.common import Description, Identifier, Input


class UserCreate(Input):
    """A new user (a person)."""

    name: Identifier
    email: EmailStr | None = None
    is_admin: bool = False


class UserUpdate(Input):
    """Changes to a user."""

    email: EmailStr | None = None
    is_admin: bool | None = None


class UserPublic(BaseModel):
    """A user."""

    id: str
    arn: str = Field(description="khrn:user:<name>")
    name: str
    email: str | None
    is_admin: bool
    created_at: datetime


class UsersPublic(BaseModel):
    """A page of users."""

    data: list[UserPublic]
    next_cursor: str | None


class RoleCreate(Input):
    """A new role: a machine identity such as a compute cluster."""

    name: Identifier
    description: Description | None = None


class RoleUpdate(Input):
    """Changes to a role."""

    description: Description | None = None


class RolePublic(BaseModel):
    """A role."""

    id: str
    arn: str = Field(description="khrn:role:<name>")
    name: str
    description: str | None
    created_at: datetime = Field()


class RolesPublic(BaseModel):
    """A page of roles."""

    data: list[RolePublic]
    next_cursor: str | None
