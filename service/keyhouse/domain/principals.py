"""Users and roles."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keyhouse.core.problems import Conflict, NotFound
from keyhouse.domain.pagination import paginate
from keyhouse.models import Principal, utcnow


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

    if principal.is_admin and admin_count(session) <= 1:
        raise Conflict(f"user '{principal.name}' is the last admin and cannot be deleted")
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
