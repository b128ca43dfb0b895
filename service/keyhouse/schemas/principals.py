"""User and role bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, EmailStr, Field

from keyhouse.schemas.common import Description, Identifier, Input


class UserCreate(Input):
    """A new user (a person)."""

    name: Identifier = Field(description="The user's name, unique among users.")
    email: EmailStr | None = Field(default=None, description="The user's email address.")
    is_admin: bool = Field(default=False, description="Whether the user is an admin.")


class UserUpdate(Input):
    """Changes to a user."""

    email: EmailStr | None = Field(default=None, description="A new email address; null clears it.")
    is_admin: bool | None = Field(
        default=None, description="Grant or remove admin rights (the last admin stays one)."
    )


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

    name: Identifier = Field(description="The role's name, unique among roles.")
    description: Description | None = Field(default=None, description="What the role is for.")


class RoleUpdate(Input):
    """Changes to a role."""

    description: Description | None = Field(
        default=None, description="A new description; null clears it."
    )


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
