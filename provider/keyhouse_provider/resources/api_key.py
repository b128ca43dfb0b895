"""``keyhouse_api_key``: a scoped, expiring API key for a user or a role."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from keyhouse_provider.base import KeyhouseResource
from keyhouse_provider.framework.base import Context, PlanContext, ProviderError
from keyhouse_provider.framework.schema import Attr, Schema
from keyhouse_provider.framework.state import State, replace_paths
from keyhouse_provider.framework.tfcompat import Unknown
from keyhouse_provider.framework.types import NUMBER, STRING, SetOf, number
from keyhouse_provider.resources import _rotation as rotation
from keyhouse_provider.resources import _stored_secret as stored
from keyhouse_provider.resources._common import (
    arn,
    bad_import_id,
    created_at,
    gone_ok,
    or_none,
    timestamp,
)

if TYPE_CHECKING:
    from keyhouse_client import models

ROLLS_ON = ("expires_in_days",)
"""The inputs whose change rolls the key: a roll makes a new key (id, prefix, times).

Time rolls it too (a due ``rotation``, an expired key), which ``plan`` decides. What
the key belongs to replaces it instead: its owner (a roll keeps the owner) and its
project. Terraform deletes a replaced project before it updates what refers to it,
and the service keeps a project while any key is restricted to it, so a key rolled
out of a renamed project would stop the apply.
"""


class ApiKey(KeyhouseResource):
    """``keyhouse_api_key``."""

    name = "api_key"

    schema = Schema(
        description=(
            "A Keyhouse API key with scopes and an expiry, for the provider's principal, "
            "another user or a role (the latter two need an admin's key). The key itself is "
            "shown once, when it is created: either kept in the state (`key`, sensitive) or, "
            "with `store_in_secret`, written straight into a secret and never shown at all. "
            "A new lifetime, a key that expired, and a `rotation` that is due roll the key in "
            "place (a new key in the old one's place, while the old one keeps working for the "
            "overlap). A key revoked or deleted outside Terraform is planned anew."
        ),
        attributes=(
            Attr(
                "id",
                STRING,
                "The Key ID (the middle part of the key). Also the import ID. A roll gives the "
                "key a new one.",
                computed=True,
                follows=ROLLS_ON,
            ),
            Attr(
                "name",
                STRING,
                "The key's name, unique among its owner's keys. Changes in place.",
                required=True,
            ),
            Attr(
                "scopes",
                SetOf(STRING),
                "Scopes from the service's catalog (`data.keyhouse_scopes`), checked at plan "
                "time. A key can only grant scopes the provider's key holds. Changes in place.",
                required=True,
            ),
            Attr(
                "owner_user",
                STRING,
                "The user who owns the key. Leave out both `owner_user` and `owner_role` for a "
                "key of the provider's own principal. Changing it creates a new key.",
                optional=True,
                computed=True,
                replace=True,
            ),
            Attr(
                "owner_role",
                STRING,
                "The role (`keyhouse_role`) that owns the key. Changing it creates a new key.",
                optional=True,
                computed=True,
                replace=True,
            ),
            Attr(
                "project",
                STRING,
                "Restrict the key to this project: it only works there, and only while its owner "
                "collaborates on it. Changing it creates a new key.",
                optional=True,
                replace=True,
            ),
            Attr(
                "expires_in_days",
                NUMBER,
                "Lifetime in days, checked at plan time against the admin's maximum. Default: "
                "the admin's default lifetime (then this shows it). Changing it rolls the key "
                "(see `rotation`); leaving it out later keeps the key.",
                optional=True,
                computed=True,
                # Planned as configured, or kept: no update changes it otherwise.
                stable=True,
            ),
            Attr(
                "key",
                STRING,
                "The API key. Null with `store_in_secret`, and after an import (the service "
                "shows a key once). A roll puts the new key here.",
                computed=True,
                # Planned by the resource: a roll changes it unless the key is in a secret.
                stable=True,
                sensitive=True,
            ),
            Attr(
                "prefix",
                STRING,
                "The key's first characters, as listings show them.",
                computed=True,
                follows=ROLLS_ON,
            ),
            Attr(
                "status",
                STRING,
                "`active`, `rolled` (replaced outside Terraform), `revoked` or `expired`. A "
                "revoked key is planned anew; a rolled or expired one rolls.",
                computed=True,
                stable=True,
            ),
            arn("key", follows=ROLLS_ON),
            created_at("key", follows=ROLLS_ON),
            Attr(
                "expires_at",
                STRING,
                "When the key expires (RFC 3339, UTC).",
                computed=True,
                follows=ROLLS_ON,
            ),
            Attr(
                "stored_secret_id",
                STRING,
                "The id of the secret `store_in_secret` wrote.",
                computed=True,
                stable=True,
            ),
            Attr(
                "stored_secret_arn",
                STRING,
                "The Keyhouse Resource Name of that secret, for a policy that lets the key's "
                "owner read it.",
                computed=True,
                stable=True,
            ),
            Attr(
                "stored_secret_version",
                NUMBER,
                "The version of that secret that holds this key; null when a refresh found the "
                "secret deleted or its value changed (the plan then replaces the key, and the "
                "replacement deletes and writes the secret again). A roll writes the next one.",
                computed=True,
                # Planned by the resource: a roll changes it when the key is in a secret.
                stable=True,
            ),
        ),
        blocks=(stored.BLOCK, rotation.BLOCK),
    )

    def validate(self, ctx: Context, config: State) -> None:
        """One owner at most; a positive lifetime; the block's visibility."""
        if config["owner_user"] is not None and config["owner_role"] is not None:
            ctx.error(
                "Two owners",
                "Set owner_user or owner_role, not both (neither: the provider's principal).",
                ["owner_role"],
            )
        days = number(config["expires_in_days"])
        if days is not None and (days < 1 or not float(days).is_integer()):
            ctx.error(
                "Invalid expires_in_days",
                "expires_in_days must be a whole number of days, at least 1.",
                ["expires_in_days"],
            )
        if isinstance(config["scopes"], list) and not config["scopes"]:
            ctx.error("No scopes", "A key needs at least one scope.", ["scopes"])
        stored.validate(ctx, config["store_in_secret"])
        rotation.validate(ctx, config["rotation"])

    def plan(self, ctx: PlanContext, prior: State | None, planned: State, config: State) -> None:
        """Owners follow the configuration; a revoked key or a lost secret plans a new key;
        what the service can roll (a due rotation, a new lifetime, a key that expired or was
        rolled) plans a roll; checks against the service."""
        if config["owner_user"] is not None:
            planned["owner_role"] = None
        elif config["owner_role"] is not None:
            planned["owner_user"] = None
        stored.plan(ctx, planned["store_in_secret"], config["store_in_secret"])
        if planned["store_in_secret"] is not None:
            planned["key"] = None
        if prior is None:
            self._check(ctx, planned["scopes"], planned["expires_in_days"])
            rotation.check_lifetime(ctx, planned["rotation"], self._lifetime(planned))
            return
        lifetime_changed = not NUMBER.equal(prior["expires_in_days"], planned["expires_in_days"])
        self._check(
            ctx,
            planned["scopes"] if prior["scopes"] != planned["scopes"] else None,
            planned["expires_in_days"] if lifetime_changed else None,
        )
        rotation.check_lifetime(ctx, planned["rotation"], self._lifetime(planned))
        if prior["status"] == "revoked":
            planned["status"] = "active"
            ctx.require_replace(["status"])
        if planned["store_in_secret"] is not None and prior["stored_secret_version"] is None:
            planned["stored_secret_version"] = Unknown
            ctx.require_replace(["stored_secret_version"])
        if ctx.replacements or replace_paths(self.schema, prior, planned):
            return
        reason = _roll_reason(prior, planned, datetime.now(UTC))
        if reason is not None:
            _plan_roll(ctx, prior, planned, reason)
        elif planned["expires_in_days"] is Unknown:
            # Known at apply only: the key may roll then (the framework plans what ROLLS_ON
            # moves; these two the resource plans).
            _plan_new_key(planned)

    def _lifetime(self, planned: State) -> Any:
        """The key's lifetime in days: as planned, or the admin's default for a new key."""
        days = planned["expires_in_days"]
        if days is Unknown and self.configured and planned["rotation"] is not None:
            return self.connection.settings().default_key_lifetime_days
        return days

    def _check(self, ctx: Context, scopes: Any, days: Any) -> None:
        """Against the service: scopes in the catalog, lifetime within the admin's maximum."""
        if not self.configured:
            return
        if isinstance(scopes, list) and all(isinstance(s, str) for s in scopes):
            catalog = {scope.name for scope in self.connection.scopes()}
            for scope in sorted(set(scopes) - catalog):
                ctx.error(
                    "Unknown scope",
                    f"The scope {scope!r} is not in the service's scope catalog "
                    f"(GET /api/v1/scopes: {', '.join(sorted(catalog))}).",
                    ["scopes"],
                )
        days = number(days)
        if days is not None:
            maximum = self.connection.settings().max_key_lifetime_days
            if days > maximum:
                ctx.error(
                    "Key lifetime beyond the maximum",
                    f"expires_in_days is {int(days)}, beyond the maximum key lifetime of "
                    f"{maximum} days set by the admin (GET /api/v1/settings).",
                    ["expires_in_days"],
                )

    def create(self, ctx: Context, planned: State) -> State:
        """``POST /api-keys`` once per resource instance; then, with ``store_in_secret``,
        ``POST /secrets`` with the key, which is dropped right after."""
        connection = self.connection
        connection.snapshots.invalidate("api_key")
        api_keys = connection.client.api_keys
        body = {
            "name": planned["name"],
            "scopes": sorted(planned["scopes"]),
            "project": planned["project"],
            "owner_user": _known(planned["owner_user"]),
            "owner_role": _known(planned["owner_role"]),
            "expires_in_days": _whole(planned["expires_in_days"]),
        }
        created = connection.create_once(
            self.type_name(),
            body,
            lambda key: api_keys.with_response.create(**body, idempotency_key=key),
            alive=lambda found: _active(or_none(lambda: api_keys.get(key_id=found.id))),
            identify=lambda found: found.id,
        )
        state = _state(created, planned)
        block = planned["store_in_secret"]
        if block is None:
            # Asked for: without store_in_secret the key is the sensitive attribute `key`.
            state["key"] = created.key.get_secret_value()
            return state
        # The key goes from the service's answer into the secret, and nowhere else: not
        # into the state, not into a message. Nothing holds it once this returns.
        try:
            secret = stored.store(
                connection, self.type_name(), block, created.key.get_secret_value()
            )
        except Exception as exc:
            if _refused(exc):
                # No key without its secret: the next apply makes a new one (see create_once).
                gone_ok(lambda: api_keys.delete(key_id=state["id"]))
            # Otherwise the secret may exist: the next apply gets both answers again.
            raise
        state["stored_secret_id"] = secret.id
        state["stored_secret_arn"] = secret.arn
        state["stored_secret_version"] = secret.version
        return state

    def read(self, ctx: Context, current: State) -> State | None:
        """``GET /api-keys/{id}``, and the stored secret's version when there is one."""
        api_keys = self.connection.client.api_keys
        key_id = current["id"]
        found = self.connection.snapshots.read(
            "api_key",
            "visible",
            key_id,
            one=lambda: or_none(lambda: api_keys.get(key_id=key_id)),
            every=lambda: api_keys.iter(limit=200),
            key_of=lambda key: key.id,
        )
        if found is None:
            return None
        state = _state(found, current)
        if current["stored_secret_version"] is not None:
            stored.refresh(ctx, self.connection, found.id, current, state, found.replaced_by)
        return state

    def update(self, ctx: Context, prior: State, planned: State) -> State:
        """``PATCH /api-keys/{id}``: the name and the scopes; or, when the plan rolls the key,
        the name, then ``POST /api-keys/{id}/roll`` with the rest."""
        changes: dict[str, Any] = {}
        if planned["name"] != prior["name"]:
            changes["name"] = planned["name"]
        # A roll planned (the id unknown) for a reason that holds with the final values: one
        # planned for a lifetime known only now rolls only if it did change.
        rolls = (
            planned["id"] is Unknown and _roll_reason(prior, planned, datetime.now(UTC)) is not None
        )
        if sorted(planned["scopes"]) != sorted(prior["scopes"]) and not rolls:
            changes["scopes"] = sorted(planned["scopes"])
        self.connection.snapshots.invalidate("api_key")
        api_keys = self.connection.client.api_keys
        if rolls:
            if changes:
                api_keys.update(key_id=prior["id"], **changes)
            return self._roll(prior, planned)
        found = (
            api_keys.update(key_id=prior["id"], **changes)
            if changes
            else api_keys.get(key_id=prior["id"])
        )
        return _state(found, planned)

    def _roll(self, prior: State, planned: State) -> State:
        """Roll the key once per request (an apply cut off after the service rolled it gets
        that roll back); a key rolled outside Terraform meanwhile has its successor rolled."""
        from keyhouse_client import ConflictError

        api_keys = self.connection.client.api_keys
        body: dict[str, Any] = {
            "key_id": prior["id"],
            "overlap_seconds": rotation.overlap_seconds(planned["rotation"]),
        }
        if sorted(planned["scopes"]) != sorted(prior["scopes"]):
            body["scopes"] = sorted(planned["scopes"])
        if _whole(planned["expires_in_days"]) is not None:
            body["expires_in_days"] = _whole(planned["expires_in_days"])
        if planned["store_in_secret"] is not None:
            body["store_in_secret_id"] = prior["stored_secret_id"]

        def roll(request: dict[str, Any]) -> models.ApiKeyRolled:
            return self.connection.create_once(
                f"{self.type_name()}.roll",
                request,
                lambda key: api_keys.with_response.roll(**request, idempotency_key=key),
                alive=lambda found: _active(or_none(lambda: api_keys.get(key_id=found.id))),
                identify=lambda found: found.id,
            )

        try:
            rolled = roll(body)
        except ConflictError:
            successor = api_keys.get(key_id=prior["id"]).replaced_by
            if successor is None:
                raise
            rolled = roll({**body, "key_id": successor})
        state = _state(rolled, planned)
        if rolled.secret is not None:
            state["stored_secret_version"] = rolled.secret.version
        else:
            state["key"] = None if rolled.key is None else rolled.key.get_secret_value()
        return state

    def delete(self, ctx: Context, prior: State) -> None:
        """Delete the stored secret, then the key and the keys it replaced by rolls (still
        working through their overlap, or expired): a destroy or a ``-replace`` leaves no key
        of this resource working, and none that keeps its project from being deleted."""
        self.connection.snapshots.invalidate("api_key")
        stored.remove(self.connection, prior["stored_secret_id"])
        api_keys = self.connection.client.api_keys
        for key_id in [prior["id"], *_predecessors(api_keys.iter(limit=200), prior["id"])]:
            gone_ok(functools.partial(api_keys.delete, key_id=key_id))

    def import_state(self, ctx: Context, import_id: str) -> State | None:
        """Import by Key ID, or ``<key id>/<secret id>`` for a key held by ``store_in_secret``."""
        key_id, _, secret_id = import_id.partition("/")
        if not key_id or (_ and not secret_id):
            raise bad_import_id(self.type_name(), import_id, "<key id> or <key id>/<secret id>")
        state: State = {"id": key_id}
        if secret_id:
            if or_none(lambda: self.connection.client.api_keys.get(key_id=key_id)) is None:
                raise ProviderError("Cannot import the key", f"API key {key_id} does not exist.")
            state.update(stored.adopt(self.connection, key_id, secret_id))
        return state


@dataclass(frozen=True)
class RollReason:
    """Why a key rolls: the plan's summary, the sentence after "because", where it is set."""

    summary: str
    because: str
    path: list[str] | None


def _roll_reason(prior: State, planned: State, now: datetime) -> RollReason | None:
    """Why the key rolls, if it does: it expired or was rolled, a new lifetime, a due rotation."""
    if prior["status"] in ("expired", "rolled"):
        return RollReason("API key rolls", f"it is {prior['status']}", None)
    days = planned["expires_in_days"]
    if days is not Unknown and not NUMBER.equal(prior["expires_in_days"], days):
        return RollReason("API key rolls", "expires_in_days changed", ["expires_in_days"])
    due = rotation.due(prior, planned["rotation"], now)
    if due is not None:
        return RollReason("Rotation due", due, rotation.PATH)
    return None


def _plan_new_key(planned: State) -> None:
    """What a roll changes beyond what ``ROLLS_ON`` makes the framework plan unknown."""
    if planned["store_in_secret"] is not None:
        planned["stored_secret_version"] = Unknown
    else:
        planned["key"] = Unknown


def _plan_roll(ctx: PlanContext, prior: State, planned: State, reason: RollReason) -> None:
    """Plan a roll in place: what the new key brings is known after apply."""
    for name in ("id", "arn", "prefix", "created_at", "expires_at"):
        planned[name] = Unknown
    planned["status"] = "active"
    _plan_new_key(planned)
    if planned["store_in_secret"] is not None:
        where = f"the new key becomes the next version of secret {prior['stored_secret_id']}"
    else:
        where = "the new key replaces `key` in the state"
    hours = rotation.overlap_hours(planned["rotation"])
    ctx.warning(
        reason.summary,
        f"API key {prior['id']} rolls because {reason.because}: this apply makes a new key in "
        f"its place ({where}), and the old key keeps working for {hours:g} hours. Use "
        "terraform apply -replace for a hard replacement.",
        reason.path,
    )


def _predecessors(keys: Iterable[models.ApiKeyPublic], key_id: str) -> list[str]:
    """The keys rolled, one after the other, into ``key_id``: newest first."""
    replaced = {key.replaced_by: key.id for key in keys if key.replaced_by is not None}
    chain: list[str] = []
    while (older := replaced.get(chain[-1] if chain else key_id)) is not None:
        if older in chain:  # a cycle cannot happen; never loop on one anyway
            break
        chain.append(older)
    return chain


def _known(value: Any) -> Any:
    return None if value is Unknown else value


def _whole(value: Any) -> int | None:
    days = number(value)
    return None if days is None else int(days)


def _refused(exc: Exception) -> bool:
    """Whether the service answered, and said no (so nothing was created)."""
    from keyhouse_client import APIError

    return isinstance(exc, APIError) and exc.status < 500


def _active(found: models.ApiKeyPublic | None) -> bool:
    return found is not None and found.status == "active"


def lifetime_days(created: datetime, expires: datetime) -> int | None:
    """The lifetime in whole days, when it is one (keys made with ``expires_in_days`` are)."""
    delta = expires - created
    return delta.days if delta.seconds == 0 and delta.microseconds == 0 else None


def _state(
    found: models.ApiKeyPublic | models.ApiKeyCreated | models.ApiKeyRolled, previous: State
) -> State:
    days = previous.get("expires_in_days")
    if days is None or days is Unknown:
        days = lifetime_days(found.created_at, found.expires_at)
    return {
        "id": found.id,
        "arn": found.arn,
        "name": found.name,
        "scopes": list(found.scopes),
        "owner_user": found.owner.name if found.owner.kind == "user" else None,
        "owner_role": found.owner.name if found.owner.kind == "role" else None,
        "project": found.project,
        "expires_in_days": days,
        "key": previous.get("key") if previous.get("key") is not Unknown else None,
        "prefix": found.prefix,
        "status": found.status,
        "created_at": timestamp(found.created_at),
        "expires_at": timestamp(found.expires_at),
        "stored_secret_id": _known(previous.get("stored_secret_id")),
        "stored_secret_arn": _known(previous.get("stored_secret_arn")),
        "stored_secret_version": _known(previous.get("stored_secret_version")),
        "store_in_secret": previous.get("store_in_secret"),
        "rotation": previous.get("rotation"),
    }
