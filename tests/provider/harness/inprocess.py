"""The provider's gRPC handlers called in-process, the way Terraform calls them.

``Harness`` plays Terraform's part of the protocol: it builds the proposed new
state from prior state and configuration, plans (again as a create when the
plan asks for a replacement), applies, refreshes and imports, and checks the
rules whose breach Terraform reports as "Provider produced invalid plan" or
"Provider produced inconsistent result after apply".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from keyhouse_provider.errors import report
from keyhouse_provider.framework.base import DataSource, EphemeralResource, Resource
from keyhouse_provider.framework.schema import NestedBlock, Schema
from keyhouse_provider.framework.servicer import Servicer
from keyhouse_provider.framework.state import normalize
from keyhouse_provider.framework.tfcompat import (
    Unknown,
    pb,
    read_dynamic_value,
    to_dynamic_value,
)
from keyhouse_provider.provider import KeyhouseProvider

State = dict[str, Any]


@dataclass(frozen=True)
class Diagnostic:
    """One diagnostic, as a user would read it."""

    severity: str
    summary: str
    detail: str
    path: tuple[Any, ...]

    def __str__(self) -> str:
        where = ".".join(str(step) for step in self.path)
        return f"{self.severity}: {self.summary} [{where}] {self.detail}"


class ProviderErrors(AssertionError):
    """The provider answered with errors."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("\n".join(map(str, diagnostics)))
        self.diagnostics = diagnostics


@dataclass
class Opened:
    """An ephemeral resource as Terraform holds it for a run."""

    result: State | None
    private: bytes | None
    diagnostics: list[Diagnostic]

    @property
    def errors(self) -> list[Diagnostic]:
        """The error diagnostics."""
        return [d for d in self.diagnostics if d.severity == "error"]


@dataclass
class Plan:
    """A planned change."""

    prior: State | None
    planned: State | None
    config: State | None
    replace: list[tuple[Any, ...]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        """The error diagnostics."""
        return [d for d in self.diagnostics if d.severity == "error"]


def diagnostics(items: Any) -> list[Diagnostic]:
    """Protocol diagnostics as ``Diagnostic`` values."""
    out = []
    for item in items:
        path = []
        for step in item.attribute.steps:
            kind = step.WhichOneof("selector")
            path.append(getattr(step, kind))
        severity = "error" if item.severity == pb.Diagnostic.ERROR else "warning"
        out.append(Diagnostic(severity, item.summary, item.detail, tuple(path)))
    return out


def _errors(found: list[Diagnostic]) -> None:
    errors = [d for d in found if d.severity == "error"]
    if errors:
        raise ProviderErrors(errors)


def proposed_new(shape: Schema | NestedBlock, prior: Any, config: Any) -> Any:
    """Terraform's proposed new state: configuration, with prior values for computed
    attributes the configuration leaves out."""
    if config is None:
        return None
    out: State = {}
    for attribute in shape.attributes:
        configured = config.get(attribute.name)
        if attribute.computed and configured is None:
            out[attribute.name] = None if prior is None else prior.get(attribute.name)
        else:
            out[attribute.name] = configured
    for block in shape.blocks:
        inner = config.get(block.name)
        prior_inner = None if prior is None else prior.get(block.name)
        if block.mode == "single":
            out[block.name] = proposed_new(block, prior_inner, inner)
        else:
            out[block.name] = [
                proposed_new(
                    block,
                    prior_inner[i] if prior_inner and i < len(prior_inner) else None,
                    item,
                )
                for i, item in enumerate(inner or [])
            ]
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        key = lambda v: json.dumps(v, sort_keys=True, default=repr)  # noqa: E731
        return sorted(map(key, a)) == sorted(map(key, b)) or a == b
    return bool(a == b)


def assert_consistent(shape: Schema | NestedBlock, planned: Any, new: Any, where: str) -> None:
    """Terraform's check after apply: every value known at plan time came out as planned."""
    if planned is None or new is None:
        assert planned is new, f"{where}: planned {planned!r}, got {new!r}"
        return
    for attribute in shape.attributes:
        value = planned[attribute.name]
        if value is Unknown:
            assert new[attribute.name] is not Unknown, f"{where}.{attribute.name} left unknown"
            continue
        assert _same(value, new[attribute.name]), (
            f"inconsistent result: {where}.{attribute.name} planned "
            f"{'(sensitive)' if attribute.sensitive else repr(value)}, got "
            f"{'(sensitive)' if attribute.sensitive else repr(new[attribute.name])}"
        )
    for block in shape.blocks:
        if block.mode == "single":
            assert_consistent(block, planned[block.name], new[block.name], f"{where}.{block.name}")
        else:
            assert len(planned[block.name]) == len(new[block.name])
            for a, b in zip(planned[block.name], new[block.name], strict=True):
                assert_consistent(block, a, b, f"{where}.{block.name}")


def assert_compatible(shape: Schema | NestedBlock, initial: Any, final: Any, where: str) -> None:
    """Terraform's check of the plan made again at apply, with values learnt since: every
    value the first plan knew is planned the same ("Provider produced inconsistent final
    plan" otherwise)."""
    if initial is None or final is None or initial is Unknown:
        assert initial is None or initial is Unknown or final is not None, where
        return
    for attribute in shape.attributes:
        before, after = initial[attribute.name], final[attribute.name]
        if before is Unknown:
            continue
        assert after is not Unknown, f"{where}.{attribute.name}: was known, but now unknown"
        assert _same(before, after), f"{where}.{attribute.name}: planned {before!r}, now {after!r}"
    for block in shape.blocks:
        inner_before, inner_after = initial[block.name], final[block.name]
        if block.mode == "single" or inner_before is Unknown:
            assert_compatible(block, inner_before, inner_after, f"{where}.{block.name}")
        else:
            for a, b in zip(inner_before or [], inner_after or [], strict=True):
                assert_compatible(block, a, b, f"{where}.{block.name}")


def assert_write_only_null(shape: Schema | NestedBlock, value: Any, where: str) -> None:
    """Terraform's check of every state and plan a provider returns: write-only attributes
    are null ("returned a value for the write-only attribute" otherwise)."""
    if value is None or value is Unknown:
        return
    for attribute in shape.attributes:
        if attribute.write_only:
            assert value[attribute.name] is None, f"{where}.{attribute.name}: write-only, not null"
    for block in shape.blocks:
        inner = value[block.name]
        for item in [inner] if block.mode == "single" else inner or []:
            assert_write_only_null(block, item, f"{where}.{block.name}")


def assert_plan_valid(shape: Schema | NestedBlock, prior: Any, config: Any, planned: Any) -> None:
    """Terraform's check of a plan: configured values are planned as configured (or as prior)."""
    assert_write_only_null(shape, planned, "planned")
    for attribute in shape.attributes:
        configured = config[attribute.name]
        value = planned[attribute.name]
        if attribute.write_only:
            continue
        if attribute.computed and not attribute.optional:
            continue
        if configured is None and attribute.computed:
            continue
        before = None if prior is None else prior[attribute.name]
        assert _same(value, configured) or (before is not None and _same(value, before)), (
            f"invalid plan: {attribute.name} configured {configured!r}, planned {value!r}"
        )


class Harness:
    """One provider process's worth of handlers, configured against a live service."""

    def __init__(self, url: str | None, api_key: str | None, **settings: Any) -> None:
        self.provider = KeyhouseProvider()
        self.servicer = Servicer(self.provider, report=report)
        self.configure_diagnostics = self.configure(url=url, api_key=api_key, **settings)

    # -------------------------------------------------------------- plumbing

    def configure(self, **config: Any) -> list[Diagnostic]:
        """``ConfigureProvider``."""
        full = {"url": None, "api_key": None, "timeout_seconds": None, "max_retries": None}
        full.update(config)
        response = self.servicer.ConfigureProvider(
            pb.ConfigureProvider.Request(config=to_dynamic_value(full)), None
        )
        return diagnostics(response.diagnostics)

    def _resource(self, type_name: str) -> type[Resource[Any]]:
        return self.servicer._resources[type_name]

    def _data_source(self, type_name: str) -> type[DataSource[Any]]:
        return self.servicer._data_sources[type_name]

    def full_config(self, type_name: str, config: State, schema: Schema | None = None) -> State:
        """A configuration as Terraform sends it: every attribute and block present."""
        schema = schema or self._schema(type_name)
        unknown = (
            set(config) - {a.name for a in schema.attributes} - {b.name for b in schema.blocks}
        )
        assert not unknown, f"{type_name} has no {unknown}"
        full: State = normalize(schema, config)
        return full

    def _schema(self, type_name: str) -> Schema:
        try:
            return self._resource(type_name).schema
        except KeyError:
            return self._data_source(type_name).schema

    def _ephemeral_schema(self, type_name: str) -> Schema:
        klass: type[EphemeralResource[Any]] = self.servicer._ephemeral[type_name]
        return klass.schema

    # ------------------------------------------------------------- protocol

    def validate(
        self, type_name: str, config: State, *, write_only_allowed: bool = True
    ) -> list[Diagnostic]:
        """``ValidateResourceConfig``, from a Terraform that keeps write-only attributes out
        of state (1.11 and later) unless ``write_only_allowed`` is false."""
        response = self.servicer.ValidateResourceConfig(
            pb.ValidateResourceConfig.Request(
                type_name=type_name,
                config=to_dynamic_value(self.full_config(type_name, config)),
                client_capabilities=pb.ClientCapabilities(
                    write_only_attributes_allowed=write_only_allowed
                ),
            ),
            None,
        )
        return diagnostics(response.diagnostics)

    def plan(self, type_name: str, prior: State | None, config: State | None) -> Plan:
        """``PlanResourceChange`` (config None: destroy)."""
        schema = self._schema(type_name)
        full = None if config is None else self.full_config(type_name, config)
        proposed = proposed_new(schema, prior, full)
        response = self.servicer.PlanResourceChange(
            pb.PlanResourceChange.Request(
                type_name=type_name,
                prior_state=to_dynamic_value(prior),
                proposed_new_state=to_dynamic_value(proposed),
                config=to_dynamic_value(full),
            ),
            None,
        )
        planned = read_dynamic_value(response.planned_state)
        plan = Plan(
            prior,
            planned,
            full,
            [
                tuple(getattr(s, s.WhichOneof("selector")) for s in path.steps)
                for path in response.requires_replace
            ],
            diagnostics(response.diagnostics),
        )
        if planned is not None and full is not None and not plan.errors:
            assert_plan_valid(schema, prior, full, planned)
        return plan

    def final_plan(self, type_name: str, initial: Plan, config: State) -> Plan:
        """Plan again as Terraform does at apply, once values unknown in ``initial``'s
        configuration are known; the final plan must keep what the first one knew."""
        final = self.plan(type_name, initial.prior, config)
        assert_compatible(self._schema(type_name), initial.planned, final.planned, type_name)
        return final

    def apply_plan(self, type_name: str, plan: Plan) -> State | None:
        """``ApplyResourceChange`` for a plan; errors raise ``ProviderErrors``."""
        _errors(plan.diagnostics)
        response = self.servicer.ApplyResourceChange(
            pb.ApplyResourceChange.Request(
                type_name=type_name,
                prior_state=to_dynamic_value(plan.prior),
                planned_state=to_dynamic_value(plan.planned),
                config=to_dynamic_value(plan.config),
            ),
            None,
        )
        _errors(diagnostics(response.diagnostics))
        new: State | None = read_dynamic_value(response.new_state)
        assert_write_only_null(self._schema(type_name), new, type_name)
        assert_consistent(self._schema(type_name), plan.planned, new, type_name)
        return new

    def apply(self, type_name: str, config: State, prior: State | None = None) -> State:
        """Plan and apply ``config`` over ``prior``: create, update, or destroy and create."""
        plan = self.plan(type_name, prior, config)
        if prior is not None and plan.replace:
            _errors(plan.diagnostics)
            self.apply_plan(type_name, self.plan(type_name, prior, None))
            plan = self.plan(type_name, None, config)
        state = self.apply_plan(type_name, plan)
        assert state is not None
        return state

    def destroy(self, type_name: str, prior: State) -> None:
        """Plan and apply a destroy."""
        assert self.apply_plan(type_name, self.plan(type_name, prior, None)) is None

    def read(self, type_name: str, current: State) -> tuple[State | None, list[Diagnostic]]:
        """``ReadResource`` (a refresh)."""
        response = self.servicer.ReadResource(
            pb.ReadResource.Request(type_name=type_name, current_state=to_dynamic_value(current)),
            None,
        )
        state = read_dynamic_value(response.new_state)
        assert_write_only_null(self._schema(type_name), state, type_name)
        return state, diagnostics(response.diagnostics)

    def refresh(self, type_name: str, current: State) -> State | None:
        """A refresh that must not fail."""
        state, found = self.read(type_name, current)
        _errors(found)
        return state

    def import_(self, type_name: str, import_id: str) -> State | None:
        """``ImportResourceState`` then the refresh Terraform does after it."""
        response = self.servicer.ImportResourceState(
            pb.ImportResourceState.Request(type_name=type_name, id=import_id), None
        )
        _errors(diagnostics(response.diagnostics))
        (imported,) = response.imported_resources
        state = read_dynamic_value(imported.state)
        assert_write_only_null(self._schema(type_name), state, type_name)
        return self.refresh(type_name, state)

    def import_diagnostics(self, type_name: str, import_id: str) -> list[Diagnostic]:
        """``ImportResourceState``'s diagnostics, for imports that should fail."""
        response = self.servicer.ImportResourceState(
            pb.ImportResourceState.Request(type_name=type_name, id=import_id), None
        )
        return diagnostics(response.diagnostics)

    def upgrade(self, type_name: str, version: int, raw: State) -> tuple[Any, list[Diagnostic]]:
        """``UpgradeResourceState`` from JSON state written by schema ``version``."""
        response = self.servicer.UpgradeResourceState(
            pb.UpgradeResourceState.Request(
                type_name=type_name,
                version=version,
                raw_state=pb.RawState(json=json.dumps(raw).encode()),
            ),
            None,
        )
        return read_dynamic_value(response.upgraded_state), diagnostics(response.diagnostics)

    def data(self, type_name: str, config: State) -> tuple[State | None, list[Diagnostic]]:
        """``ValidateDataResourceConfig`` then ``ReadDataSource``."""
        full = self.full_config(type_name, config)
        response = self.servicer.ValidateDataResourceConfig(
            pb.ValidateDataResourceConfig.Request(
                type_name=type_name, config=to_dynamic_value(full)
            ),
            None,
        )
        found = diagnostics(response.diagnostics)
        if any(d.severity == "error" for d in found):
            return None, found
        response = self.servicer.ReadDataSource(
            pb.ReadDataSource.Request(type_name=type_name, config=to_dynamic_value(full)), None
        )
        return read_dynamic_value(response.state), diagnostics(response.diagnostics)

    def open(self, type_name: str, config: State) -> Opened:
        """``ValidateEphemeralResourceConfig`` then ``OpenEphemeralResource``; the result is
        checked as Terraform does (configured values as configured)."""
        schema = self._ephemeral_schema(type_name)
        full = self.full_config(type_name, config, schema)
        response = self.servicer.ValidateEphemeralResourceConfig(
            pb.ValidateEphemeralResourceConfig.Request(
                type_name=type_name, config=to_dynamic_value(full)
            ),
            None,
        )
        found = diagnostics(response.diagnostics)
        if any(d.severity == "error" for d in found):
            return Opened(None, None, found)
        opened = self.servicer.OpenEphemeralResource(
            pb.OpenEphemeralResource.Request(type_name=type_name, config=to_dynamic_value(full)),
            None,
        )
        found = diagnostics(opened.diagnostics)
        result = None if not opened.HasField("result") else read_dynamic_value(opened.result)
        if result is not None:
            assert_plan_valid(schema, None, full, result)
        private = opened.private if opened.HasField("private") else None
        assert not opened.HasField("renew_at") or private is not None
        return Opened(result, private, found)

    def close_ephemeral(self, type_name: str, private: bytes | None) -> list[Diagnostic]:
        """``CloseEphemeralResource``."""
        request = pb.CloseEphemeralResource.Request(type_name=type_name)
        if private is not None:
            request.private = private
        response = self.servicer.CloseEphemeralResource(request, None)
        return diagnostics(response.diagnostics)

    def close(self) -> None:
        """Close the provider's connection."""
        if self.provider.connection is not None:
            self.provider.connection.close()
