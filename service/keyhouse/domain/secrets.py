"""Secrets: encrypted values, private to their owner or shared with a project.

A caller who may not see a secret gets the same 404 as for a secret that does
not exist, so private secrets cannot even be discovered. Operations that name
a project the caller does not collaborate on get a 403 naming the project.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from keyhouse.core.crypto import Envelope, Sealed
from keyhouse.core.problems import Conflict, Forbidden, NotFound, Unprocessable
from keyhouse.domain.access import find_project, require_project_role
from keyhouse.domain.auth import Caller
from keyhouse.models import Principal, Project, ProjectMember, Secret, new_id
from keyhouse.schemas.secrets import (
    SecretCreate,
    SecretPublic,
    SecretValue,
    SecretValueUpdate,
    check_file_value,
)


def private_namespace(principal_id: str) -> str:
    """The namespace of a principal's private secrets."""
    return f"principal:{principal_id}"


def project_namespace(project_id: str) -> str:
    """The namespace of a project's shared secrets."""
    return f"project:{project_id}"


def to_public(secret: Secret) -> SecretPublic:
    """A secret's metadata, without its value."""
    return SecretPublic(
        id=secret.id,
        name=secret.name,
        type=secret.kind,
        visibility=secret.visibility,
        project=secret.project.name if secret.project else None,
        owner=f"{secret.owner.kind}/{secret.owner.name}" if secret.owner else None,
        description=secret.description,
        version=secret.version,
        created_at=secret.created_at,
        updated_at=secret.updated_at,
    )


def _refuse_restricted_private(caller: Caller, action: str) -> None:
    if caller.project_id is not None:
        raise Forbidden(
            f"this API key is restricted to project '{caller.project_name}'; "
            f"{action} on private secrets is out of its reach",
            project=caller.project_name,
            audit=(action, None),
        )


def visible_to(caller: Caller) -> Select[Secret]:
    """Secrets the caller may see: its private ones and those of its projects."""
    # Membership is checked on every request: it can end after a key is made.
    member_of = select(ProjectMember.project_id).where(
        ProjectMember.principal_id == caller.principal_id
    )
    if caller.project_id is not None:
        restricted = select(Secret).where(Secret.project_id == caller.project_id)
        return restricted if caller.is_admin else restricted.where(Secret.project_id.in_(member_of))
    private = Secret.namespace == private_namespace(caller.principal_id)
    if caller.is_admin:
        return select(Secret).where(or_(private, Secret.project_id.is_not(None)))
    return select(Secret).where(or_(private, Secret.project_id.in_(member_of)))


def get_visible(session: Session, caller: Caller, secret_id: str) -> Secret:
    """A secret the caller may see, or 404 (also when it exists but is not the caller's)."""
    secret = session.scalar(visible_to(caller).where(Secret.id == secret_id))
    if secret is None:
        raise NotFound(f"secret '{secret_id}' does not exist")
    return secret


def find_by_name(session: Session, caller: Caller, name: str, project: str | None) -> Secret:
    """A secret by name: the caller's private one, or a project's."""
    if project is None:
        _refuse_restricted_private(caller, "secrets:GetSecret")
        namespace = private_namespace(caller.principal_id)
        target = f"private secret '{name}'"
    else:
        found = find_project(session, project)
        require_project_role(session, caller, found, "viewer", "secrets:GetSecret")
        namespace = project_namespace(found.id)
        target = f"secret '{name}' in project '{project}'"
    secret = session.scalar(
        select(Secret).where(Secret.namespace == namespace, Secret.name == name)
    )
    if secret is None:
        raise NotFound(f"{target} does not exist")
    return secret


def require_write(session: Session, caller: Caller, secret: Secret, action: str) -> None:
    """Refuse changes by project viewers (private secrets are only visible to their owner)."""
    if secret.project is not None:
        require_project_role(session, caller, secret.project, "member", action)


def create_secret(
    session: Session, envelope: Envelope, caller: Caller, body: SecretCreate, now: datetime
) -> Secret:
    """Create and encrypt a secret."""
    project: Project | None = None
    if body.visibility == "project":
        assert body.project is not None
        project = find_project(session, body.project)
        require_project_role(session, caller, project, "member", "secrets:CreateSecret")
        namespace = project_namespace(project.id)
        where = f"project '{project.name}'"
    else:
        _refuse_restricted_private(caller, "secrets:CreateSecret")
        namespace = private_namespace(caller.principal_id)
        where = f"the private secrets of {caller.principal_ref}"
    if session.scalar(
        select(Secret.id).where(Secret.namespace == namespace, Secret.name == body.name)
    ):
        raise Conflict(f"a secret named '{body.name}' already exists in {where}")
    secret_id = new_id()
    sealed = envelope.seal(body.value.encode(), bound_to=secret_id)
    secret = Secret(
        id=secret_id,
        name=body.name,
        namespace=namespace,
        visibility=body.visibility,
        kind=body.type,
        owner_id=caller.principal_id,
        project_id=project.id if project else None,
        description=body.description,
        version=1,
        wrapped_key=sealed.wrapped_key,
        ciphertext=sealed.ciphertext,
        created_at=now,
        updated_at=now,
    )
    session.add(secret)
    session.flush()
    session.refresh(secret)
    return secret


def read_value(envelope: Envelope, secret: Secret) -> SecretValue:
    """Decrypt a secret's value."""
    plaintext = envelope.open(Sealed(secret.wrapped_key, secret.ciphertext), secret.id)
    return SecretValue(
        id=secret.id,
        name=secret.name,
        type=secret.kind,
        version=secret.version,
        value=plaintext.decode(),
    )


def put_value(envelope: Envelope, secret: Secret, body: SecretValueUpdate, now: datetime) -> None:
    """Replace a secret's value under a fresh data key; the version increments.

    Without a ``type`` the secret keeps its type.
    """
    if body.type is None and secret.kind == "file":
        try:
            check_file_value(body.value)
        except ValueError as exc:
            raise Unprocessable("/body/value", str(exc)) from None
    sealed = envelope.seal(body.value.encode(), bound_to=secret.id)
    secret.wrapped_key = sealed.wrapped_key
    secret.ciphertext = sealed.ciphertext
    secret.kind = body.type or secret.kind
    secret.version += 1
    secret.updated_at = now


def delete_private_secrets(session: Session, principal: Principal) -> None:
    """Remove a principal's private secrets (when the principal is deleted)."""
    for secret in session.scalars(
        select(Secret).where(Secret.namespace == private_namespace(principal.id))
    ):
        session.delete(secret)
