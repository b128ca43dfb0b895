"""First start: the admin user and its first API key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keyhouse.core.keys import KeyDigester, generate_key
from keyhouse.domain.lifetime import current_settings
from keyhouse.models import ApiKey, Principal, Scope, utcnow

BOOTSTRAP_KEY_NAME = "bootstrap"


@dataclass(frozen=True)
class Bootstrapped:
    """The admin created on an empty database and its key (shown once)."""

    admin_name: str
    key_id: str
    key: str


def is_empty(session: Session) -> bool:
    """Whether no user or role exists yet."""
    return not session.scalar(select(func.count()).select_from(Principal))


def bootstrap(session: Session, digester: KeyDigester, admin_name: str) -> Bootstrapped | None:
    """Create the admin and an API key holding every catalog scope, if the database is empty.

    Returns ``None`` when principals already exist: the key is only ever made once.
    """
    if not is_empty(session):
        return None
    now = utcnow()
    admin = Principal(kind="user", name=admin_name, is_admin=True, created_at=now)
    session.add(admin)
    session.flush()
    material = generate_key()
    lifetime = current_settings(session).default_key_lifetime_days
    session.add(
        ApiKey(
            id=material.key_id,
            name=BOOTSTRAP_KEY_NAME,
            owner_id=admin.id,
            created_by_id=admin.id,
            scopes=sorted(session.scalars(select(Scope.name))),
            prefix=material.prefix,
            digest=digester.digest(material.plaintext),
            created_at=now,
            expires_at=now + timedelta(days=lifetime),
        )
    )
    session.flush()
    return Bootstrapped(admin_name=admin_name, key_id=material.key_id, key=material.plaintext)
