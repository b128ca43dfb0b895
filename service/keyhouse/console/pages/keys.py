"""API keys: the list (search, unused for N days, status), create, revoke, delete.

A new key is shown once, on the page that answers the create, and is then
gone: it is in no later page, cookie or log. "Store it in a secret" sends it
from the service straight into a secret, so it never reaches the browser.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from keyhouse.console.api import ApiError, ConsoleApi
from keyhouse.console.web import Console, ConsoleDep, Form, rows
from keyhouse.core.keys import KEY_ID_PATTERN

router = APIRouter()
KeyId = Annotated[str, Path(pattern=KEY_ID_PATTERN)]
PAGE_SIZE = 50


@router.get("/keys")
async def list_keys(
    console: ConsoleDep,
    q: Annotated[str, Query(max_length=64)] = "",
    unused: Annotated[str, Query(max_length=6)] = "",
    status: Annotated[str, Query(max_length=8)] = "",
    cursor: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    """The caller's keys, 50 a page: name, key id, prefix, scopes, dates, status."""
    filters = {"q": q.strip(), "unused": unused.strip(), "status": status}
    error = None
    listing: dict[str, Any] = {"data": [], "next_cursor": None}
    if filters["unused"] and not filters["unused"].isdigit():
        error = "“Unused for” takes a whole number of days."
    else:
        try:
            listing = await console.api.get(
                "/api-keys",
                search=filters["q"],
                unused_days=filters["unused"],
                status=status,
                cursor=cursor,
                limit=PAGE_SIZE,
            )
        except ApiError as exc:
            error = exc.detail
    return console.page(
        "keys/list.html",
        400 if error else 200,
        keys=rows(listing["data"]),
        next_cursor=listing["next_cursor"],
        first_page=not cursor,
        filters=filters,
        error=error,
    )


async def _form_context(api: ConsoleApi, console: Console) -> dict[str, Any]:
    """What the create form offers: the catalog, the lifetimes, the projects (and roles)."""
    scopes = await api.get("/scopes")
    settings = await api.get("/settings")
    try:
        projects = (await api.get("/projects", limit=200))["data"]
    except ApiError:
        projects = []
    roles: list[dict[str, Any]] = []
    if console.caller.is_admin:
        try:
            roles = (await api.get("/roles", limit=200))["data"]
        except ApiError:
            roles = []
    return {
        "scopes": scopes["data"],
        "settings": settings,
        "projects": projects,
        "roles": roles,
    }


def _values(form: Form | None, settings: dict[str, Any]) -> dict[str, Any]:
    if form is None:
        return {
            "name": "",
            "scopes": [],
            "expires_in_days": str(settings["default_key_lifetime_days"]),
            "project": "",
            "owner_role": "",
            "deliver": "show",
            "secret_name": "",
            "secret_visibility": "private",
            "secret_project": "",
        }
    return {
        "name": form.get("name"),
        "scopes": form.getall("scopes"),
        "expires_in_days": form.get("expires_in_days"),
        "project": form.get("project"),
        "owner_role": form.get("owner_role"),
        "deliver": form.get("deliver") or "show",
        "secret_name": form.get("secret_name"),
        "secret_visibility": form.get("secret_visibility") or "private",
        "secret_project": form.get("secret_project"),
    }


@router.get("/keys/new")
async def new_key(console: ConsoleDep) -> Response:
    """The create form: name, scopes from the catalog, expiry (the admin's default), project."""
    context = await _form_context(console.api, console)
    return console.page(
        "keys/new.html", values=_values(None, context["settings"]), errors={}, **context
    )


@router.post("/keys")
async def create_key(console: ConsoleDep) -> Response:
    """Create the key; show it once, or store it straight into a secret."""
    form = await console.form()
    errors: dict[str, str] = {}
    body: dict[str, Any] = {"name": form.get("name"), "scopes": form.getall("scopes")}
    days = form.get("expires_in_days")
    if days:
        if days.isdigit():
            body["expires_in_days"] = int(days)
        else:
            errors["expires_in_days"] = "Give the lifetime as a whole number of days."
    if form.optional("project"):
        body["project"] = form.get("project")
    if form.optional("owner_role"):
        body["owner_role"] = form.get("owner_role")
    if not body["scopes"]:
        errors["scopes"] = "Choose at least one scope."
    store = form.get("deliver") == "secret"
    secret: dict[str, Any] = {}
    if store:
        secret = {"name": form.get("secret_name"), "type": "text"}
        secret["visibility"] = form.get("secret_visibility") or "private"
        if secret["visibility"] == "project":
            secret["project"] = form.get("secret_project") or None
        if not secret["name"]:
            errors["secret_name"] = "Name the secret that will hold the key."  # noqa: S105
    created = None
    summary = None
    if not errors:
        try:
            created = await console.api.post("/api-keys", body)
        except ApiError as exc:
            summary = exc.detail
            for name in ("name", "scopes", "expires_in_days", "project", "owner_role"):
                message = exc.field(name)
                if message:
                    errors[name] = message
    if created is not None and store:
        try:
            stored = await console.api.post("/secrets", {**secret, "value": created["key"]})
        except ApiError as exc:
            # Nothing half made: without its secret the key would be unreachable.
            await console.api.delete(f"/api-keys/{created['id']}")
            created = None
            summary = f"The key was not kept: its secret could not be stored: {exc.detail}"
            for name in ("name", "visibility", "project"):
                message = exc.field(name)
                if message:
                    errors[f"secret_{name}"] = message
        else:
            return console.redirect(
                "/keys",
                f"API key “{created['name']}” ({created['id']}) was created and stored in the "
                f"secret “{stored['name']}”. It was not shown to anyone.",
            )
    if created is None:
        context = await _form_context(console.api, console)
        return console.page(
            "keys/new.html",
            422,
            values=_values(form, context["settings"]),
            errors=errors,
            summary=summary or "The key was not created. Check the fields marked below.",
            **context,
        )
    return console.page("keys/created.html", 201, key=created)


@router.post("/keys/{key_id}/revoke")
async def revoke_key(key_id: KeyId, console: ConsoleDep) -> Response:
    """Revoke a key: final; it stays listed as revoked."""
    await console.form()
    try:
        key = await console.api.post(f"/api-keys/{key_id}/revoke")
    except ApiError as exc:
        return console.redirect("/keys", f"Not revoked: {exc.detail}", "error")
    return console.redirect("/keys", f"API key “{key['name']}” ({key_id}) is revoked, for good.")


@router.post("/keys/{key_id}/delete")
async def delete_key(key_id: KeyId, console: ConsoleDep) -> Response:
    """Delete a key and its record."""
    await console.form()
    try:
        await console.api.delete(f"/api-keys/{key_id}")
    except ApiError as exc:
        return console.redirect("/keys", f"Not deleted: {exc.detail}", "error")
    return console.redirect("/keys", f"API key {key_id} is deleted.")
