"""Project and membership bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from keyhouse.schemas.common import (
    Description,
    Identifier,
    Input,
    PrincipalKind,
    ProjectRole,
)


class ProjectCreate(Input):
    """A new project; its creator becomes its owner."""

    name: Identifier = Field(description="The project's name, unique.")
    description: Description | None = Field(default=None, description="What the project is for.")


class ProjectUpdate(Input):
    """Changes to a project."""

    description: Description | None = Field(
        default=None, description="A new description; null clears it."
    )


class ProjectPublic(BaseModel):
    """A project."""

    id: str
    arn: str = Field(description="khrn:project:<name>")
    name: str
    description: str | None
    created_at: datetime
    my_role: ProjectRole | None = Field(
        description="The caller's role in the project (None for an admin who is not a member)."
    )


class ProjectsPublic(BaseModel):
    """A page of projects."""

    data: list[ProjectPublic]
    next_cursor: str | None


class MemberCreate(Input):
    """Add a user or a role to a project."""

    principal_kind: PrincipalKind = Field(default="user", description="user or role.")
    principal_name: Identifier = Field(description="The user's or role's name.")
    role: ProjectRole = Field(default="member", description="owner, member or viewer.")


class MemberUpdate(Input):
    """Change a member's project role."""

    role: ProjectRole = Field(description="owner, member or viewer.")


class MemberPublic(BaseModel):
    """A project member."""

    project: str
    principal_kind: PrincipalKind
    principal_name: str
    role: ProjectRole
    created_at: datetime


class MembersPublic(BaseModel):
    """A page of project members."""

    data: list[MemberPublic]
    next_cursor: str | None
