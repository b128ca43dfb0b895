"""``ephemeral.keyhouse_secret``: a secret's value for one run, never in plan or state."""

from __future__ import annotations

from keyhouse_provider.base import KeyhouseEphemeralResource
from keyhouse_provider.data_sources.secret import ATTRIBUTES, check_lookup, look_up
from keyhouse_provider.framework.base import Context, Opened
from keyhouse_provider.framework.schema import Schema
from keyhouse_provider.framework.state import State


class EphemeralSecret(KeyhouseEphemeralResource):
    """``ephemeral.keyhouse_secret``."""

    name = "secret"

    schema = Schema(
        description=(
            "Reads a Keyhouse secret's value for the length of one Terraform run (Terraform 1.10 "
            "and later): by `id`, or by `name` (with `project` for a project's secret). Unlike "
            "the `keyhouse_secret` data source, the value is in neither the plan nor the state. "
            "Use it where ephemeral values are accepted: a write-only argument such as "
            "`keyhouse_secret.value_wo` (or another provider's, e.g. "
            "`aws_ssm_parameter.value_wo`), a provider block, a local or an ephemeral output. "
            "Each run reads it (and the service audits the read) once per phase: at plan and "
            "again at apply."
        ),
        attributes=ATTRIBUTES,
    )

    def validate(self, ctx: Context, config: State) -> None:
        """``id`` or ``name``, not both."""
        check_lookup(ctx, config)

    def open(self, ctx: Context, config: State) -> Opened:
        """``GET /secrets/{id}`` or ``/secrets/by-name``, then its value; nothing to close."""
        return Opened(look_up(self.connection, config))
