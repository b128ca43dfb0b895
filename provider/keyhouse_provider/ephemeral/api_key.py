"""``ephemeral.keyhouse_api_key``: a short-lived API key for one run, revoked when it ends."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from keyhouse_provider.base import KeyhouseEphemeralResource
from keyhouse_provider.framework.base import Context, Opened, ProviderError
from keyhouse_provider.framework.schema import Attr, Schema
from keyhouse_provider.framework.state import State
from keyhouse_provider.framework.types import NUMBER, STRING, SetOf
from keyhouse_provider.resources._common import gone_ok, timestamp

DEFAULT_LIFETIME_MINUTES = 60
NAME_PREFIX = "terraform-ephemeral-"


class EphemeralApiKey(KeyhouseEphemeralResource):
    """``ephemeral.keyhouse_api_key``."""

    name = "api_key"

    schema = Schema(
        description=(
            "A short-lived API key of the provider's principal, made for the length of one "
            "Terraform run (Terraform 1.10 and later) and revoked when Terraform closes it at "
            "the end of that run: for a pipeline that must hand a key to another provider or "
            "tool for one run. The key is in neither the plan nor the state. Terraform opens "
            "ephemeral resources in each phase, so a plan and its apply each make (and revoke) "
            "a key of their own; a run killed before it closes leaves its key to expire after "
            "`lifetime_minutes`."
        ),
        attributes=(
            Attr(
                "scopes",
                SetOf(STRING),
                "Scopes from the service's catalog (`data.keyhouse_scopes`); only scopes the "
                "provider's key holds.",
                required=True,
            ),
            Attr(
                "project",
                STRING,
                "Restrict the key to this project.",
                optional=True,
            ),
            Attr(
                "lifetime_minutes",
                NUMBER,
                f"Minutes until the key expires, should it outlive the run. Default "
                f"{DEFAULT_LIFETIME_MINUTES}; at most the admin's maximum key lifetime.",
                optional=True,
                computed=True,
            ),
            Attr(
                "key",
                STRING,
                "The API key, to pass on (ephemeral: only where ephemeral values are accepted).",
                computed=True,
                sensitive=True,
            ),
            Attr("id", STRING, "The Key ID.", computed=True),
            Attr(
                "name",
                STRING,
                f"The key's name: `{NAME_PREFIX}` and a random part, so that runs never collide.",
                computed=True,
            ),
            Attr(
                "prefix",
                STRING,
                "The key's first characters, as listings show them.",
                computed=True,
            ),
            Attr("arn", STRING, "The key's Keyhouse Resource Name.", computed=True),
            Attr("expires_at", STRING, "When the key expires (RFC 3339, UTC).", computed=True),
        ),
    )

    def validate(self, ctx: Context, config: State) -> None:
        """A positive whole number of minutes; at least one scope."""
        minutes = config["lifetime_minutes"]
        if isinstance(minutes, int | float) and (minutes < 1 or not float(minutes).is_integer()):
            ctx.error(
                "Invalid lifetime_minutes",
                "lifetime_minutes must be a whole number of minutes, at least 1.",
                ["lifetime_minutes"],
            )
        if isinstance(config["scopes"], list) and not config["scopes"]:
            ctx.error("No scopes", "A key needs at least one scope.", ["scopes"])

    def open(self, ctx: Context, config: State) -> Opened:
        """``POST /api-keys`` with an expiry ``lifetime_minutes`` from now."""
        minutes = int(config["lifetime_minutes"] or DEFAULT_LIFETIME_MINUTES)
        maximum_days = self.connection.settings().max_key_lifetime_days
        if minutes > maximum_days * 24 * 60:
            raise ProviderError(
                "Key lifetime beyond the maximum",
                f"lifetime_minutes is {minutes}, beyond the maximum key lifetime of "
                f"{maximum_days} days ({maximum_days * 24 * 60} minutes) set by the admin "
                "(GET /api/v1/settings).",
                ["lifetime_minutes"],
            )
        created = self.connection.client.api_keys.create(
            name=NAME_PREFIX + secrets.token_hex(6),
            scopes=sorted(config["scopes"]),
            project=config["project"],
            expires_at=datetime.now(UTC) + timedelta(minutes=minutes),
        )
        result = {
            "scopes": config["scopes"],
            "project": config["project"],
            "lifetime_minutes": minutes,
            "key": created.key.get_secret_value(),
            "id": created.id,
            "name": created.name,
            "prefix": created.prefix,
            "arn": created.arn,
            "expires_at": timestamp(created.expires_at),
        }
        # Close gets the Key ID back (never the key): Terraform keeps it in memory only.
        return Opened(result, private=json.dumps({"id": created.id}).encode())

    def close(self, ctx: Context, private: bytes | None) -> None:
        """``POST /api-keys/{id}/revoke``: the key stops working at once."""
        key_id = _key_id(private)
        gone_ok(lambda: self.connection.client.api_keys.revoke(key_id=key_id))


def _key_id(private: bytes | None) -> str:
    try:
        found: Any = json.loads(private or b"")
        key_id = found["id"]
    except (ValueError, TypeError, KeyError) as exc:
        raise ProviderError(
            "Cannot revoke the ephemeral API key",
            "Terraform handed back no Key ID for it; it expires at the end of its lifetime.",
        ) from exc
    if not isinstance(key_id, str):
        raise ProviderError("Cannot revoke the ephemeral API key", "The Key ID is not a string.")
    return key_id
