"""Resources and data sources: what each implements, and the contexts they are called with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from .schema import Schema
from .state import AttributePath, State
from .tfcompat import Diagnostics

D = TypeVar("D")
"""What the provider hands its resources once configured (a client, a connection)."""


class ProviderError(Exception):
    """A problem to show the user as an error diagnostic: summary, detail, attribute path."""

    def __init__(self, summary: str, detail: str = "", path: AttributePath | None = None) -> None:
        super().__init__(summary)
        self.summary = summary
        self.detail = detail
        self.path = path


class Context:
    """What every call gets: where to report, and which type it is about."""

    def __init__(self, diagnostics: Diagnostics, type_name: str) -> None:
        self.diagnostics = diagnostics
        self.type_name = type_name

    def error(self, summary: str, detail: str = "", path: AttributePath | None = None) -> None:
        """Report an error (the operation fails)."""
        self.diagnostics.add_error(summary, detail, path=list(path) if path else None)

    def warning(self, summary: str, detail: str = "", path: AttributePath | None = None) -> None:
        """Report a warning (shown, the operation goes on)."""
        self.diagnostics.add_warning(summary, detail, path=list(path) if path else None)

    @property
    def failed(self) -> bool:
        """Whether an error was reported."""
        return bool(self.diagnostics.has_errors())


class PlanContext(Context):
    """A plan: besides reporting, a resource may ask for a replacement."""

    def __init__(self, diagnostics: Diagnostics, type_name: str) -> None:
        super().__init__(diagnostics, type_name)
        self.replacements: list[AttributePath] = []

    def require_replace(self, path: AttributePath) -> None:
        """Plan a new object because of the value at ``path``."""
        if path not in self.replacements:
            self.replacements.append(path)


class _Typed(Generic[D]):
    """Shared by resources and data sources: a name, a schema, the provider's data."""

    prefix: ClassVar[str] = ""
    """The provider's type name prefix (``<provider>_``), set by the provider's base classes."""

    name: ClassVar[str]
    """The type name without the provider prefix: ``api_key`` for ``<provider>_api_key``."""

    schema: ClassVar[Schema]

    def __init__(self, data: D | None) -> None:
        self._data: D | None = None
        self.configure(data)

    @classmethod
    def type_name(cls) -> str:
        """The full type name, ``<prefix><name>``."""
        return cls.prefix + cls.name

    @classmethod
    def get_name(cls) -> str:
        """For ``tf``: the type name without the prefix."""
        return cls.name

    @classmethod
    def get_schema(cls) -> Schema:
        """For ``tf``: the schema."""
        return cls.schema

    def configure(self, data: D | None) -> None:
        """Take the provider's data (None while Terraform only validates)."""
        self._data = data

    @property
    def provider_data(self) -> D:
        """What the configured provider handed over."""
        if self._data is None:
            raise ProviderError(
                "The provider is not configured",
                "Its configuration holds values not known yet; set them from values known "
                "before apply.",
            )
        return self._data

    @property
    def configured(self) -> bool:
        """Whether the provider's data is there (it is not while Terraform only validates)."""
        return self._data is not None

    def validate(self, ctx: Context, config: State) -> None:
        """Check the configuration without the service (values may be unknown)."""


class Resource(_Typed[D]):
    """A managed object. Subclasses keep the order name, schema, configure, plan, CRUD, import."""

    def plan(self, ctx: PlanContext, prior: State | None, planned: State, config: State) -> None:
        """Adjust ``planned`` (in place): unknowns, replacements, checks against the service."""

    def create(self, ctx: Context, planned: State) -> State:
        """Create the object; its state."""
        raise NotImplementedError

    def read(self, ctx: Context, current: State) -> State | None:
        """The object as the service has it now, or None when it is gone."""
        raise NotImplementedError

    def update(self, ctx: Context, prior: State, planned: State) -> State:
        """Change the object in place; its new state."""
        raise NotImplementedError

    def delete(self, ctx: Context, prior: State) -> None:
        """Delete the object (gone already is fine)."""
        raise NotImplementedError

    def import_state(self, ctx: Context, import_id: str) -> State | None:
        """The state to read after ``terraform import`` with ``import_id``."""
        raise NotImplementedError

    def upgrade(self, version: int, state: dict[str, Any]) -> dict[str, Any]:
        """Bring state written by schema ``version`` to the current schema.

        The result is then fitted to the schema (unknown keys dropped, new ones
        null), which is all that version 0 needs.
        """
        return state


class DataSource(_Typed[D]):
    """A read-only look-up."""

    def read(self, ctx: Context, config: State) -> State:
        """The looked-up values, from the configuration."""
        raise NotImplementedError


@dataclass
class Opened:
    """What opening an ephemeral resource gives Terraform for the run.

    ``private`` comes back to ``renew`` and ``close`` (Terraform keeps it in memory
    only); ``renew_at``, when set, is when Terraform calls ``renew``.
    """

    result: State
    private: bytes | None = None
    renew_at: datetime | None = None


class EphemeralResource(_Typed[D]):
    """A value read (or made) for one Terraform run and never stored (protocol 6.7).

    Terraform opens it in each run that needs it (a plan, then the apply again)
    and closes it once the run is done with it.
    """

    def open(self, ctx: Context, config: State) -> Opened:
        """Read or make the value; the result holds the configuration's values as given."""
        raise NotImplementedError

    def renew(self, ctx: Context, private: bytes | None) -> Opened | None:
        """Extend what ``open`` made (only called when ``open`` gave ``renew_at``); the
        next ``private`` and ``renew_at`` (its ``result`` is not used)."""
        return None

    def close(self, ctx: Context, private: bytes | None) -> None:
        """Release what ``open`` made (nothing by default)."""
