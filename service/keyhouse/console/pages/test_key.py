"""Test a key: the ``keys:verify`` answer, in words."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from keyhouse.console.api import ApiError
from keyhouse.console.web import ConsoleDep, when

router = APIRouter()


def explain(answer: dict[str, Any], wanted_scopes: list[str], project: str | None) -> str:
    """What a verify answer means, as a sentence."""
    owner = answer.get("principal") or {}
    who = f"{owner.get('kind')}/{owner.get('name')}" if owner else "its owner"
    reason = answer.get("reason")
    if answer.get("valid"):
        sentence = f"Valid: this key belongs to {who}, holds {', '.join(answer['scopes'])}"
        sentence += f" and expires on {when(answer.get('expires_at'))}."
        if project:
            sentence += f" It may be used on project “{project}”."
        return sentence
    if reason == "malformed":
        return "Not valid: this is not a Keyhouse API key (its format or checksum is wrong)."
    if reason == "not_found":
        return "Not valid: this key is not known to this service."
    if reason == "revoked":
        return f"Not valid: this key of {who} was revoked."
    if reason == "expired":
        return f"Not valid: this key of {who} expired on {when(answer.get('expires_at'))}."
    if reason == "missing_scope":
        missing = [s for s in wanted_scopes if s not in answer.get("scopes", [])]
        return (
            f"Not valid for this use: the key lacks the scope {', '.join(missing)} "
            f"(it holds {', '.join(answer.get('scopes', []))})."
        )
    if reason == "not_a_collaborator":
        return (
            f"Not authorized: {who} is not a collaborator of project “{project}”. "
            "An owner of the project or an admin must add them."
        )
    return f"Not valid: {reason}."


@router.get("/test-key")
async def test_key_form(console: ConsoleDep) -> Response:
    """Paste a key, optionally with scopes and a project, and see whether it would work."""
    return console.page("test_key.html", result=None, values={"scopes": "", "project": ""})


@router.post("/test-key")
async def test_key(console: ConsoleDep) -> Response:
    """Ask ``keys:verify``; the pasted key is not shown back."""
    form = await console.form()
    scopes = [s for s in re.split(r"[\s,]+", form.get("scopes")) if s]
    project = form.optional("project")
    values = {"scopes": form.get("scopes"), "project": form.get("project")}
    body: dict[str, Any] = {"key": form.get("api_key"), "scopes": scopes}
    if project:
        body["project"] = project
    try:
        answer = await console.api.post("/keys:verify", body)
    except ApiError as exc:
        return console.page("test_key.html", 422, result=None, error=exc.detail, values=values)
    return console.page(
        "test_key.html",
        result={"answer": answer, "words": explain(answer, scopes, project)},
        values=values,
    )
