"""Rolling an API key: a new key in the old one's place, the old one working for an overlap.

The form says how long the old key keeps working and where the new key goes.
Shown once, it is on the page that answers the roll and then gone, as on
create. Kept in a secret, it goes from the service into that secret (the one
holding the old key, as its next version: same id, same arn) and never
reaches the browser.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Path
from starlette.responses import Response

from keyhouse.console.api import ApiError
from keyhouse.console.web import Console, ConsoleDep, Form, when
from keyhouse.core.keys import KEY_ID_PATTERN
from keyhouse.schemas.api_keys import MAX_OVERLAP_SECONDS

router = APIRouter()
KeyId = Annotated[str, Path(pattern=KEY_ID_PATTERN)]
DEFAULT_OVERLAP_HOURS = "24"
MAX_OVERLAP_HOURS = MAX_OVERLAP_SECONDS // 3600


def _values(form: Form | None) -> dict[str, str]:
    if form is None:
        return {
            "overlap_hours": DEFAULT_OVERLAP_HOURS,
            "deliver": "show",
            "secret_name": "",
            "secret_visibility": "private",
            "secret_project": "",
        }
    return {
        "overlap_hours": form.get("overlap_hours"),
        "deliver": form.get("deliver") or "show",
        "secret_name": form.get("secret_name"),
        "secret_visibility": form.get("secret_visibility") or "private",
        "secret_project": form.get("secret_project"),
    }


def overlap_seconds(text: str) -> int | None:
    """Hours as typed (``24``, ``0.5``, ``0``) in whole seconds; None when not a valid overlap."""
    try:
        hours = float(text)
    except ValueError:
        return None
    if not math.isfinite(hours) or not 0 <= hours <= MAX_OVERLAP_HOURS:
        return None
    return round(hours * 3600)


async def _form_page(
    console: Console,
    key: dict[str, Any],
    values: dict[str, str],
    status: int = 200,
    errors: dict[str, str] | None = None,
    summary: str | None = None,
) -> Response:
    try:
        projects = (await console.api.get("/projects", limit=200))["data"]
    except ApiError:
        projects = []
    return console.page(
        "keys/roll.html",
        status,
        key=key,
        values=values,
        errors=errors or {},
        summary=summary,
        projects=projects,
        max_overlap_hours=MAX_OVERLAP_HOURS,
    )


@router.get("/keys/{key_id}/roll")
async def roll_form(key_id: KeyId, console: ConsoleDep) -> Response:
    """The roll form: the overlap (24 hours unless changed) and where the new key goes."""
    try:
        key = await console.api.get(f"/api-keys/{key_id}")
    except ApiError as exc:
        return console.redirect("/keys", f"Cannot roll: {exc.detail}", "error")
    return await _form_page(console, key, _values(None))


async def _secret_id(console: Console, form: Form, errors: dict[str, str]) -> str | None:
    """The id of the secret named in the form (which must hold the old key), or None."""
    name = form.get("secret_name")
    if not name:
        errors["secret_name"] = "Name the secret that holds this key."  # noqa: S105
        return None
    project = None
    if (form.get("secret_visibility") or "private") == "project":
        project = form.get("secret_project") or None
        if project is None:
            errors["secret_project"] = "Choose the project the secret is shared with."  # noqa: S105
            return None
    try:
        found = await console.api.get("/secrets/by-name", name=name, project=project)
    except ApiError as exc:
        errors["secret_name"] = exc.field("name") or exc.detail
        return None
    return str(found["id"])


@router.post("/keys/{key_id}/roll")
async def roll_key(key_id: KeyId, console: ConsoleDep) -> Response:
    """Roll the key; show the new key once, or write it into the secret holding the old one."""
    form = await console.form()
    try:
        key = await console.api.get(f"/api-keys/{key_id}")
    except ApiError as exc:
        return console.redirect("/keys", f"Not rolled: {exc.detail}", "error")
    errors: dict[str, str] = {}
    body: dict[str, Any] = {}
    seconds = overlap_seconds(form.get("overlap_hours"))
    if seconds is None:
        errors["overlap_hours"] = (
            f"Give the overlap in hours, from 0 (the old key ends now) to {MAX_OVERLAP_HOURS}."
        )
    else:
        body["overlap_seconds"] = seconds
    store = form.get("deliver") == "secret"
    if store:
        secret_id = await _secret_id(console, form, errors)
        if secret_id is not None:
            body["store_in_secret_id"] = secret_id
    summary = None
    rolled = None
    status = 422
    if not errors:
        try:
            rolled = await console.api.post(f"/api-keys/{key_id}/roll", body)
        except ApiError as exc:
            summary, status = exc.detail, exc.status
            if message := exc.field("overlap_seconds"):
                errors["overlap_hours"] = message
            if message := exc.field("store_in_secret_id"):
                errors["secret_name"] = message
    if rolled is None:
        return await _form_page(
            console,
            key,
            _values(form),
            422 if errors else status,
            errors,
            summary or "The key was not rolled. Check the fields marked below.",
        )
    old = rolled["replaces"]
    secret = rolled["secret"]
    if secret is not None:
        return console.redirect(
            "/keys",
            f"API key “{rolled['name']}” was rolled: the new key ({rolled['id']}) is version "
            f"{secret['version']} of the secret “{secret['name']}”. It was not shown to anyone. "
            f"The old key ({old['id']}) works until {when(old['expires_at'])}.",
        )
    return console.page("keys/rolled.html", 201, key=rolled, old=old)
