"""The same platform objects as ../hcl, as a CDKTF app (``cdktf synth`` runs it).

``python3`` is the CI job's interpreter with ``keyhouse[cdk]`` installed (the
pipeline puts its virtualenv first on PATH). The state is kept in PostgreSQL:
``PG_CONN_STR`` is read by Terraform, never written into ``cdk.tf.json``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import constructs
from cdktf import App, TerraformBackend, TerraformOutput, TerraformStack, TerraformVariable

from keyhouse_cdk import ApiKey, Secret, StoreIn
from keyhouse_cdk.l1 import (
    DataKeyhouseCallerIdentity,
    IamPolicy,
    KeyhouseProvider,
    PolicyAttachment,
    Project,
    Role,
)

PLANNER_POLICY = Path(__file__).resolve().parent.parent / "planner-policy.json"


class PgBackend(TerraformBackend):
    """``backend "pg"`` with the connection string left to ``PG_CONN_STR``."""

    def __init__(self, scope: constructs.Construct, schema_name: str) -> None:
        super().__init__(scope, "backend", "pg")
        self.schema_name = schema_name

    def _synthesize_attributes(self) -> Mapping[str, Any]:
        return {"schema_name": self.schema_name}

    def get_remote_state_data_source(self, scope: Any, name: str, from_stack: str) -> Any:
        raise NotImplementedError("read this stack's outputs with terraform_remote_state")


app = App()
stack = TerraformStack(app, "platform")
PgBackend(stack, "keyhouse_platform")
KeyhouseProvider(stack, "keyhouse")
db_password = TerraformVariable(stack, "db_password", type="string", sensitive=True)

project = Project(stack, "Platform", name="platform", description="The platform team's services")
ci = Role(stack, "Ci", name="ci-runner", description="The CI runners' machine identity")
key = ApiKey(
    stack,
    "CiKey",
    name="ci",
    owner_role=ci,
    project=project,
    scopes=["job", "project"],
    expires_in_days=90,
    store_in=StoreIn(name="platform/ci/api-key", visibility="project"),
)
Secret(
    stack,
    "DbPassword",
    name="platform/db-password",
    project=project,
    value=db_password.string_value,
    description="The platform database's password",
)

# The planner (see ../hcl/planner.tf): the deploy principal's keys without the admin
# scope may only read.
deployer = DataKeyhouseCallerIdentity(stack, "Deployer")
read_only = IamPolicy(
    stack,
    "ReadOnly",
    name="gitops-read-only",
    description="Keys without the admin scope may only read",
    policy=json.dumps(json.loads(PLANNER_POLICY.read_text())),
)
PolicyAttachment(stack, "PlannerReadOnly", policy_arn=read_only.arn, user=deployer.principal_name)
TerraformOutput(stack, "ci_key_id", value=key.id)
app.synth()
