"""The service's errors, and the provider's own, as diagnostics the user can act on.

Nothing here ever puts a secret value, a key or the provider's API key into a
message: the client's errors hold none, and the provider's messages name
attributes, never their values.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Mapping
from typing import Any

from keyhouse_provider.framework.base import Context, ProviderError
from keyhouse_provider.framework.state import AttributePath


def body_path(
    pointer: str, paths: Mapping[str, AttributePath], attributes: frozenset[str]
) -> AttributePath | None:
    """The attribute path for a JSON pointer such as ``/body/scopes/1`` in a refused request."""
    parts = pointer.strip("/").split("/")
    if len(parts) < 2 or parts[0] != "body":
        return None
    field = parts[1]
    if field in paths:
        return list(paths[field])
    if field in attributes:
        return [field]
    return None


def report(ctx: Context, exc: BaseException, action: str, klass: type[Any]) -> None:
    """Turn an exception raised while doing ``action`` (with resource or data source
    ``klass``) into diagnostics on ``ctx``: the framework's error mapper."""
    paths: Mapping[str, AttributePath] = getattr(klass, "body_paths", {})
    attributes = frozenset(a.name for a in klass.schema.attributes)
    if isinstance(exc, ProviderError):
        ctx.error(exc.summary, exc.detail, exc.path)
        return
    client = sys.modules.get("keyhouse_client")
    if client is not None and isinstance(exc, client.KeyhouseError):
        _report_client_error(ctx, exc, action, paths, attributes)
        return
    # A bug of ours: the traceback goes to Terraform's log (TF_LOG), not to the user's terminal.
    traceback.print_exception(exc, file=sys.stderr)
    ctx.error(
        f"Unexpected error in the keyhouse provider while trying to {action}",
        f"{type(exc).__name__}; the provider's log (TF_LOG=debug) has the details. "
        "Please report this.",
    )


def _report_client_error(
    ctx: Context,
    exc: BaseException,
    action: str,
    paths: Mapping[str, AttributePath],
    attributes: frozenset[str],
) -> None:
    from keyhouse_client import (
        APIError,
        AuthenticationError,
        ConflictError,
        NotFoundError,
        PermissionDeniedError,
        TransportError,
        UnexpectedResponseError,
        ValidationError,
    )

    if isinstance(exc, TransportError):
        ctx.error(
            "Cannot reach the Keyhouse service",
            f"While trying to {action}: {exc}. Check the provider's url (or KEYHOUSE_URL) "
            "and that the service is running.",
        )
        return
    if isinstance(exc, UnexpectedResponseError):
        ctx.error(f"Unexpected answer from the Keyhouse service while trying to {action}", str(exc))
        return
    if not isinstance(exc, APIError):
        ctx.error(f"Could not {action}", str(exc))
        return
    reference = f" (request {exc.request_id})" if exc.request_id else ""
    # A 422, a 409 refused by the service's state (the lifetime policy, the scope catalog)
    # and a 404 for an object the body names all point at the part concerned.
    pointed = (
        exc.problem.get("errors")
        if isinstance(exc, (ValidationError, ConflictError, NotFoundError))
        else None
    )
    if pointed:
        for entry in pointed:
            pointer = entry.get("pointer", "")
            ctx.error(
                f"Keyhouse refused to {action}",
                f"{entry.get('detail', exc.detail or '')} [{pointer}]{reference}",
                body_path(pointer, paths, attributes),
            )
        return
    detail = f"{exc.detail or exc.title}{reference}"
    if isinstance(exc, AuthenticationError):
        ctx.error(
            "The Keyhouse API key was refused",
            f"{detail}. Reason: {exc.reason or 'unknown'}. Check the provider's api_key "
            "(or KEYHOUSE_API_KEY).",
        )
    elif isinstance(exc, PermissionDeniedError):
        ctx.error(f"Not allowed to {action}", detail)
    elif isinstance(exc, NotFoundError):
        ctx.error(f"Not found while trying to {action}", detail)
    elif isinstance(exc, ConflictError):
        ctx.error(f"Conflict while trying to {action}", detail)
    else:
        ctx.error(f"Keyhouse could not {action} ({exc.status})", detail)
