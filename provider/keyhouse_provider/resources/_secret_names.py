"""The service's rules for secret names, checked at plan time.

The service refuses a name that breaks them when the secret is created, which in
Terraform is the apply, after the plan was approved. The provider checks the same
rules first, with the service's wording, so the plan fails instead.
``tests/provider/resources/test_secret_names.py`` sends the same names to the service
and fails when the two disagree.
"""

from __future__ import annotations

import re
from typing import Any

from keyhouse_provider.framework.base import Context
from keyhouse_provider.framework.state import AttributePath

MAX_NAME_CHARS = 256
_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")


def name_problem(name: str) -> str | None:
    """Why the service would refuse ``name``, or None when it would take it."""
    if not name:
        return "must not be empty"
    if len(name) > MAX_NAME_CHARS:
        return f"has {len(name)} characters; at most {MAX_NAME_CHARS} are allowed"
    if name.startswith("/"):
        return "must not start with '/' (write hopsworks/role/x, not /hopsworks/role/x)"
    if name.endswith("/"):
        return "must not end with '/'"
    for segment in name.split("/"):  # in order: the first bad segment says why
        if not segment:
            return "must not contain an empty path segment ('//')"
        if segment == "." or ".." in segment:
            return "must not contain '.' or '..' path segments"
        if not _SEGMENT.fullmatch(segment):
            return "path segments may hold only letters, digits, '.', '_' and '-', separated by '/'"
    return None


def check_name(ctx: Context, name: Any, path: AttributePath) -> None:
    """Report a secret name the service would refuse (unknown names wait for the plan)."""
    if not isinstance(name, str):
        return
    problem = name_problem(name)
    if problem is not None:
        ctx.error("Invalid secret name", f"The secret name {name!r} {problem}.", path)
