"""Secrets: encrypted values, private to their owner or shared with a project.

A caller who may not see a secret gets the same 404 as for a secret that does
not exist, so private secrets cannot even be discovered. Operations that name
a project the caller does not collaborate on get a 403 naming the project.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from keyhouse.core.crypto import Envelope, Sealed
from keyhouse.core.db import locked
from keyhouse.core.key_material import sealing_version
from keyhouse.core.problems import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    StateConflict,
)
from keyhouse.domain.access import (
    authorize,
    decide,
    find_project,
    held_policies,
    refusal,
    require_scope,
)
from keyhouse.domain.auth import Caller
from keyhouse.domain.resource_names import own_secret_rn, project_secret_rn, secret_rn
from keyhouse.iam.authorizer import PrincipalPolicies
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
        arn=secret_rn(secret),
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


def _granted_ids(session: Session, caller: Caller, held: PrincipalPolicies) -> list[str]:
    """Project secrets outside the caller's projects that its own policies let it read."""
    if caller.is_admin or all(source.managed for source in held.compiled.sources):
        return []
    outside = select(Secret).where(
        Secret.project_id.is_not(None),
        Secret.project_id.not_in(
            select(ProjectMember.project_id).where(
                ProjectMember.principal_id == caller.principal_id
            )
        ),
    )
    return [
        secret.id
        for secret in session.scalars(outside)
        if decide(session, caller, "secrets:GetSecret", secret_rn(secret), secret.project).allowed
    ]


def ways_to_see(session: Session, caller: Caller) -> list[ColumnElement[bool]]:
    """How the caller sees secrets: its private ones; its projects' and those its policies grant.

    Listed as the branches of one OR so that a list reads a page off each on
    its own index (``paginate(branches=...)``): the private ones walk
    (namespace, created_at, id), the shared ones (created_at, id).
    Membership is read on every request: it can end after a key is made.
    """
    held = held_policies(session, caller)
    member_of = select(ProjectMember.project_id).where(
        ProjectMember.principal_id == caller.principal_id
    )
    granted = [] if caller.is_admin else _granted_ids(session, caller, held)
    shared = (
        Secret.project_id.is_not(None)
        if caller.is_admin
        else or_(Secret.project_id.in_(member_of), *([Secret.id.in_(granted)] if granted else []))
    )
    if caller.project_id is not None:
        return [and_(Secret.project_id == caller.project_id, shared)]
    return [Secret.namespace == private_namespace(caller.principal_id), shared]


def visible_to(ways: Sequence[ColumnElement[bool]]) -> Select[Secret]:
    """Secrets seen in any of ``ways`` (``ways_to_see``)."""
    return select(Secret).where(or_(*ways))


def readable(session: Session, caller: Caller, secrets: list[Secret]) -> list[Secret]:
    """``secrets`` without those an explicit Deny keeps the caller from reading."""
    return [
        secret
        for secret in secrets
        if decide(session, caller, "secrets:GetSecret", secret_rn(secret), secret.project).outcome
        != "explicit_deny"
    ]


def accessible(
    session: Session, caller: Caller, secret_id: str, action: str, *, for_update: bool = False
) -> Secret:
    """The secret, if the caller may perform ``action`` on it.

    404 when the caller may not even know it exists (another principal's
    private secret; a project secret it can neither read nor collaborate on),
    403 saying why otherwise. ``for_update`` reads the row under a lock held
    until the transaction ends, for changes that build on what is stored.
    """
    # The scope first: a key without it learns nothing, not even whether the secret exists.
    require_scope(caller, action, None)
    secret = locked(session, Secret, secret_id) if for_update else session.get(Secret, secret_id)
    missing = NotFound(f"secret '{secret_id}' does not exist")
    if secret is None:
        raise missing
    arn = secret_rn(secret)
    if secret.project is None:
        if secret.namespace != private_namespace(caller.principal_id):
            raise missing
        _refuse_restricted_private(caller, action)
        authorize(session, caller, action, arn)  # checks the scope again, now on this secret
        return secret
    if caller.project_id is not None and caller.project_id != secret.project_id:
        raise missing
    require_scope(caller, action, arn)
    decision = decide(session, caller, action, arn, secret.project)
    if decision.allowed:
        return secret
    held = held_policies(session, caller)
    knows = (
        caller.is_admin
        or decision.outcome == "explicit_deny"
        or secret.project.name in held.memberships
        or decide(session, caller, "secrets:GetSecret", arn, secret.project).allowed
    )
    if not knows:
        raise missing
    raise refusal(caller, action, arn, secret.project, decision, held)


def find_by_name(session: Session, caller: Caller, name: str, project: str | None) -> Secret:
    """A secret by name: the caller's private one, or a project's."""
    if project is None:
        _refuse_restricted_private(caller, "secrets:GetSecret")
        authorize(session, caller, "secrets:GetSecret", own_secret_rn(caller, name))
        namespace = private_namespace(caller.principal_id)
        target = f"private secret '{name}'"
    else:
        require_scope(caller, "secrets:GetSecret", project_secret_rn(project, name))
        found = find_project(session, project)
        authorize(
            session, caller, "secrets:GetSecret", project_secret_rn(project, name), project=found
        )
        namespace = project_namespace(found.id)
        target = f"secret '{name}' in project '{project}'"
    secret = session.scalar(
        select(Secret).where(Secret.namespace == namespace, Secret.name == name)
    )
    if secret is None:
        raise NotFound(f"{target} does not exist")
    return secret


def create_secret(
    session: Session, envelope: Envelope, caller: Caller, body: SecretCreate, now: datetime
) -> Secret:
    """Create and encrypt a secret."""
    project: Project | None = None
    if body.visibility == "project":
        assert body.project is not None
        require_scope(caller, "secrets:CreateSecret", project_secret_rn(body.project, body.name))
        project = find_project(session, body.project)
        authorize(
            session,
            caller,
            "secrets:CreateSecret",
            project_secret_rn(project.name, body.name),
            project=project,
        )
        namespace = project_namespace(project.id)
        where = f"project '{project.name}'"
    else:
        _refuse_restricted_private(caller, "secrets:CreateSecret")
        authorize(session, caller, "secrets:CreateSecret", own_secret_rn(caller, body.name))
        namespace = private_namespace(caller.principal_id)
        where = f"the private secrets of {caller.principal_ref}"
    if session.scalar(
        select(Secret.id).where(Secret.namespace == namespace, Secret.name == body.name)
    ):
        raise Conflict(f"a secret named '{body.name}' already exists in {where}")
    secret_id = new_id()
    version = sealing_version(session, envelope)
    sealed = envelope.seal(body.value.encode(), bound_to=secret_id, version=version)
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
        key_version=sealed.key_version,
        created_at=now,
        updated_at=now,
    )
    session.add(secret)
    session.flush()
    session.refresh(secret)
    return secret


def read_value(envelope: Envelope, secret: Secret) -> SecretValue:
    """Decrypt a secret's value."""
    plaintext = envelope.open(
        Sealed(secret.wrapped_key, secret.ciphertext, secret.key_version), secret.id
    )
    return SecretValue(
        id=secret.id,
        name=secret.name,
        type=secret.kind,
        version=secret.version,
        value=plaintext.decode(),
    )


def expected_version(if_match: str | None, body: SecretValueUpdate) -> int | None:
    """The version a compare-and-set expects, from ``If-Match`` or ``expected_version``.

    ``If-Match`` holds an entity tag as the service sends it in ``ETag``
    (``"3"``; a bare ``3`` is taken too); ``*`` asks only that the secret exists.
    """
    from_header: int | None = None
    if if_match is not None and if_match.strip() != "*":
        tag = if_match.strip()
        digits = tag[1:-1] if len(tag) >= 2 and tag[0] == tag[-1] == '"' else tag
        if not digits.isdigit() or not digits.isascii() or int(digits) < 1:
            raise BadRequest(
                'If-Match must be the secret\'s version as an entity tag, e.g. If-Match: "3"'
            )
        from_header = int(digits)
    if (
        from_header is not None
        and body.expected_version is not None
        and from_header != body.expected_version
    ):
        raise BadRequest(
            f"If-Match names version {from_header} but expected_version is "
            f"{body.expected_version}; send one of them"
        )
    return from_header if from_header is not None else body.expected_version


def put_value(
    session: Session,
    envelope: Envelope,
    secret: Secret,
    body: SecretValueUpdate,
    now: datetime,
    expected: int | None = None,
) -> None:
    """Replace a secret's value under a fresh data key; the version increments.

    ``secret`` must have been read under its row lock (``accessible(...,
    for_update=True)``), so that concurrent writers each make their own
    version. With ``expected`` set, a secret at another version is left
    unchanged: 412 naming the current version. Without a ``type`` the secret
    keeps its type.
    """
    if expected is not None and secret.version != expected:
        raise PreconditionFailed(
            f"secret '{secret.id}' is at version {secret.version}, not {expected}: "
            "read it again and retry",
            current_version=secret.version,
            headers={"ETag": etag(secret.version)},
        )
    if body.type is None and secret.kind == "file":
        try:
            check_file_value(body.value)
        except ValueError as exc:
            raise StateConflict("/body/value", f"{exc}: the secret is a file") from None
    version = sealing_version(session, envelope)
    sealed = envelope.seal(body.value.encode(), bound_to=secret.id, version=version)
    secret.wrapped_key = sealed.wrapped_key
    secret.ciphertext = sealed.ciphertext
    secret.key_version = sealed.key_version
    secret.kind = body.type or secret.kind
    secret.version += 1
    secret.updated_at = now


def etag(version: int) -> str:
    """The entity tag of a secret's version (what ``If-Match`` sends back)."""
    return f'"{version}"'


def delete_private_secrets(session: Session, principal: Principal) -> None:
    """Remove a principal's private secrets (when the principal is deleted)."""
    for secret in session.scalars(
        select(Secret).where(Secret.namespace == private_namespace(principal.id))
    ):
        session.delete(secret)
