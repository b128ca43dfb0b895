"""Access: policies and their documents, attachments, validation pointed at the line, simulate."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Path
from starlette.responses import Response

from keyhouse.console.api import ApiError
from keyhouse.console.documents import pointed
from keyhouse.console.web import Console, ConsoleDep, Form

router = APIRouter()
NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
PolicyName = Annotated[str, Path(pattern=NAME)]
EXAMPLE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadToken",
            "Effect": "Allow",
            "Action": ["secrets:GetSecret", "secrets:GetSecretValue"],
            "Resource": "khrn:secret:project/PROJECT/NAME",
        }
    ],
}


async def _check(console: Console, text: str) -> tuple[Any, dict[str, Any] | None]:
    """The parsed document and, when it is not valid, what to show: lines and findings."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, {"lines": [], "words": [f"line {exc.lineno}: not JSON: {exc.msg}"]}
    report = await console.api.post("/iam/policies:validate", {"document": document})
    if report["valid"]:
        return document, None
    lines, words = pointed(document, report["errors"])
    return document, {"lines": lines, "words": words}


async def _access_page(console: Console, status: int = 200, **context: Any) -> Response:
    policies = await console.api.get("/iam/policies", limit=200)
    context.setdefault("values", {"name": "", "description": "", "document": ""})
    context["values"]["document"] = context["values"]["document"] or json.dumps(EXAMPLE, indent=2)
    context.setdefault("simulate", {"kind": "user", "name": "", "action": "", "resource": ""})
    return console.page("access/index.html", status, policies=policies["data"], **context)


@router.get("/access")
async def access(console: ConsoleDep) -> Response:
    """Policies, a new-policy form and "why can X do Y?"."""
    return await _access_page(console)


@router.post("/access/policies")
async def create_policy(console: ConsoleDep) -> Response:
    """Create a policy after validating its document; findings point at lines."""
    form = await console.form()
    values = {key: form.raw(key) for key in ("name", "description", "document")}
    document, invalid = await _check(console, form.raw("document"))
    if invalid is not None:
        return await _access_page(console, 422, values=values, invalid=invalid)
    body: dict[str, Any] = {"name": form.get("name"), "document": document}
    if form.optional("description"):
        body["description"] = form.get("description")
    try:
        created = await console.api.post("/iam/policies", body)
    except ApiError as exc:
        return await _access_page(console, 422, values=values, error=exc.detail)
    return console.redirect(
        f"/access/policies/{created['name']}", f"Policy “{created['name']}” created."
    )


@router.post("/access/simulate")
async def simulate(console: ConsoleDep) -> Response:
    """Why can (or can't) a principal do an action on a resource: the deciding statements."""
    form = await console.form()
    asked = {key: form.get(key) for key in ("kind", "name", "action", "resource")}
    body = {
        "principal": {"kind": asked["kind"] or "user", "name": asked["name"]},
        "action": asked["action"],
        "resource": asked["resource"],
    }
    try:
        answer = await console.api.post("/iam:simulate", body)
    except ApiError as exc:
        return await _access_page(console, 422, simulate=asked, simulate_error=exc.detail)
    return await _access_page(console, simulate=asked, answer=answer)


async def _policy_page(console: Console, name: str, status: int = 200, **context: Any) -> Response:
    try:
        policy = await console.api.get(f"/iam/policies/{name}")
        attachments = await console.api.get(f"/iam/policies/{name}/attachments", limit=200)
    except ApiError as exc:
        return console.redirect("/access", exc.detail, "error")
    lines, _ = pointed(policy["document"], [])
    context.setdefault("document_text", json.dumps(policy["document"], indent=2))
    return console.page(
        "access/policy.html",
        status,
        policy=policy,
        lines=lines,
        attachments=attachments["data"],
        **context,
    )


@router.get("/access/policies/{name}")
async def show_policy(name: PolicyName, console: ConsoleDep) -> Response:
    """A policy's document (numbered lines), its attachments, and its edit form."""
    return await _policy_page(console, name)


@router.post("/access/policies/{name}")
async def update_policy(name: PolicyName, console: ConsoleDep) -> Response:
    """A new document: a new version, after validation."""
    form = await console.form()
    document, invalid = await _check(console, form.raw("document"))
    if invalid is not None:
        return await _policy_page(
            console, name, 422, invalid=invalid, document_text=form.raw("document")
        )
    try:
        policy = await console.api.patch(f"/iam/policies/{name}", {"document": document})
    except ApiError as exc:
        return await _policy_page(
            console, name, 422, error=exc.detail, document_text=form.raw("document")
        )
    return console.redirect(
        f"/access/policies/{name}", f"Policy “{name}” is now at version {policy['version']}."
    )


def _principal(form: Form) -> tuple[str, str]:
    return form.get("principal_kind") or "role", form.get("principal_name")


@router.post("/access/policies/{name}/attachments")
async def attach(name: PolicyName, console: ConsoleDep) -> Response:
    """Attach the policy to a user or role."""
    kind, who = _principal(await console.form())
    try:
        await console.api.post(
            f"/iam/policies/{name}/attachments", {"principal_kind": kind, "principal_name": who}
        )
    except ApiError as exc:
        return console.redirect(f"/access/policies/{name}", f"Not attached: {exc.detail}", "error")
    return console.redirect(f"/access/policies/{name}", f"Attached to {kind}/{who}.")


@router.post("/access/policies/{name}/detach")
async def detach(name: PolicyName, console: ConsoleDep) -> Response:
    """Detach the policy from a user or role."""
    kind, who = _principal(await console.form())
    if kind not in ("user", "role") or not re.fullmatch(NAME, who):
        return console.redirect(
            f"/access/policies/{name}", "Not detached: unknown holder.", "error"
        )
    try:
        await console.api.delete(f"/iam/policies/{name}/attachments/{kind}/{who}")
    except ApiError as exc:
        return console.redirect(f"/access/policies/{name}", f"Not detached: {exc.detail}", "error")
    return console.redirect(f"/access/policies/{name}", f"Detached from {kind}/{who}.")


@router.post("/access/policies/{name}/delete")
async def delete_policy(name: PolicyName, console: ConsoleDep) -> Response:
    """Delete a policy (refused while it is attached)."""
    await console.form()
    try:
        await console.api.delete(f"/iam/policies/{name}")
    except ApiError as exc:
        return console.redirect(f"/access/policies/{name}", f"Not deleted: {exc.detail}", "error")
    return console.redirect("/access", f"Policy “{name}” is deleted.")
