"""``keyhouse_settings``: the admin's key lifetime policy (one per service)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keyhouse_provider.base import KeyhouseResource
from keyhouse_provider.framework.base import Context
from keyhouse_provider.framework.schema import Attr, Schema
from keyhouse_provider.framework.state import State
from keyhouse_provider.framework.types import NUMBER, STRING, number
from keyhouse_provider.resources._common import bad_import_id

if TYPE_CHECKING:
    from keyhouse_client import models

SINGLETON_ID = "settings"
_FIELDS = ("default_key_lifetime_days", "max_key_lifetime_days")


class Settings(KeyhouseResource):
    """``keyhouse_settings``."""

    name = "settings"

    schema = Schema(
        description=(
            "The service's key lifetime policy: the lifetime of keys created without one, and "
            "the longest lifetime a key may ask for. There is one per service, so declare one "
            "`keyhouse_settings` at most. Creating it adopts and changes the current settings; "
            "destroying it leaves them as they are. Needs an admin's key with the `admin` scope."
        ),
        attributes=(
            Attr(
                "id", STRING, "Always `settings`. Also the import ID.", computed=True, stable=True
            ),
            Attr(
                "default_key_lifetime_days",
                NUMBER,
                "Lifetime of keys created without one (the service starts with 365). Left out: "
                "kept as it is.",
                optional=True,
                computed=True,
                stable=True,
            ),
            Attr(
                "max_key_lifetime_days",
                NUMBER,
                "The longest lifetime a key may ask for (the service starts with 730); asking "
                "for more fails at plan time. Left out: kept as it is.",
                optional=True,
                computed=True,
                stable=True,
            ),
        ),
    )

    def validate(self, ctx: Context, config: State) -> None:
        """Whole days from 1 to 36500; the default within the maximum."""
        for field in _FIELDS:
            days = number(config[field])
            if days is not None and (not 1 <= days <= 36500 or not float(days).is_integer()):
                ctx.error(
                    f"Invalid {field}", f"{field} must be whole days from 1 to 36500.", [field]
                )
        default, maximum = (number(config[field]) for field in _FIELDS)
        if default is not None and maximum is not None and default > maximum:
            ctx.error(
                "Default lifetime beyond the maximum",
                f"default_key_lifetime_days ({default}) may not exceed max_key_lifetime_days "
                f"({maximum}).",
                ["default_key_lifetime_days"],
            )

    def create(self, ctx: Context, planned: State) -> State:
        """``PATCH /settings`` with the configured values."""
        return self._write(planned)

    def read(self, ctx: Context, current: State) -> State | None:
        """``GET /settings``."""
        return _state(self.connection.client.settings.get())

    def update(self, ctx: Context, prior: State, planned: State) -> State:
        """``PATCH /settings``."""
        return self._write(planned)

    def delete(self, ctx: Context, prior: State) -> None:
        """Nothing: the service always has settings. They stay as they are."""

    def import_state(self, ctx: Context, import_id: str) -> State | None:
        """Import with the ID ``settings``."""
        if import_id != SINGLETON_ID:
            raise bad_import_id(self.type_name(), import_id, repr(SINGLETON_ID))
        return {"id": SINGLETON_ID}

    def _write(self, planned: State) -> State:
        changes: dict[str, Any] = {
            field: int(days) for field in _FIELDS if (days := number(planned[field])) is not None
        }
        client = self.connection.client
        return _state(client.settings.update(**changes) if changes else client.settings.get())


def _state(settings: models.SettingsPublic) -> State:
    return {
        "id": SINGLETON_ID,
        "default_key_lifetime_days": settings.default_key_lifetime_days,
        "max_key_lifetime_days": settings.max_key_lifetime_days,
    }
