"""Users and roles."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keyhouse.core.problems import Conflict, NotFound
from keyhouse.domain.pagination import paginate
from keyhouse.domain.resource_names import principal_rn
from keyhouse.iam.authorizer import bump_generation
from keyhouse.models import Principal, utcnow
from keyhouse.schemas.principals import RolePublic, RoleUpdate, UserPublic, UserUpdate


def find_principal(session: Session, kind: str, name: str) -> Principal:
    """The user or role called ``name``, or 404."""
    principal = session.scalar(
        select(Principal).where(Principal.kind == kind, Principal.name == name)
    )
    if principal is None:
        raise NotFound(f"{kind} '{name}' does not exist")
    return principal


def admin_count(session: Session) -> int:
    """How many admin users exist."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Principal)
            .where(Principal.kind == "user", Principal.is_admin.is_(True))
        )
        or 0
    )


def keep_an_admin(session: Session, user: Principal, doing: str) -> None:
    """Refuse to demote or delete the last admin (the twin of ``projects.keep_an_owner``)."""
    if user.is_admin and admin_count(session) <= 1:
        raise Conflict(f"user '{user.name}' is the last admin and {doing}")


def user_public(user: Principal) -> UserPublic:
    """A user as the API shows it."""
    return UserPublic(
        arn=principal_rn("user", user.name),
        id=user.id,
        name=user.name,
        email=user.email,
        is_admin=user.is_admin,
        created_at=user.created_at,
    )


def role_public(role: Principal) -> RolePublic:
    """A role as the API shows it."""
    return RolePublic(
        arn=principal_rn("role", role.name),
        id=role.id,
        name=role.name,
        description=role.description,
        created_at=role.created_at,
    )


def update_user(session: Session, user: Principal, body: UserUpdate) -> None:
    """Change a user's email or admin flag; the last admin stays an admin."""
    if "email" in body.model_fields_set:
        user.email = body.email
    if body.is_admin is not None and body.is_admin != user.is_admin:
        if not body.is_admin:
            keep_an_admin(session, user, "must stay an admin")
        user.is_admin = body.is_admin
        bump_generation(session)  # admin rights are a managed policy


def update_role(role: Principal, body: RoleUpdate) -> None:
    """Change a role's description."""
    if "description" in body.model_fields_set:
        role.description = body.description


def principal_ref(principal: Principal | None) -> str | None:
    """``user/<name>`` or ``role/<name>``."""
    return None if principal is None else f"{principal.kind}/{principal.name}"


def delete_principal(session: Session, principal: Principal) -> None:
    """Delete a user or role with its keys, memberships and private secrets.

    Refused for the last admin, and for the last owner of a project (the
    project would be left without anyone able to manage it).
    """
    from keyhouse.domain.secrets import delete_private_secrets
    from keyhouse.models import Project, ProjectMember

    keep_an_admin(session, principal, "cannot be deleted")
    owned = select(ProjectMember.project_id).where(
        ProjectMember.principal_id == principal.id, ProjectMember.role == "owner"
    )
    sole = []
    for project_id in session.scalars(owned):
        owners = session.scalar(
            select(func.count())
            .select_from(ProjectMember)
            .where(ProjectMember.project_id == project_id, ProjectMember.role == "owner")
        )
        if owners == 1:
            sole.append(session.get_one(Project, project_id).name)
    if sole:
        raise Conflict(
            f"{principal.kind} '{principal.name}' is the only owner of project(s) "
            f"{', '.join(sorted(sole))}; give each another owner first"
        )
    delete_private_secrets(session, principal)
    session.delete(principal)


def create_principal(session: Session, kind: str, name: str, **fields: Any) -> Principal:
    """Create a user or role; 409 when one of that kind already has the name."""
    if session.scalar(select(Principal.id).where(Principal.kind == kind, Principal.name == name)):
        raise Conflict(f"a {kind} named '{name}' already exists")
    principal = Principal(kind=kind, name=name, created_at=utcnow(), **fields)
    session.add(principal)
    session.flush()
    return principal


def page_of(
    session: Session, kind: str, limit: int, cursor: str | None
) -> tuple[list[Principal], str | None]:
    """One page of the users or roles, by name."""
    return paginate(
        session,
        f"{kind}s",
        select(Principal).where(Principal.kind == kind),
        [Principal.name],
        limit,
        cursor,
        lambda p: (p.name,),
    )
