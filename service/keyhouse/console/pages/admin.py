"""Admin: the default and maximum key lifetime, users and roles, the audit log with filters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from keyhouse.console.api import ApiError
from keyhouse.console.web import Console, ConsoleDep, rows

router = APIRouter()


async def _admin_page(console: Console, status: int = 200, **context: Any) -> Response:
    try:
        settings = await console.api.get("/settings")
        users = await console.api.get("/users", limit=200)
        roles = await console.api.get("/roles", limit=200)
    except ApiError as exc:
        return console.page("refused.html", exc.status, message=exc.detail)
    context.setdefault("errors", {})
    return console.page(
        "admin/index.html",
        status,
        settings=settings,
        users=users["data"],
        roles=roles["data"],
        **context,
    )


@router.get("/admin")
async def admin(console: ConsoleDep) -> Response:
    """Settings, users and roles (the API refuses anyone but admins)."""
    return await _admin_page(console)


@router.post("/admin/settings")
async def update_settings(console: ConsoleDep) -> Response:
    """Change the default and maximum lifetime of new keys."""
    form = await console.form()
    body: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in ("default_key_lifetime_days", "max_key_lifetime_days"):
        value = form.get(name)
        if not value.isdigit():
            errors[name] = "Give a whole number of days."
        else:
            body[name] = int(value)
    if not errors:
        try:
            await console.api.patch("/settings", body)
        except ApiError as exc:
            for name in body:
                message = exc.field(name)
                if message:
                    errors[name] = message
            return await _admin_page(console, 422, errors=errors, error=exc.detail)
        return console.redirect("/admin", "Key lifetimes saved; existing keys keep their expiry.")
    return await _admin_page(console, 422, errors=errors)


@router.post("/admin/users")
async def create_user(console: ConsoleDep) -> Response:
    """Add a user (optionally an admin)."""
    form = await console.form()
    body: dict[str, Any] = {"name": form.get("name"), "is_admin": form.get("is_admin") == "yes"}
    if form.optional("email"):
        body["email"] = form.get("email")
    try:
        user = await console.api.post("/users", body)
    except ApiError as exc:
        return console.redirect("/admin", f"User not added: {exc.detail}", "error")
    return console.redirect("/admin", f"User “{user['name']}” added.")


@router.post("/admin/roles")
async def create_role(console: ConsoleDep) -> Response:
    """Add a role (a machine identity)."""
    form = await console.form()
    body: dict[str, Any] = {"name": form.get("name")}
    if form.optional("description"):
        body["description"] = form.get("description")
    try:
        role = await console.api.post("/roles", body)
    except ApiError as exc:
        return console.redirect("/admin", f"Role not added: {exc.detail}", "error")
    return console.redirect("/admin", f"Role “{role['name']}” added.")


@router.get("/admin/audit")
async def audit_log(
    console: ConsoleDep,
    principal: Annotated[str, Query(max_length=64)] = "",
    action: Annotated[str, Query(max_length=64)] = "",
    cursor: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    """Audited actions, newest first, filtered by principal name and action."""
    filters = {"principal": principal.strip(), "action": action.strip()}
    try:
        events = await console.api.get(
            "/audit", principal=filters["principal"], action=filters["action"], cursor=cursor
        )
    except ApiError as exc:
        return console.page("refused.html", exc.status, message=exc.detail)
    return console.page(
        "admin/audit.html",
        events=rows(events["data"]),
        next_cursor=events["next_cursor"],
        first_page=not cursor,
        filters=filters,
    )
