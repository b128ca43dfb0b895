"""The gRPC servicer: ``tf``'s, with the resource lifecycle calls replaced.

``tf``'s ``ProviderServicer`` keeps the schema, metadata, provider configuration
and shutdown calls. The calls that touch resource state are ours, so that:

- creates are planned by the resource too (``tf`` never asks it), with the
  configuration at hand (``tf`` drops it), so defaults and plan-time checks
  against the service work on create and update alike;
- destroys are planned (``tf`` announces the capability, then refuses them);
- nested blocks can force a replacement;
- state upgrades fit old state to the schema without a warning;
- write-only attributes (protocol 6.8) reach the resource from the configuration
  at apply and come back null from every call, and are refused when Terraform does
  not say it keeps them out of state;
- ephemeral resources (protocol 6.7) are served;
- every failure, ours or the service's, is a diagnostic, never a traceback.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tf.provider import ProviderServicer  # type: ignore[import-untyped]

from .base import (
    Context,
    DataSource,
    EphemeralResource,
    Opened,
    PlanContext,
    ProviderError,
    Resource,
)
from .state import (
    AttributePath,
    normalize,
    plan_computed,
    plan_object,
    replace_paths,
    with_write_only,
    without_write_only,
    write_only_set,
)
from .tfcompat import (
    new_diagnostics,
    pb,
    read_dynamic_value,
    to_dynamic_value,
)

Reporter = Callable[[Context, BaseException, str, type[Any]], None]
"""Turns an exception raised while doing an action with a resource or data source class
into diagnostics: the provider's own mapper knows its client's errors."""


def report_unexpected(ctx: Context, exc: BaseException, action: str, klass: type[Any]) -> None:
    """The default mapper: a ``ProviderError`` as it says; anything else is a bug, whose
    traceback goes to Terraform's log (TF_LOG), not to the user's terminal."""
    if isinstance(exc, ProviderError):
        ctx.error(exc.summary, exc.detail, exc.path)
        return
    traceback.print_exception(exc, file=sys.stderr)
    ctx.error(
        f"Unexpected error in the provider while trying to {action}",
        f"{type(exc).__name__}; the provider's log (TF_LOG=debug) has the details.",
    )


class Servicer(ProviderServicer):  # type: ignore[misc]
    """Serves the provider protocol for a provider object (``tf``'s interface)."""

    def __init__(self, app: Any, report: Reporter = report_unexpected) -> None:
        super().__init__(app)
        self._report = report
        self._resources: dict[str, type[Resource[Any]]] = {
            klass.type_name(): klass for klass in app.get_resources()
        }
        self._data_sources: dict[str, type[DataSource[Any]]] = {
            klass.type_name(): klass for klass in app.get_data_sources()
        }
        ephemeral = getattr(app, "get_ephemeral_resources", list)
        self._ephemeral: dict[str, type[EphemeralResource[Any]]] = {
            klass.type_name(): klass for klass in ephemeral()
        }
        self._schema_response: Any = None

    # ----------------------------------------------------------------- helpers

    def _resource(self, type_name: str) -> Resource[Any]:
        instance: Resource[Any] = self.app.new_resource(self._resources[type_name])
        return instance

    def _ephemeral_resource(self, type_name: str) -> EphemeralResource[Any]:
        klass = self._ephemeral[type_name]
        make = getattr(self.app, "new_ephemeral_resource", None)
        instance: EphemeralResource[Any] = klass(None) if make is None else make(klass)
        return instance

    @contextmanager
    def _guard(self, ctx: Context, action: str, klass: type[Any]) -> Iterator[None]:
        try:
            yield
        except Exception as exc:
            self._report(ctx, exc, action, klass)

    # ------------------------------------------------------------------ schema

    def GetProviderSchema(self, request: Any, context: Any) -> Any:
        """``tf``'s schema, with the server capabilities where Terraform reads them.

        Terraform takes capabilities only from this response (it never calls
        GetMetadata, where ``tf`` puts them): announced here, a cached schema serves
        later starts of the provider, and destroys are planned by the provider.
        ``tf`` knows no ephemeral resources: their schemas are added here.
        """
        if self._schema_response is None:
            response = super().GetProviderSchema(request, context)
            response.server_capabilities.CopyFrom(
                pb.ServerCapabilities(plan_destroy=True, get_provider_schema_optional=True)
            )
            for type_name, klass in self._ephemeral.items():
                response.ephemeral_resource_schemas[type_name].CopyFrom(klass.schema.to_pb())
            self._schema_response = response
        return self._schema_response

    def GetMetadata(self, request: Any, context: Any) -> Any:
        """``tf``'s metadata, with the ephemeral resources."""
        response = super().GetMetadata(request, context)
        response.ephemeral_resources.extend(
            pb.GetMetadata.EphemeralMetadata(type_name=name) for name in self._ephemeral
        )
        return response

    # -------------------------------------------------------------- validation

    def ValidateResourceConfig(self, request: Any, context: Any) -> Any:
        klass = self._resources[request.type_name]
        ctx = Context(new_diagnostics(), request.type_name)
        config = normalize(klass.schema, read_dynamic_value(request.config))
        if not request.client_capabilities.write_only_attributes_allowed:
            # A Terraform before 1.11 does not know the attribute is write-only, and would
            # keep its value in plan and state like any other.
            for path in write_only_set(klass.schema, config):
                ctx.error(
                    "Write-only attribute not supported by this Terraform",
                    f"{path[-1]} is write-only: Terraform keeps its value out of plans and "
                    "state from version 1.11 on, and this Terraform does not say it does. "
                    "Upgrade Terraform, or use the attribute that is kept in the state.",
                    path,
                )
        with self._guard(ctx, f"validate {request.type_name}", klass):
            klass(None).validate(ctx, config)
        return pb.ValidateResourceConfig.Response(diagnostics=ctx.diagnostics.to_pb())

    def ValidateDataResourceConfig(self, request: Any, context: Any) -> Any:
        klass = self._data_sources[request.type_name]
        ctx = Context(new_diagnostics(), request.type_name)
        config = normalize(klass.schema, read_dynamic_value(request.config))
        with self._guard(ctx, f"validate data.{request.type_name}", klass):
            klass(None).validate(ctx, config)
        return pb.ValidateDataResourceConfig.Response(diagnostics=ctx.diagnostics.to_pb())

    # ------------------------------------------------------------------- state

    def UpgradeResourceState(self, request: Any, context: Any) -> Any:
        klass = self._resources[request.type_name]
        ctx = Context(new_diagnostics(), request.type_name)
        if not request.raw_state.json:
            ctx.error(
                f"Cannot upgrade the state of {request.type_name}",
                "The state is in the legacy flatmap format, which this provider never wrote.",
            )
            return pb.UpgradeResourceState.Response(diagnostics=ctx.diagnostics.to_pb())
        state: Any = None
        with self._guard(ctx, f"upgrade the state of {request.type_name}", klass):
            raw = json.loads(request.raw_state.json)
            if request.version < klass.schema.version:
                raw = klass(None).upgrade(request.version, raw)
            state = without_write_only(klass.schema, normalize(klass.schema, raw))
        return pb.UpgradeResourceState.Response(
            upgraded_state=to_dynamic_value(state), diagnostics=ctx.diagnostics.to_pb()
        )

    def ReadResource(self, request: Any, context: Any) -> Any:
        klass = self._resources[request.type_name]
        ctx = Context(new_diagnostics(), request.type_name)
        current = normalize(klass.schema, read_dynamic_value(request.current_state))
        new_state = current
        with self._guard(ctx, f"read {request.type_name}", klass):
            new_state = normalize(
                klass.schema, self._resource(request.type_name).read(ctx, current), strict=True
            )
        if ctx.failed:
            new_state = current
        new_state = without_write_only(klass.schema, new_state)
        return pb.ReadResource.Response(
            new_state=to_dynamic_value(new_state),
            diagnostics=ctx.diagnostics.to_pb(),
            private=request.private,
        )

    def PlanResourceChange(self, request: Any, context: Any) -> Any:
        klass = self._resources[request.type_name]
        ctx = PlanContext(new_diagnostics(), request.type_name)
        prior = normalize(klass.schema, read_dynamic_value(request.prior_state))
        proposed = normalize(klass.schema, read_dynamic_value(request.proposed_new_state))
        if proposed is None:
            # Destroy: nothing to decide, the object goes.
            return pb.PlanResourceChange.Response(
                planned_state=request.proposed_new_state, planned_private=request.prior_private
            )
        config = normalize(klass.schema, read_dynamic_value(request.config))
        planned = plan_object(klass.schema, prior, proposed, config)
        action = f"plan {request.type_name}"
        with self._guard(ctx, action, klass):
            self._resource(request.type_name).plan(ctx, prior, planned, config)
        # Write-only values were the resource's to check; past here they are not part of
        # the plan, and never a change (their prior value is always null).
        planned = without_write_only(klass.schema, planned)
        replacements = list(ctx.replacements)
        if prior is not None:
            plan_computed(klass.schema, prior, planned, config)
            replacements += [
                p for p in replace_paths(klass.schema, prior, planned) if p not in replacements
            ]
        return pb.PlanResourceChange.Response(
            planned_state=to_dynamic_value(planned),
            requires_replace=[_path(p) for p in replacements] if prior is not None else [],
            planned_private=request.prior_private,
            diagnostics=ctx.diagnostics.to_pb(),
        )

    def ApplyResourceChange(self, request: Any, context: Any) -> Any:
        klass = self._resources[request.type_name]
        ctx = Context(new_diagnostics(), request.type_name)
        prior = normalize(klass.schema, read_dynamic_value(request.prior_state))
        planned = normalize(klass.schema, read_dynamic_value(request.planned_state))
        config = normalize(klass.schema, read_dynamic_value(request.config))
        if planned is not None:
            planned = with_write_only(klass.schema, planned, config)
        resource = self._resource(request.type_name)
        # On failure the object stays as it was: absent for a create, prior otherwise.
        new_state: Any = prior
        call: Callable[[], Any]
        if prior is None:
            action, call = "create", lambda: resource.create(ctx, planned)
        elif planned is None:
            action, call = "delete", lambda: resource.delete(ctx, prior)
        else:
            action, call = "update", lambda: resource.update(ctx, prior, planned)
        with self._guard(ctx, f"{action} {request.type_name}", klass):
            result = call()
            if not ctx.failed:
                new_state = (
                    None if planned is None else normalize(klass.schema, result, strict=True)
                )
        new_state = without_write_only(klass.schema, new_state)
        return pb.ApplyResourceChange.Response(
            new_state=to_dynamic_value(new_state),
            private=request.planned_private,
            diagnostics=ctx.diagnostics.to_pb(),
        )

    def ImportResourceState(self, request: Any, context: Any) -> Any:
        klass = self._resources[request.type_name]
        ctx = Context(new_diagnostics(), request.type_name)
        imported = []
        with self._guard(ctx, f"import {request.type_name} {request.id!r}", klass):
            state = self._resource(request.type_name).import_state(ctx, request.id)
            if state is not None and not ctx.failed:
                imported.append(
                    pb.ImportResourceState.ImportedResource(
                        type_name=request.type_name,
                        state=to_dynamic_value(
                            without_write_only(
                                klass.schema, normalize(klass.schema, state, strict=True)
                            )
                        ),
                    )
                )
        return pb.ImportResourceState.Response(
            imported_resources=imported, diagnostics=ctx.diagnostics.to_pb()
        )

    def ReadDataSource(self, request: Any, context: Any) -> Any:
        klass = self._data_sources[request.type_name]
        ctx = Context(new_diagnostics(), request.type_name)
        config = normalize(klass.schema, read_dynamic_value(request.config))
        state: Any = None
        with self._guard(ctx, f"read data.{request.type_name}", klass):
            source: DataSource[Any] = self.app.new_data_source(klass)
            state = normalize(klass.schema, source.read(ctx, config), strict=True)
        return pb.ReadDataSource.Response(
            state=to_dynamic_value(None if ctx.failed else state),
            diagnostics=ctx.diagnostics.to_pb(),
        )

    # --------------------------------------------------------------- ephemeral

    def ValidateEphemeralResourceConfig(self, request: Any, context: Any) -> Any:
        klass = self._ephemeral[request.type_name]
        ctx = Context(new_diagnostics(), request.type_name)
        config = normalize(klass.schema, read_dynamic_value(request.config))
        with self._guard(ctx, f"validate ephemeral.{request.type_name}", klass):
            klass(None).validate(ctx, config)
        return pb.ValidateEphemeralResourceConfig.Response(diagnostics=ctx.diagnostics.to_pb())

    def OpenEphemeralResource(self, request: Any, context: Any) -> Any:
        klass = self._ephemeral[request.type_name]
        ctx = Context(new_diagnostics(), request.type_name)
        config = normalize(klass.schema, read_dynamic_value(request.config))
        opened: Opened | None = None
        with self._guard(ctx, f"open ephemeral.{request.type_name}", klass):
            opened = self._ephemeral_resource(request.type_name).open(ctx, config)
            opened.result = normalize(klass.schema, opened.result, strict=True)
        response = pb.OpenEphemeralResource.Response(diagnostics=ctx.diagnostics.to_pb())
        if opened is not None and not ctx.failed:
            response.result.CopyFrom(to_dynamic_value(opened.result))
            _renewal(response, opened)
        return response

    def RenewEphemeralResource(self, request: Any, context: Any) -> Any:
        klass = self._ephemeral[request.type_name]
        ctx = Context(new_diagnostics(), request.type_name)
        private = request.private if request.HasField("private") else None
        renewed: Opened | None = None
        with self._guard(ctx, f"renew ephemeral.{request.type_name}", klass):
            renewed = self._ephemeral_resource(request.type_name).renew(ctx, private)
        response = pb.RenewEphemeralResource.Response(diagnostics=ctx.diagnostics.to_pb())
        if renewed is not None and not ctx.failed:
            _renewal(response, renewed)
        return response

    def CloseEphemeralResource(self, request: Any, context: Any) -> Any:
        klass = self._ephemeral[request.type_name]
        ctx = Context(new_diagnostics(), request.type_name)
        private = request.private if request.HasField("private") else None
        with self._guard(ctx, f"close ephemeral.{request.type_name}", klass):
            self._ephemeral_resource(request.type_name).close(ctx, private)
        return pb.CloseEphemeralResource.Response(diagnostics=ctx.diagnostics.to_pb())


def _renewal(response: Any, opened: Opened) -> None:
    if opened.private is not None:
        response.private = opened.private
    if opened.renew_at is not None:
        response.renew_at.FromDatetime(opened.renew_at)


def _path(path: AttributePath) -> Any:
    steps = []
    for step in path:
        if isinstance(step, tuple):
            key = step[0]
            steps.append(
                pb.AttributePath.Step(element_key_int=key)
                if isinstance(key, int)
                else pb.AttributePath.Step(element_key_string=key)
            )
        else:
            steps.append(pb.AttributePath.Step(attribute_name=step))
    return pb.AttributePath(steps=steps)
