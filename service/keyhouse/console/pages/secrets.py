"""Secrets: the list, the New Secret dialog (text or file; private or project), read, replace.

A file is read and base64-encoded in the browser (console.js); the service
keeps and returns that base64 string. Values appear only on the page that
answers an explicit (audited) read.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from keyhouse.console.api import ApiError
from keyhouse.console.web import Console, ConsoleDep, Form, rows
from keyhouse.schemas.secrets import MAX_VALUE_CHARS

router = APIRouter()
SecretId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


async def _projects(console: Console) -> list[dict[str, Any]]:
    try:
        projects: list[dict[str, Any]] = (await console.api.get("/projects", limit=200))["data"]
    except ApiError:
        return []
    return projects


async def _list_page(
    console: Console,
    cursor: str = "",
    form: Form | None = None,
    error: ApiError | None = None,
    status: int = 200,
) -> Response:
    listing = await console.api.get("/secrets", cursor=cursor, limit=50)
    values = {
        "name": form.get("name") if form else "",
        "type": (form.get("type") if form else "") or "text",
        "visibility": (form.get("visibility") if form else "") or "private",
        "project": form.get("project") if form else "",
        "description": form.get("description") if form else "",
    }
    errors = {}
    if error is not None:
        for name in ("name", "value", "type", "visibility", "project", "description"):
            message = error.field(name)
            if message:
                errors[name] = message
    return console.page(
        "secrets/list.html",
        status,
        secrets=rows(listing["data"]),
        next_cursor=listing["next_cursor"],
        first_page=not cursor,
        projects=await _projects(console),
        values=values,
        errors=errors,
        summary=error.detail if error else None,
        max_chars=MAX_VALUE_CHARS,
        open_dialog=form is not None,
    )


@router.get("/secrets")
async def list_secrets(
    console: ConsoleDep, cursor: Annotated[str, Query(max_length=500)] = ""
) -> Response:
    """The secrets the caller may read: name, visibility, project, version, dates."""
    return await _list_page(console, cursor)


@router.post("/secrets")
async def create_secret(console: ConsoleDep) -> Response:
    """Create a secret from the New Secret dialog."""
    form = await console.form()
    body: dict[str, Any] = {
        "name": form.get("name"),
        "type": form.get("type") or "text",
        "value": form.raw("value"),
        "visibility": form.get("visibility") or "private",
    }
    if body["visibility"] == "project":
        body["project"] = form.optional("project")
    if form.optional("description"):
        body["description"] = form.get("description")
    try:
        created = await console.api.post("/secrets", body)
    except ApiError as exc:
        return await _list_page(console, form=form, error=exc, status=422)
    where = f"shared with project “{created['project']}”" if created["project"] else "private"
    return console.redirect(
        f"/secrets/{created['id']}", f"Secret “{created['name']}” was created ({where})."
    )


async def _detail_page(
    console: Console, secret_id: str, status: int = 200, **context: Any
) -> Response:
    try:
        secret = await console.api.get(f"/secrets/{secret_id}")
    except ApiError as exc:
        return console.redirect("/secrets", exc.detail, "error")
    context.setdefault("value", None)
    context.setdefault("errors", {})
    return console.page(
        "secrets/detail.html", status, secret=secret, max_chars=MAX_VALUE_CHARS, **context
    )


@router.get("/secrets/{secret_id}")
async def show_secret(secret_id: SecretId, console: ConsoleDep) -> Response:
    """A secret's metadata, with Read, Replace value and Delete."""
    return await _detail_page(console, secret_id)


@router.post("/secrets/{secret_id}/read")
async def read_secret(secret_id: SecretId, console: ConsoleDep) -> Response:
    """Reveal the value (audited as secrets:GetSecretValue)."""
    await console.form()
    try:
        value = await console.api.get(f"/secrets/{secret_id}/value")
    except ApiError as exc:
        return await _detail_page(console, secret_id, 403, summary=exc.detail)
    return await _detail_page(console, secret_id, value=value)


@router.post("/secrets/{secret_id}/value")
async def replace_value(secret_id: SecretId, console: ConsoleDep) -> Response:
    """Replace the value: a new version."""
    form = await console.form()
    body = {"value": form.raw("value"), "type": form.get("type") or "text"}
    try:
        secret = await console.api.put(f"/secrets/{secret_id}/value", body)
    except ApiError as exc:
        errors = {"value": exc.field("value") or exc.detail}
        return await _detail_page(console, secret_id, 422, summary=exc.detail, errors=errors)
    return console.redirect(
        f"/secrets/{secret_id}",
        f"Secret “{secret['name']}” has a new value (version {secret['version']}).",
    )


@router.post("/secrets/{secret_id}/delete")
async def delete_secret(secret_id: SecretId, console: ConsoleDep) -> Response:
    """Delete a secret and its value."""
    await console.form()
    try:
        await console.api.delete(f"/secrets/{secret_id}")
    except ApiError as exc:
        return console.redirect(f"/secrets/{secret_id}", f"Not deleted: {exc.detail}", "error")
    return console.redirect("/secrets", "The secret is deleted.")
