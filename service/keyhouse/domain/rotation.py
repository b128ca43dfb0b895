"""Rolling an API key: a new key in the old one's place, the old one kept for an overlap.

The new key has the old one's name, owner, scopes, project restriction and
lifetime unless the roll changes them; the old key is marked ``replaced_by``
and expires when the overlap ends (never later than it would have). A key kept
in a secret rolls in place: the new key becomes the secret's next version, so
the secret's id and arn, and every policy naming them, stay as they are.
Everything happens in the caller's one transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from keyhouse.core.crypto import Envelope
from keyhouse.core.keys import KeyDigester, generate_key
from keyhouse.core.problems import Conflict, StateConflict
from keyhouse.domain import api_keys as keys
from keyhouse.domain import secrets as secrets_domain
from keyhouse.domain.access import authorize
from keyhouse.domain.auth import Caller
from keyhouse.domain.lifetime import current_settings, resolve_expiry
from keyhouse.models import ApiKey, Secret
from keyhouse.schemas.api_keys import ApiKeyRoll, ApiKeyRolled
from keyhouse.schemas.secrets import SecretValueUpdate


def _check_rollable(key: ApiKey) -> None:
    if key.revoked_at is not None:
        raise Conflict(
            f"API key '{key.id}' is revoked; revoking is final, so it cannot be rolled "
            "(create a new key instead)"
        )
    if key.replaced_by is not None:
        raise Conflict(
            f"API key '{key.id}' was rolled already and is replaced by '{key.replaced_by}'; "
            "roll that key instead"
        )


def _new_expiry(session: Session, key: ApiKey, body: ApiKeyRoll, now: datetime) -> datetime:
    """The new key's expiry: as asked, or the old key's lifetime counted from now."""
    if body.expires_in_days is not None or body.expires_at is not None:
        return resolve_expiry(session, now, body.expires_in_days, body.expires_at)
    lifetime = key.expires_at - key.created_at
    maximum = current_settings(session).max_key_lifetime_days
    if lifetime > timedelta(days=maximum):
        raise StateConflict(
            "/body/expires_in_days",
            f"the key's lifetime of {lifetime.days} days is beyond the maximum key lifetime of "
            f"{maximum} days set by the admin; give expires_in_days for the new key",
        )
    return now + lifetime


def _secret_holding(
    session: Session,
    envelope: Envelope,
    digester: KeyDigester,
    caller: Caller,
    key: ApiKey,
    secret_id: str,
) -> Secret:
    """The secret to write the new key into: one the caller may write, holding the old key.

    A roll overwrites only the secret that holds the key it replaces, so a
    mistyped id cannot clobber an unrelated secret.
    """
    # Under its row lock: the value checked is the one the new key replaces.
    secret = secrets_domain.accessible(
        session, caller, secret_id, "secrets:PutSecretValue", for_update=True
    )
    if secret.type != "text":
        raise StateConflict(
            "/body/store_in_secret_id",
            f"secret '{secret_id}' is a file secret; keys go into text secrets",
        )
    held = secrets_domain.read_value(envelope, secret).value
    holds_key = held.isascii() and digester.matches(held, key.digest)
    del held
    if not holds_key:
        raise Conflict(
            f"secret '{secret_id}' does not hold API key '{key.id}'; a roll only writes the new "
            "key into the secret that holds the old one"
        )
    return secret


def roll_key(
    session: Session,
    envelope: Envelope,
    digester: KeyDigester,
    caller: Caller,
    key_id: str,
    body: ApiKeyRoll,
    now: datetime,
) -> ApiKeyRolled:
    """Roll ``key_id``; allowed to whoever may create that key (checked here)."""
    old = keys.get_visible(session, caller, key_id, for_update=True)
    _check_rollable(old)
    authorize(session, caller, "keys:CreateKey", "khrn:apikey:*")
    keys.authorize_owner(session, caller, old.owner)
    scopes = keys.check_scopes(
        session, caller, old.owner, body.scopes if body.scopes is not None else old.scopes
    )
    project = (
        body.project
        if "project" in body.model_fields_set
        else (old.project.name if old.project else None)
    )
    project_id = keys.restricted_project_id(session, caller, project, "/body/project")
    expires_at = _new_expiry(session, old, body, now)
    secret = None
    if body.store_in_secret_id is not None:
        secret = _secret_holding(session, envelope, digester, caller, old, body.store_in_secret_id)

    material = generate_key()
    # Out of the name's uniqueness first: the new key takes the name.
    old.replaced_by = material.key_id
    old.expires_at = min(old.expires_at, now + timedelta(seconds=body.overlap_seconds))
    session.flush()
    new, plaintext = keys.issue_key(
        session,
        digester,
        caller,
        name=old.name,
        owner=old.owner,
        scopes=scopes,
        project_id=project_id,
        expires_at=expires_at,
        now=now,
        material=material,
    )
    if secret is not None:
        secrets_domain.put_value(session, envelope, secret, SecretValueUpdate(value=plaintext), now)
        session.flush()
    return ApiKeyRolled(
        **keys.to_public(new, now).model_dump(),
        key=None if secret is not None else plaintext,
        replaces=keys.to_public(old, now),
        secret=secrets_domain.to_public(secret) if secret is not None else None,
    )
