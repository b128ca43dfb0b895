"""Seed 004: secrets shared with a project, a file secret, a private one, and a grant.

The project ``analytics`` has the member ``erin``. It shares the text secret
``analytics/db-password`` and the file secret ``analytics/deploy-key`` (an SSH
key: the base64 of the file's bytes, which is what reads return). The admin keeps
``admin/break-glass-token`` private: no one else can see it exists. The role
``reporting`` is not a member; it is granted read access to the database password
and nothing else.

Values never appear in the synthesized configuration: they come from Terraform
variables (``TF_VAR_db_password``, ``TF_VAR_break_glass_token``, sensitive) and,
for the file, from the path in ``TF_VAR_deploy_key_file``, read when Terraform plans.
The break-glass token is write-only (``value_wo``): it is not in the state either.
"""

from __future__ import annotations

import constructs

from keyhouse_cdk import Secret, cdk
from keyhouse_cdk.l1 import Project, ProjectMember, Role, User
from stacks.base import KeyhouseStack

PROJECT = "analytics"
MEMBER = "erin"
READER_ROLE = "reporting"


class ProjectSecretsStack(KeyhouseStack):
    """Project-shared and private secrets, and a role that may read one of them."""

    def __init__(self, scope: constructs.Construct, name: str = "project-secrets") -> None:
        super().__init__(scope, name)
        db_password = cdk.TerraformVariable(
            self,
            "db_password",
            type="string",
            sensitive=True,
            description="The analytics database password (TF_VAR_db_password).",
        )
        deploy_key_file = cdk.TerraformVariable(
            self,
            "deploy_key_file",
            type="string",
            description="Path of the SSH private key to share (TF_VAR_deploy_key_file).",
        )
        break_glass = cdk.TerraformVariable(
            self,
            "break_glass_token",
            type="string",
            sensitive=True,
            description="The admin's private token (TF_VAR_break_glass_token).",
        )
        project = Project(self, "Analytics", name=PROJECT, description="Analytics")
        member = User(self, "Erin", name=MEMBER, email=f"{MEMBER}@example.com")
        ProjectMember(self, "ErinMember", project=project.name, user=member.name)
        self.password = Secret(
            self,
            "DbPassword",
            name="analytics/db-password",
            value=db_password.string_value,
            project=project.name,
            description="Analytics database password",
        )
        self.deploy_key = Secret.from_file(
            self,
            "DeployKey",
            name="analytics/deploy-key",
            path=deploy_key_file.string_value,
            project=project.name,
            description="SSH key for deployments",
        )
        # Write-only: the service keeps the token, Terraform's state only its version.
        self.private = Secret(
            self,
            "BreakGlass",
            name="admin/break-glass-token",
            value_wo=break_glass.string_value,
            value_wo_version=1,
            visibility="private",
            description="Only its owner can see it",
        )
        reader = Role(self, "Reporting", name=READER_ROLE, description="Reporting jobs")
        self.grant = self.password.grant_read(reader)
        for label, secret in (
            ("db_password", self.password),
            ("deploy_key", self.deploy_key),
            ("break_glass", self.private),
        ):
            self.output(
                f"{label}_secret",
                {"name": secret.name, "arn": secret.arn, "version": secret.version},
                f"The {label.replace('_', ' ')} secret: name, Keyhouse name and version.",
            )
        self.output("reporting_policy_arn", self.grant.policy_arn, "What lets reporting read.")
