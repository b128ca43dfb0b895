"""First start: the admin user and its first API key; and regaining admin access."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keyhouse.core.keys import KeyDigester, generate_key
from keyhouse.domain import audit
from keyhouse.domain.lifetime import current_settings
from keyhouse.iam.authorizer import bump_generation
from keyhouse.models import ApiKey, Principal, Scope, utcnow

BOOTSTRAP_KEY_NAME = "bootstrap"
RECOVERY_ACTION = "admin:RecoverAccess"


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
    admin = Principal(kind="user", name=admin_name, is_admin=True, created_at=utcnow())
    session.add(admin)
    session.flush()
    return _admin_key(session, digester, admin, BOOTSTRAP_KEY_NAME)


def recover(session: Session, digester: KeyDigester, admin_name: str) -> Bootstrapped:
    """A new admin API key for ``admin_name``, for whoever holds the database and master key.

    The user is made an admin if it is not one, or created if it does not exist;
    the key holds every catalog scope. Recorded in the audit log (no principal:
    the caller is whoever ran the command on the service's host).
    """
    user = session.scalar(
        select(Principal).where(Principal.kind == "user", Principal.name == admin_name)
    )
    if user is None:
        user = Principal(kind="user", name=admin_name, is_admin=True, created_at=utcnow())
        session.add(user)
        session.flush()
    elif not user.is_admin:
        user.is_admin = True
    bump_generation(session)  # cached decisions about this user end now
    done = _admin_key(session, digester, user, f"recovery-{utcnow():%Y%m%dT%H%M%S.%fZ}")
    audit.record(session, None, RECOVERY_ACTION, f"khrn:apikey:{done.key_id}")
    return done


def _admin_key(
    session: Session, digester: KeyDigester, admin: Principal, name: str
) -> Bootstrapped:
    now = utcnow()
    material = generate_key()
    lifetime = current_settings(session).default_key_lifetime_days
    session.add(
        ApiKey(
            id=material.key_id,
            name=name,
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
    return Bootstrapped(admin_name=admin.name, key_id=material.key_id, key=material.plaintext)
