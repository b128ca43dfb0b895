"""The scope catalog's rows: custom scopes beside the built-in ones."""

from __future__ import annotations

from sqlalchemy.orm import Session

from keyhouse.core.problems import Conflict
from keyhouse.models import Scope, utcnow
from keyhouse.schemas.settings import ScopeCreate, ScopePublic


def scope_public(scope: Scope) -> ScopePublic:
    """A scope as the API shows it."""
    return ScopePublic(name=scope.name, description=scope.description, builtin=scope.builtin)


def create_scope(session: Session, body: ScopeCreate) -> Scope:
    """Add a custom scope; 409 when the catalog already has the name."""
    if session.get(Scope, body.name) is not None:
        raise Conflict(f"the scope '{body.name}' is already in the catalog")
    scope = Scope(name=body.name, description=body.description, builtin=False, created_at=utcnow())
    session.add(scope)
    session.flush()
    return scope
