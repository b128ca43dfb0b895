"""``rotation`` of ``keyhouse_api_key``: when a key rolls, and how long its predecessor works.

A roll (``POST /api-keys/{id}/roll``) puts a new key in the old one's place
in one step of the service: same name, owner and, for a key kept in a secret,
the same secret (its next version), while the old key keeps working for the
overlap. The provider rolls instead of replacing wherever the service can:
a scheduled rotation that is due, a new lifetime, and a key that expired or
was rolled outside Terraform.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from keyhouse_provider.framework.base import Context
from keyhouse_provider.framework.schema import Attr, NestedBlock
from keyhouse_provider.framework.types import NUMBER, number

DEFAULT_OVERLAP_HOURS = 24
# The service takes overlaps of up to ten years; longer ones change nothing anyway.
MAX_OVERLAP_HOURS = 87_600

BLOCK = NestedBlock(
    "rotation",
    "single",
    "Roll the key on a schedule: once it is `every_days` old (or within `overlap_hours` of "
    "its expiry), the plan shows an in-place update and the apply rolls it. A roll makes a new "
    "key with the same name, owner, scopes and project, kept in the same secret (its next "
    "version: same `stored_secret_id` and arn, so policies naming it stay valid), and the old "
    "key keeps working for `overlap_hours`. Without this block, a change of `expires_in_days` "
    "rolls the key too, with a 24-hour overlap. `terraform apply -replace` still replaces the "
    "key outright.",
    (
        Attr(
            "every_days",
            NUMBER,
            "Roll the key once it is this many days old. Leave out to roll only on changes.",
            optional=True,
        ),
        Attr(
            "overlap_hours",
            NUMBER,
            "How long the old key keeps working after a roll, in hours (fractions allowed); "
            "0 ends it at once. Default: 24. Consumers must pick up the new key within it.",
            optional=True,
            computed=True,
            default=DEFAULT_OVERLAP_HOURS,
        ),
    ),
)

PATH = ["rotation"]


def validate(ctx: Context, block: Any) -> None:
    """A positive schedule and an overlap from 0 to ten years."""
    if not isinstance(block, dict):
        return
    every = number(block["every_days"])
    if every is not None and every <= 0:
        ctx.error(
            "Invalid every_days",
            "rotation.every_days must be more than 0 (days between rolls).",
            [*PATH, "every_days"],
        )
    overlap = number(block["overlap_hours"])
    if overlap is not None and not 0 <= overlap <= MAX_OVERLAP_HOURS:
        ctx.error(
            "Invalid overlap_hours",
            f"rotation.overlap_hours must be from 0 to {MAX_OVERLAP_HOURS} hours.",
            [*PATH, "overlap_hours"],
        )


def overlap_hours(block: Any) -> float:
    """The overlap a roll gets: the block's, or the default without one."""
    value = number(block["overlap_hours"]) if isinstance(block, dict) else None
    return DEFAULT_OVERLAP_HOURS if value is None else value


def overlap_seconds(block: Any) -> int:
    """The overlap in whole seconds, as the service takes it."""
    return round(overlap_hours(block) * 3600)


def _hours(value: float) -> str:
    return f"{value:g} hour{'' if value == 1 else 's'}"


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def due(prior: dict[str, Any], block: Any, now: datetime) -> str | None:
    """Why the scheduled rotation is due now (for the plan's message), or None."""
    if not isinstance(block, dict):
        return None
    created, expires = _moment(prior["created_at"]), _moment(prior["expires_at"])
    if created is None or expires is None:
        return None
    every = number(block["every_days"])
    if every is not None and now - created >= timedelta(days=every):
        age = (now - created) / timedelta(days=1)
        return f"it is {age:.3g} days old and rotates every {every:g} days"
    overlap = overlap_hours(block)
    if now >= expires - timedelta(hours=overlap):
        return f"it expires at {prior['expires_at']}, within its {_hours(overlap)} overlap"
    return None


def check_lifetime(ctx: Context, block: Any, lifetime_days: Any) -> None:
    """Refuse an overlap as long as the key's life (it would roll on every plan); warn of
    a key that expires before its next scheduled rotation."""
    lifetime_days = number(lifetime_days)
    if not isinstance(block, dict) or lifetime_days is None:
        return
    overlap = number(block["overlap_hours"])
    if overlap is not None and overlap >= lifetime_days * 24:
        ctx.error(
            "Overlap as long as the key's life",
            f"rotation.overlap_hours is {_hours(overlap)}, but the key lives "
            f"{lifetime_days:g} days: it would be due to roll as soon as it is made. Give a "
            "shorter overlap or a longer expires_in_days.",
            [*PATH, "overlap_hours"],
        )
        return
    every = number(block["every_days"])
    if every is None:
        return
    needed = every + overlap_hours(block) / 24
    if lifetime_days < needed:
        ctx.warning(
            "The key expires before its next rotation",
            f"The key lives {lifetime_days:g} days but rotates every {every:g} days with a "
            f"{_hours(overlap_hours(block))} overlap. Terraform rolls it earlier only if it runs "
            f"within the overlap of the key's expiry; set expires_in_days to at least "
            f"{math.ceil(needed)} or rotate more often.",
            [*PATH, "every_days"],
        )
