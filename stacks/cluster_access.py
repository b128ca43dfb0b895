"""Seed 000: a compute cluster reaches the feature store with a key its role reads.

The project ``featurestore``; a ``ClusterApiKey`` for the role
``databricks-cluster``: a 90-day key with the featurestore, project, job and kafka
scopes, kept in the project secret ``hopsworks/role/databricks-cluster/type/api-key``,
which that role, and no other principal outside the project, can read.
"""

from __future__ import annotations

import constructs

from keyhouse_cdk import ClusterApiKey
from keyhouse_cdk.l1 import Project
from stacks.base import KeyhouseStack

PROJECT = "featurestore"
ROLE = "databricks-cluster"
LIFETIME_DAYS = 90


class ClusterAccessStack(KeyhouseStack):
    """The feature store project and the Databricks cluster's access to it."""

    def __init__(self, scope: constructs.Construct, name: str = "cluster-access") -> None:
        super().__init__(scope, name)
        project = Project(
            self, "FeatureStore", name=PROJECT, description="The feature store's project"
        )
        self.cluster = ClusterApiKey(
            self, "Databricks", role=ROLE, project=project, expires_in_days=LIFETIME_DAYS
        )
        self.output("project", project.name, "The project the secret is shared with.")
        self.output("role", self.cluster.role.name, "The cluster's role.")
        self.output("key_id", self.cluster.key_id, "The cluster key's Key ID.")
        self.output("key_prefix", self.cluster.key_prefix, "The cluster key's prefix.")
        self.output("key_expires_at", self.cluster.api_key.expires_at, "When the key expires.")
        self.output("secret_name", self.cluster.secret_name, "The secret holding the key.")
        self.output("secret_arn", self.cluster.secret_arn, "That secret's Keyhouse name.")
        self.output(
            "policy_arn", self.cluster.policy_arn, "The policy letting the role read the secret."
        )
