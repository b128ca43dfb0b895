"""Authenticating API keys: the hot path shared by every request and ``keys:verify``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from keyhouse.core.keys import KeyDigester, parse_key_id
from keyhouse.models import ApiKey, Principal, Project


class KeyStatus(StrEnum):
    """Why a presented key is or is not usable. A closed set."""

    VALID = "valid"
    MALFORMED = "malformed"
    NOT_FOUND = "not_found"
    REVOKED = "revoked"
    EXPIRED = "expired"
    MISSING_SCOPE = "missing_scope"
    NOT_A_COLLABORATOR = "not_a_collaborator"


@dataclass(frozen=True, slots=True)
class Caller:
    """The principal behind an authenticated request, and the key it used."""

    principal_id: str
    principal_kind: str
    principal_name: str
    is_admin: bool
    key_id: str
    key_name: str
    key_prefix: str
    scopes: frozenset[str]
    project_id: str | None
    project_name: str | None
    expires_at: datetime

    @property
    def principal_ref(self) -> str:
        """``user/<name>`` or ``role/<name>``, for messages and the audit log."""
        return f"{self.principal_kind}/{self.principal_name}"


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """The outcome of checking a presented key; ``caller`` is set once the digest matched."""

    status: KeyStatus
    caller: Caller | None = None
    key_id: str | None = None


_LOOKUP = (
    select(
        ApiKey.id,
        ApiKey.name,
        ApiKey.prefix,
        ApiKey.digest,
        ApiKey.scopes,
        ApiKey.project_id,
        ApiKey.expires_at,
        ApiKey.revoked_at,
        Principal.id,
        Principal.kind,
        Principal.name,
        Principal.is_admin,
        Project.name,
    )
    .join(Principal, Principal.id == ApiKey.owner_id)
    .outerjoin(Project, Project.id == ApiKey.project_id)
)


def check_key(session: Session, digester: KeyDigester, plaintext: str, now: datetime) -> KeyCheck:
    """Check a presented key: format and checksum, then one look-up by key id.

    A wrong secret for an existing key id and an unknown key id both answer
    ``NOT_FOUND`` after the same work (a digest comparison).
    """
    key_id = parse_key_id(plaintext)
    if key_id is None:
        return KeyCheck(KeyStatus.MALFORMED)
    row = session.execute(_LOOKUP.where(ApiKey.id == key_id)).one_or_none()
    if not digester.matches(plaintext, row[3] if row is not None else None) or row is None:
        return KeyCheck(KeyStatus.NOT_FOUND)
    caller = Caller(
        key_id=row[0],
        key_name=row[1],
        key_prefix=row[2],
        scopes=frozenset(row[4]),
        project_id=row[5],
        expires_at=row[6],
        principal_id=row[8],
        principal_kind=row[9],
        principal_name=row[10],
        is_admin=bool(row[11]),
        project_name=row[12],
    )
    if row[7] is not None:
        return KeyCheck(KeyStatus.REVOKED, caller, key_id)
    if caller.expires_at <= now:
        return KeyCheck(KeyStatus.EXPIRED, caller, key_id)
    return KeyCheck(KeyStatus.VALID, caller, key_id)
