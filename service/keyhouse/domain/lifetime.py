"""The key lifetime policy: the admin's default and maximum."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from keyhouse.core.db import locked
from keyhouse.core.problems import StateConflict
from keyhouse.domain.catalog import DEFAULT_KEY_LIFETIME_DAYS, DEFAULT_MAX_KEY_LIFETIME_DAYS
from keyhouse.models import ServiceSettings, utcnow
from keyhouse.schemas.settings import SettingsPublic, SettingsUpdate


def current_settings(session: Session, *, for_update: bool = False) -> ServiceSettings:
    """The settings row (created by the first migration); ``for_update`` locks it."""
    row = locked(session, ServiceSettings, 1) if for_update else session.get(ServiceSettings, 1)
    if row is None:
        row = ServiceSettings(
            id=1,
            default_key_lifetime_days=DEFAULT_KEY_LIFETIME_DAYS,
            max_key_lifetime_days=DEFAULT_MAX_KEY_LIFETIME_DAYS,
            updated_at=utcnow(),
        )
        session.add(row)
        session.flush()
    return row


def settings_public(row: ServiceSettings) -> SettingsPublic:
    """The lifetime policy as the API shows it."""
    return SettingsPublic(
        default_key_lifetime_days=row.default_key_lifetime_days,
        max_key_lifetime_days=row.max_key_lifetime_days,
        updated_at=row.updated_at,
    )


def update_settings(row: ServiceSettings, body: SettingsUpdate) -> None:
    """A new default or maximum lifetime; the default may not exceed the maximum (409)."""
    default = body.default_key_lifetime_days or row.default_key_lifetime_days
    maximum = body.max_key_lifetime_days or row.max_key_lifetime_days
    if default > maximum:
        pointer = (
            "/body/default_key_lifetime_days"
            if body.default_key_lifetime_days is not None
            else "/body/max_key_lifetime_days"
        )
        raise StateConflict(
            pointer,
            f"default_key_lifetime_days ({default}) may not exceed "
            f"max_key_lifetime_days ({maximum})",
        )
    row.default_key_lifetime_days = default
    row.max_key_lifetime_days = maximum
    row.updated_at = utcnow()


def resolve_expiry(
    session: Session, now: datetime, in_days: int | None, at: datetime | None
) -> datetime:
    """A new key's expiry: the admin's default when none is asked for, never past the maximum."""
    settings = current_settings(session)
    maximum = settings.max_key_lifetime_days
    if in_days is None and at is None:
        return now + timedelta(days=min(settings.default_key_lifetime_days, maximum))
    if in_days is not None:
        if in_days > maximum:
            raise StateConflict(
                "/body/expires_in_days",
                f"expires_in_days is {in_days}, beyond the maximum key lifetime of {maximum} days "
                "set by the admin",
            )
        return now + timedelta(days=in_days)
    assert at is not None
    if at <= now:
        raise StateConflict("/body/expires_at", "expires_at must be in the future")
    if at > now + timedelta(days=maximum):
        raise StateConflict(
            "/body/expires_at",
            f"expires_at is beyond the maximum key lifetime of {maximum} days set by the admin",
        )
    return at
