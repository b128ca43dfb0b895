"""Checking props when a stack is built, so that a mistake stops ``cdktf synth`` with a
message naming the construct and the prop, not a failed plan later.

Values that are tokens (references to other constructs, variables, functions) are
not known until Terraform runs; they are left to the provider's plan-time checks.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

import constructs

from keyhouse_cdk.l1._support import ADMIN_ONLY_SCOPES, BUILTIN_SCOPES, cdktf

CUSTOM_SCOPES_CONTEXT = "keyhouse:customScopes"
"""Context key listing the custom scopes an app's admin added to the catalog."""

VISIBILITIES = ("private", "project")

_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class PropError(ValueError):
    """A construct was given a prop it cannot use.

    Attributes:
        path: The construct's path (``stack/.../id``).
        prop: The prop, as the construct's signature names it.
    """

    def __init__(self, path: str, prop: str, problem: str) -> None:
        self.path = path
        self.prop = prop
        super().__init__(f"{path}: {prop}: {problem}")


def path_of(scope: constructs.IConstruct, id_: str) -> str:
    """The path a construct ``id_`` in ``scope`` has (or will have, once created)."""
    return f"{scope.node.path}/{id_}" if scope.node.path else id_


def is_token(value: object) -> bool:
    """Whether ``value`` (or anything in it) is only known when Terraform runs."""
    if isinstance(value, str):
        # CDKTF encodes string tokens as "${TfToken[...]}": no call into jsii needed.
        return "${" in value
    if isinstance(value, float | int):
        return cdktf.Token.is_unresolved(value)
    return True


def check_identifier(where: str, prop: str, value: str) -> None:
    """A user, role, project or policy name: 1-64 of letters, digits, ``.``, ``_``, ``-``."""
    if is_token(value):
        return
    if not _IDENTIFIER.fullmatch(value) or ".." in value:
        raise PropError(
            where,
            prop,
            f"{value!r} is not a valid name: 1 to 64 letters, digits, '.', '_' and '-', "
            "starting with a letter or digit",
        )


def known_scopes(scope: constructs.IConstruct) -> tuple[str, ...]:
    """The built-in catalog and the custom scopes the app declares in its context.

    An app declares custom scopes (ones its admin added to the service's catalog) with
    ``App(context={"keyhouse:customScopes": ["billing"]})`` or the same key in
    ``cdktf.json``'s ``context``.
    """
    custom = scope.node.try_get_context(CUSTOM_SCOPES_CONTEXT) or []
    if isinstance(custom, str):
        custom = [part.strip() for part in custom.split(",") if part.strip()]
    return (*BUILTIN_SCOPES, *(name for name in custom if name not in BUILTIN_SCOPES))


def check_scopes(
    scope: constructs.IConstruct,
    where: str,
    prop: str,
    scopes: Sequence[str],
    *,
    admin_only_allowed: bool,
) -> None:
    """At least one scope, each in the catalog; admin-only ones only where allowed."""
    if isinstance(scopes, str):
        raise PropError(where, prop, f"give a list of scopes, not the string {scopes!r}")
    if isinstance(scopes, list | tuple) and not scopes:
        raise PropError(where, prop, "give at least one scope")
    known = known_scopes(scope)
    for name in scopes:
        if is_token(name):
            continue
        if name in ADMIN_ONLY_SCOPES and not admin_only_allowed:
            raise PropError(where, prop, f"{name!r} is reserved to admin users' keys")
        if name not in known:
            raise PropError(
                where,
                prop,
                f"unknown scope {name!r}{_suggest(name, known)}; a custom scope must be "
                f"declared in the app's context under {CUSTOM_SCOPES_CONTEXT!r}",
            )


def check_lifetime(where: str, prop: str, days: float | None) -> None:
    """A whole number of days, at least 1 (None: the admin's default)."""
    check_whole(where, prop, days, "days")


def check_whole(where: str, prop: str, value: object, unit: str | None = None) -> None:
    """A whole number (of ``unit``), at least 1; None and tokens are left to the provider."""
    if value is None or is_token(value):
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or value < 1
        or not float(value).is_integer()
    ):
        of = f" of {unit}" if unit else ""
        raise PropError(where, prop, f"must be a whole number{of}, at least 1 (got {value!r})")


def check_visibility(where: str, prop: str, visibility: str | None, project: str | None) -> None:
    """``private`` or ``project``; ``project`` needs a project to share with."""
    if visibility is None or is_token(visibility):
        return
    if visibility not in VISIBILITIES:
        raise PropError(where, prop, f"must be 'private' or 'project' (got {visibility!r})")
    if visibility == "project" and not project:
        raise PropError(
            where, prop, "visibility 'project' needs a project to share the secret with"
        )


def _suggest(name: str, known: Iterable[str]) -> str:
    known = list(known)
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known)})"
