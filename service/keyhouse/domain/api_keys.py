"""API keys: create, read, list, update, revoke, delete."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from keyhouse.core.keys import KeyDigester, NewKey, generate_key
from keyhouse.core.problems import Conflict, Forbidden, MissingReference, NotFound, StateConflict
from keyhouse.domain.access import authorize, find_project
from keyhouse.domain.auth import Caller
from keyhouse.domain.catalog import ADMIN_ONLY_SCOPES
from keyhouse.domain.lifetime import resolve_expiry
from keyhouse.domain.principals import find_principal
from keyhouse.domain.resource_names import key_rn, principal_rn
from keyhouse.models import ApiKey, Principal, Scope
from keyhouse.schemas.api_keys import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    ApiKeyUpdate,
    KeyStatusName,
)
from keyhouse.schemas.common import PrincipalRef


def key_status(key: ApiKey, now: datetime) -> KeyStatusName:
    """active, rolled (replaced, working until the overlap ends), revoked or expired."""
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at <= now:
        return "expired"
    if key.replaced_by is not None:
        return "rolled"
    return "active"


def to_public(key: ApiKey, now: datetime) -> ApiKeyPublic:
    """The listable view of a key."""
    return ApiKeyPublic(
        arn=key_rn(key.id),
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        owner=PrincipalRef(kind=key.owner.kind, name=key.owner.name),
        project=key.project.name if key.project else None,
        scopes=list(key.scopes),
        status=key_status(key, now),
        created_at=key.created_at,
        expires_at=key.expires_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
        replaced_by=key.replaced_by,
    )


def visible_to(caller: Caller) -> Select[ApiKey]:
    """Keys the caller may see: those it owns and those it created.

    A key restricted to a project only sees keys restricted to that project,
    so it cannot reshape keys that reach further than itself.
    """
    statement = select(ApiKey).where(or_(*ways_to_see(caller)))
    if caller.project_id is not None:
        statement = statement.where(ApiKey.project_id == caller.project_id)
    return statement


def ways_to_see(caller: Caller) -> list[ColumnElement[bool]]:
    """The branches of ``visible_to``'s OR: owned, created.

    Each has an index in list order (owner or creator, created_at, id), so a
    page of a list read branch by branch (``paginate(branches=...)``) reads
    ``limit + 1`` rows per branch instead of sorting all the caller's keys.
    """
    return [ApiKey.owner_id == caller.principal_id, ApiKey.created_by_id == caller.principal_id]


def get_visible(
    session: Session, caller: Caller, key_id: str, *, for_update: bool = False
) -> ApiKey:
    """A key the caller may see; 404 otherwise. ``for_update`` reads it under its row lock."""
    statement = visible_to(caller).where(ApiKey.id == key_id)
    if for_update:
        statement = statement.with_for_update(of=ApiKey).execution_options(populate_existing=True)
    key = session.scalar(statement)
    if key is None:
        raise NotFound(f"API key '{key_id}' does not exist")
    return key


def filter_status(statement: Select[ApiKey], status: str, now: datetime) -> Select[ApiKey]:
    """Restrict a key query to active, rolled, revoked or expired keys."""
    if status == "revoked":
        return statement.where(ApiKey.revoked_at.is_not(None))
    if status == "expired":
        return statement.where(and_(ApiKey.revoked_at.is_(None), ApiKey.expires_at <= now))
    working = statement.where(and_(ApiKey.revoked_at.is_(None), ApiKey.expires_at > now))
    if status == "rolled":
        return working.where(ApiKey.replaced_by.is_not(None))
    return working.where(ApiKey.replaced_by.is_(None))


def filter_search(statement: Select[ApiKey], text: str) -> Select[ApiKey]:
    """Keys whose name contains ``text`` (any case) or whose prefix starts with it."""
    return statement.where(
        or_(
            ApiKey.name.icontains(text, autoescape=True),
            ApiKey.prefix.startswith(text, autoescape=True),
        )
    )


def filter_unused(statement: Select[ApiKey], since: datetime) -> Select[ApiKey]:
    """Keys never used, or last used before ``since``."""
    return statement.where(or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < since))


def check_scopes(
    session: Session, caller: Caller, owner: Principal, scopes: Sequence[str]
) -> list[str]:
    """Validate requested scopes; the sorted, de-duplicated list.

    Scopes must be in the catalog; a key can only grant scopes it holds itself
    (an admin's key with the ``admin`` scope may grant any); ``iam`` and
    ``admin`` are only for keys of admin users.
    """
    known = set(session.scalars(select(Scope.name).where(Scope.name.in_(set(scopes)))))
    for index, scope in enumerate(scopes):
        if scope not in known:
            raise StateConflict(
                f"/body/scopes/{index}",
                "unknown scope (not in the catalog): GET /api/v1/scopes lists the catalog",
            )
    may_grant_any = caller.is_admin and "admin" in caller.scopes
    for scope in scopes:
        if not may_grant_any and scope not in caller.scopes:
            raise Forbidden(
                f"this API key cannot grant the scope '{scope}', which it does not hold",
                scope=scope,
            )
        if scope in ADMIN_ONLY_SCOPES and not (owner.kind == "user" and owner.is_admin):
            raise StateConflict(
                f"/body/scopes/{list(scopes).index(scope)}",
                f"the scope '{scope}' can only be given to keys of admin users",
            )
    return sorted(set(scopes))


def _resolve_owner(session: Session, caller: Caller, body: ApiKeyCreate) -> Principal:
    """The key's owner; making a key for a role (or another user) takes iam:PassRole on it."""
    if body.owner_role is not None:
        authorize(session, caller, "iam:PassRole", principal_rn("role", body.owner_role))
        return find_principal(session, "role", body.owner_role)
    for_someone_else = body.owner_user is not None and not (
        caller.principal_kind == "user" and body.owner_user == caller.principal_name
    )
    if body.owner_user is not None and for_someone_else:
        authorize(session, caller, "iam:PassRole", principal_rn("user", body.owner_user))
        return find_principal(session, "user", body.owner_user)
    owner = session.get(Principal, caller.principal_id)
    if owner is None:  # deleted while the request ran
        raise NotFound(f"{caller.principal_ref} no longer exists")
    return owner


def authorize_owner(session: Session, caller: Caller, owner: Principal) -> None:
    """As for a new key: a key of anyone but the caller takes iam:PassRole on its owner."""
    if owner.id != caller.principal_id:
        authorize(session, caller, "iam:PassRole", principal_rn(owner.kind, owner.name))


def ensure_unique_name(session: Session, owner: Principal, name: str, exclude: str | None) -> None:
    """409 unless ``name`` is free among the owner's current (not rolled) keys."""
    statement = select(ApiKey.id).where(
        ApiKey.owner_id == owner.id, ApiKey.name == name, ApiKey.replaced_by.is_(None)
    )
    if exclude is not None:
        statement = statement.where(ApiKey.id != exclude)
    if session.scalar(statement) is not None:
        raise Conflict(f"{owner.kind}/{owner.name} already has an API key named '{name}'")


def restricted_project_id(
    session: Session, caller: Caller, project: str | None, pointer: str
) -> str | None:
    """The id of the project a new key is restricted to (``pointer`` names the field).

    A key restricted to a project only makes keys restricted to that project.
    """
    if caller.project_id is not None and project != caller.project_name:
        raise Forbidden(
            f"this API key is restricted to project '{caller.project_name}'; "
            f"the keys it creates must be restricted to '{caller.project_name}' too",
            project=caller.project_name,
        )
    if project is None:
        return None
    try:
        return find_project(session, project).id
    except NotFound as exc:
        raise MissingReference(pointer, exc.detail) from None


def issue_key(
    session: Session,
    digester: KeyDigester,
    caller: Caller,
    *,
    name: str,
    owner: Principal,
    scopes: list[str],
    project_id: str | None,
    expires_at: datetime,
    now: datetime,
    material: NewKey | None = None,
) -> tuple[ApiKey, str]:
    """Store a new key (``material``, or a fresh one); the row and the plaintext (never stored)."""
    material = material or generate_key()
    key = ApiKey(
        id=material.key_id,
        name=name,
        owner_id=owner.id,
        created_by_id=caller.principal_id,
        project_id=project_id,
        scopes=scopes,
        prefix=material.prefix,
        digest=digester.digest(material.plaintext),
        created_at=now,
        expires_at=expires_at,
    )
    session.add(key)
    session.flush()
    session.refresh(key)
    return key, material.plaintext


def create_key(
    session: Session, digester: KeyDigester, caller: Caller, body: ApiKeyCreate, now: datetime
) -> ApiKeyCreated:
    """Create a key; the response is the only place its plaintext ever appears."""
    owner = _resolve_owner(session, caller, body)
    scopes = check_scopes(session, caller, owner, body.scopes)
    project_id = restricted_project_id(session, caller, body.project, "/body/project")
    ensure_unique_name(session, owner, body.name, exclude=None)
    expires_at = resolve_expiry(session, now, body.expires_in_days, body.expires_at)
    key, plaintext = issue_key(
        session,
        digester,
        caller,
        name=body.name,
        owner=owner,
        scopes=scopes,
        project_id=project_id,
        expires_at=expires_at,
        now=now,
    )
    return ApiKeyCreated(**to_public(key, now).model_dump(), key=plaintext)


def update_key(
    session: Session, caller: Caller, key: ApiKey, body: ApiKeyUpdate, now: datetime
) -> None:
    """Rename a key or change its scopes; a revoked key cannot change."""
    if key.revoked_at is not None:
        raise Conflict(f"API key '{key.id}' is revoked; a revoked key cannot be changed")
    if key.replaced_by is not None:
        raise Conflict(
            f"API key '{key.id}' was rolled and is replaced by '{key.replaced_by}'; "
            "change the new key instead"
        )
    if body.name is not None and body.name != key.name:
        ensure_unique_name(session, key.owner, body.name, exclude=key.id)
        key.name = body.name
    if body.scopes is not None:
        key.scopes = check_scopes(session, caller, key.owner, body.scopes)
    session.flush()


def revoke_key(key: ApiKey, now: datetime) -> None:
    """Revoke a key for good; revoking twice keeps the first time."""
    if key.revoked_at is None:
        key.revoked_at = now
