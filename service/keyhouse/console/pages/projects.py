"""Projects: their members and roles; owners (and admins) add, change and remove collaborators."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from keyhouse.console.api import ApiError
from keyhouse.console.web import ConsoleDep

router = APIRouter()
NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
ProjectName = Annotated[str, Path(pattern=NAME, max_length=64)]
MemberName = Annotated[str, Path(pattern=NAME, max_length=64)]
Kind = Annotated[str, Path(pattern=r"^(user|role)$")]


@router.get("/projects")
async def list_projects(
    console: ConsoleDep, cursor: Annotated[str, Query(max_length=500)] = ""
) -> Response:
    """The projects the caller collaborates on (every project for admins)."""
    listing = await console.api.get("/projects", cursor=cursor, limit=50)
    return console.page(
        "projects/list.html",
        projects=listing["data"],
        next_cursor=listing["next_cursor"],
        first_page=not cursor,
        values={"name": "", "description": ""},
    )


@router.post("/projects")
async def create_project(console: ConsoleDep) -> Response:
    """Create a project; its creator becomes its owner."""
    form = await console.form()
    body: dict[str, Any] = {"name": form.get("name")}
    if form.optional("description"):
        body["description"] = form.get("description")
    try:
        created = await console.api.post("/projects", body)
    except ApiError as exc:
        listing = await console.api.get("/projects", limit=50)
        return console.page(
            "projects/list.html",
            422,
            projects=listing["data"],
            next_cursor=listing["next_cursor"],
            first_page=True,
            values={"name": form.get("name"), "description": form.get("description")},
            error=exc.detail,
        )
    return console.redirect(
        f"/projects/{created['name']}", f"Project “{created['name']}” created; you own it."
    )


@router.get("/projects/{project}")
async def show_project(project: ProjectName, console: ConsoleDep) -> Response:
    """A project's members and their roles."""
    try:
        found = await console.api.get(f"/projects/{project}")
        members = await console.api.get(f"/projects/{project}/members", limit=200)
    except ApiError as exc:
        return console.redirect("/projects", exc.detail, "error")
    may_manage = found["my_role"] == "owner" or console.caller.is_admin
    return console.page(
        "projects/detail.html", project=found, members=members["data"], may_manage=may_manage
    )


@router.post("/projects/{project}/members")
async def add_member(project: ProjectName, console: ConsoleDep) -> Response:
    """Add a user or role with a project role."""
    form = await console.form()
    body = {
        "principal_kind": form.get("principal_kind") or "user",
        "principal_name": form.get("principal_name"),
        "role": form.get("role") or "member",
    }
    try:
        added = await console.api.post(f"/projects/{project}/members", body)
    except ApiError as exc:
        return console.redirect(f"/projects/{project}", f"Not added: {exc.detail}", "error")
    who = f"{added['principal_kind']}/{added['principal_name']}"
    return console.redirect(f"/projects/{project}", f"{who} is now a {added['role']}.")


@router.post("/projects/{project}/members/{kind}/{name}")
async def change_member(
    project: ProjectName, kind: Kind, name: MemberName, console: ConsoleDep
) -> Response:
    """Change a member's role."""
    form = await console.form()
    try:
        changed = await console.api.patch(
            f"/projects/{project}/members/{kind}/{name}", {"role": form.get("role")}
        )
    except ApiError as exc:
        return console.redirect(f"/projects/{project}", f"Not changed: {exc.detail}", "error")
    return console.redirect(f"/projects/{project}", f"{kind}/{name} is now a {changed['role']}.")


@router.post("/projects/{project}/members/{kind}/{name}/remove")
async def remove_member(
    project: ProjectName, kind: Kind, name: MemberName, console: ConsoleDep
) -> Response:
    """Remove a collaborator."""
    await console.form()
    try:
        await console.api.delete(f"/projects/{project}/members/{kind}/{name}")
    except ApiError as exc:
        return console.redirect(f"/projects/{project}", f"Not removed: {exc.detail}", "error")
    return console.redirect(f"/projects/{project}", f"{kind}/{name} no longer collaborates.")
