"""Every stack deployed with the real ``cdktf`` CLI and ``terraform`` against a live service.

One deployment per module: the tests read what it made through the generated
client, then deploy again (nothing changes), replace a key revoked behind
Terraform's back, and destroy everything. The last three change the deployment,
so they come last, in that order. No secret is ever put in an assertion's
message: values are compared to a bool first.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from keyhouse_client import Keyhouse, KeyhouseError, NotFoundError, PermissionDeniedError, models
from scripts.cdktf_cli import Cdktf, install_provider
from tests.support.keyhouse_server import KeyhouseServer

STACKS = ["cluster-access", "api-keys", "model-keys", "project-secrets"]
CLUSTER_SECRET = "hopsworks/role/databricks-cluster/type/api-key"


def same(a: str, b: str) -> bool:
    """Whether two secrets are equal, without either reaching an assertion message."""
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass
class Deployment:
    """The CLI runner, what the first deploy reported, and the secrets it was given."""

    cdktf: Cdktf
    outputs: dict[str, dict[str, Any]]
    applied: list[tuple[int, int, int]]
    db_password: str
    break_glass_token: str
    deploy_key: bytes
    destroyed: bool = False


@pytest.fixture(scope="module")
def deployment(
    sqlite_service: KeyhouseServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """Every stack, deployed once with ``cdktf deploy``; destroyed at the end if still there."""
    work = tmp_path_factory.mktemp("cdktf")
    deploy_key = secrets.token_bytes(400)  # stands in for an SSH private key: any bytes
    (work / "id_ed25519").write_bytes(deploy_key)
    variables = {
        "db_password": secrets.token_urlsafe(24),
        "break_glass_token": secrets.token_urlsafe(24),
        "deploy_key_file": str(work / "id_ed25519"),
    }
    runner = Cdktf(
        url=sqlite_service.url,
        api_key=sqlite_service.admin_key,
        terraform_rc=install_provider(work / "terraform"),
        work=work,
        variables=variables,
    )
    result = runner.deploy(STACKS).check()
    made = Deployment(
        cdktf=runner,
        outputs=runner.outputs(),
        applied=result.applied(),
        db_password=variables["db_password"],
        break_glass_token=variables["break_glass_token"],
        deploy_key=deploy_key,
    )
    yield made
    if not made.destroyed:
        runner.destroy(STACKS)


@pytest.fixture
def kh(sqlite_service: KeyhouseServer) -> Iterator[Keyhouse]:
    """The admin's client."""
    with Keyhouse(base_url=sqlite_service.url, api_key=sqlite_service.admin_key) as client:
        yield client


@pytest.fixture
def key_for(kh: Keyhouse) -> Iterator[Any]:
    """Make a key for a user or role (deleted afterwards, so that destroy can go on)."""
    made: list[str] = []

    def make(
        scopes: list[str], *, owner_user: str | None = None, owner_role: str | None = None
    ) -> str:
        created = kh.api_keys.create(
            name=secrets.token_hex(4), scopes=scopes, owner_user=owner_user, owner_role=owner_role
        )
        made.append(created.id)
        return created.key.get_secret_value()

    yield make
    for key_id in made:
        kh.api_keys.delete(key_id=key_id)


def state_value(deployment: Deployment, stack: str, address: str, attribute: str) -> Any:
    """An attribute from a stack's state (which holds keys: never printed)."""
    kind, name = address.split(".", 1)
    for resource in deployment.cdktf.state(stack)["resources"]:
        if resource["type"] == kind and resource["name"] == name:
            return resource["instances"][0]["attributes"][attribute]
    raise AssertionError(f"{address} is not in the state of {stack}")


def readable(client: Keyhouse, secret_id: str) -> bool:
    try:
        client.secrets.get_value(secret_id=secret_id)
    except (PermissionDeniedError, NotFoundError):
        return False
    return True


def test_every_stack_deploys(deployment: Deployment) -> None:
    # GIVEN the four stacks WHEN deployed with cdktf THEN each applied only additions
    assert sorted(deployment.applied) == [(5, 0, 0), (8, 0, 0), (9, 0, 0), (11, 0, 0)]
    assert set(deployment.outputs) == set(STACKS)


def test_cluster_access_role_reads_exactly_its_key(
    deployment: Deployment, kh: Keyhouse, sqlite_service: KeyhouseServer
) -> None:
    out = deployment.outputs["cluster-access"]
    # The key exists, owned by the role, with the four scopes, restricted, for 90 days.
    key = kh.api_keys.get(key_id=out["key_id"])
    assert key.owner == models.PrincipalRef(kind="role", name="databricks-cluster")
    assert sorted(key.scopes) == ["featurestore", "job", "kafka", "project"]
    assert key.project == "featurestore"
    assert key.prefix == out["key_prefix"]
    assert key.expires_at - key.created_at == timedelta(days=90)
    # The project secret holds that very key.
    secret = kh.secrets.get_by_name(name=CLUSTER_SECRET, project="featurestore")
    assert (secret.visibility, secret.arn) == ("project", out["secret_arn"])
    stored = kh.secrets.get_value(secret_id=secret.id).value.get_secret_value()
    with Keyhouse(base_url=sqlite_service.url, api_key=stored) as cluster:
        assert cluster.keys.whoami().key.id == out["key_id"]
        # The cluster reads its secret ...
        assert same(cluster.secrets.get_value(secret_id=secret.id).value.get_secret_value(), stored)
        # ... and no other: not another project's, not its project's other secrets.
        password = kh.secrets.get_by_name(name="analytics/db-password", project="analytics")
        assert not readable(cluster, password.id)
        with pytest.raises(PermissionDeniedError):
            cluster.secrets.put_value(secret_id=secret.id, value="overwritten")
    principal = models.PrincipalRef(kind="role", name="databricks-cluster")
    neighbour = "khrn:secret:project/featurestore/hopsworks/role/other/type/api-key"
    assert (
        kh.iam.simulate(
            principal=principal, action="secrets:GetSecretValue", resource=neighbour
        ).decision
        == "implicit_deny"
    )
    # It reads through the policy the stack attached, not through membership.
    members = {m.principal_name for m in kh.projects.iter_members(project="featurestore")}
    assert "databricks-cluster" not in members
    policy = kh.iam.get_policy(policy="databricks-cluster-read-api-key")
    assert policy.arn == out["policy_arn"]


def test_api_keys_are_told_apart_by_prefix_and_work(
    deployment: Deployment, kh: Keyhouse, sqlite_service: KeyhouseServer
) -> None:
    listing = deployment.outputs["api-keys"]["keys"]
    for label, shown in listing.items():
        owner, name = label.split("/")
        key = kh.api_keys.get(key_id=shown["id"])
        assert (key.owner.name, key.name, key.prefix, key.status) == (
            owner,
            name,
            shown["prefix"],
            "active",
        )
    # Prefixes find keys in listings.
    alice = listing["alice/personal"]
    assert [k.id for k in kh.api_keys.iter(prefix=alice["prefix"])] == [alice["id"]]
    # A personal key works as its person's, with its scopes.
    personal = state_value(deployment, "api-keys", "keyhouse_api_key.Personal-alice", "key")
    with Keyhouse(base_url=sqlite_service.url, api_key=personal) as as_alice:
        me = as_alice.keys.whoami()
    assert (me.principal.kind, me.principal.name) == ("user", "alice")
    assert sorted(me.key.scopes) == ["keys", "project", "secrets"]
    # A team key works in the team's project only.
    team = state_value(deployment, "api-keys", "keyhouse_api_key.Team-ci", "key")
    assert kh.keys.verify(key=team, scopes=["job"], project="data-science").valid
    elsewhere = kh.keys.verify(key=team, project="fraud-models")
    assert (elsewhere.valid, elsewhere.reason) == (False, "not_a_collaborator")
    ci = kh.api_keys.get(key_id=listing["data-science-team/ci"]["id"])
    assert ci.expires_at - ci.created_at == timedelta(days=180)


def test_model_keys_expire_as_asked_or_by_the_admins_default(
    deployment: Deployment, kh: Keyhouse
) -> None:
    out = deployment.outputs["model-keys"]
    assert out["lifetimes"] == {"default_days": 365, "max_days": 730}
    settings = kh.settings.get()
    assert (settings.default_key_lifetime_days, settings.max_key_lifetime_days) == (365, 730)
    lifetimes = {"carol": 30, "dave": 365}
    for person, days in lifetimes.items():
        key = kh.api_keys.get(key_id=out["keys"][person]["id"])
        assert key.owner == models.PrincipalRef(kind="user", name=person)
        assert (key.project, key.scopes) == ("fraud-models", ["job"])
        assert key.expires_at - key.created_at == timedelta(days=days)
        assert key.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ") == out["keys"][person]["expires_at"]
    # The "test" call: valid on the project its owner collaborates on, and only there.
    carol = state_value(deployment, "model-keys", "keyhouse_api_key.Key-carol", "key")
    assert kh.keys.verify(key=carol, scopes=["job"], project="fraud-models").valid
    refused = kh.keys.verify(key=carol, project="analytics")
    assert (refused.valid, refused.reason) == (False, "not_a_collaborator")
    # Asking for more than the maximum is refused by the service too.
    with pytest.raises(KeyhouseError) as raised:
        kh.api_keys.create(name="too-long", scopes=["job"], expires_in_days=731)
    assert "730" in str(raised.value)


def test_project_secrets_are_readable_by_exactly_the_intended_principals(
    deployment: Deployment, kh: Keyhouse, key_for: Any, sqlite_service: KeyhouseServer
) -> None:
    out = deployment.outputs["project-secrets"]
    found = {
        label: kh.secrets.get_by_name(name=out[f"{label}_secret"]["name"], project="analytics")
        for label in ("db_password", "deploy_key")
    }
    private = next(s for s in kh.secrets.iter() if s.name == out["break_glass_secret"]["name"])
    assert (found["deploy_key"].type, found["db_password"].type) == ("file", "text")
    assert private.visibility == "private"
    # The admin (their creator and owner) reads all three; the file as the base64 of its bytes.
    assert same(
        kh.secrets.get_value(secret_id=found["db_password"].id).value.get_secret_value(),
        deployment.db_password,
    )
    deploy_key = kh.secrets.get_value(secret_id=found["deploy_key"].id).value.get_secret_value()
    assert same(deploy_key, base64.b64encode(deployment.deploy_key).decode())
    assert same(
        kh.secrets.get_value(secret_id=private.id).value.get_secret_value(),
        deployment.break_glass_token,
    )
    # The break-glass token is write-only (value_wo, which cdktf writes as any argument and
    # Terraform 1.11 sends and forgets): the state keeps its version, not the token; the
    # password, a plain value, is there (so the scan finds a value that is present).
    state = (deployment.cdktf.state_dir / "terraform.project-secrets.tfstate").read_text()
    token_kept, password_kept = (
        v in state for v in (deployment.break_glass_token, deployment.db_password)
    )
    assert not token_kept
    assert password_kept
    assert state_value(deployment, "project-secrets", "keyhouse_secret.BreakGlass", "value") is None
    assert (
        state_value(deployment, "project-secrets", "keyhouse_secret.BreakGlass", "value_wo") is None
    )
    assert (
        state_value(deployment, "project-secrets", "keyhouse_secret.BreakGlass", "value_wo_version")
        == 1
    )
    url = sqlite_service.url
    # erin, a member, reads what the project shares, and not the admin's private secret.
    with Keyhouse(base_url=url, api_key=key_for(["secrets", "project"], owner_user="erin")) as erin:
        assert readable(erin, found["db_password"].id)
        assert readable(erin, found["deploy_key"].id)
        assert not readable(erin, private.id)
    # reporting, not a member, reads the password it was granted, and nothing else.
    with Keyhouse(base_url=url, api_key=key_for(["secrets"], owner_role="reporting")) as reporting:
        assert readable(reporting, found["db_password"].id)
        assert not readable(reporting, found["deploy_key"].id)
        assert not readable(reporting, private.id)
    policy = kh.iam.get_policy(policy=out["reporting_policy_arn"].removeprefix("khrn:policy:"))
    document = json.dumps(policy.document)
    assert out["db_password_secret"]["arn"] in document
    assert out["deploy_key_secret"]["arn"] not in document


def test_a_second_deploy_changes_nothing(deployment: Deployment) -> None:
    # GIVEN every stack deployed WHEN deployed again THEN Terraform finds nothing to do
    again = deployment.cdktf.deploy(STACKS).check()
    assert again.unchanged() == len(STACKS), again.output[-4000:]
    assert again.applied() == [(0, 0, 0)] * len(STACKS)


def test_a_key_revoked_elsewhere_is_replaced_by_the_next_deploy(
    deployment: Deployment, kh: Keyhouse
) -> None:
    # GIVEN a team key revoked outside Terraform (revoke is final)
    old = deployment.outputs["api-keys"]["keys"]["data-science-team/scheduler"]
    kh.api_keys.revoke(key_id=old["id"])
    # WHEN the stack is deployed again
    result = deployment.cdktf.deploy(["api-keys"]).check()
    # THEN a new key takes its name, with a new prefix, and the revoked one is gone
    assert result.applied() == [(1, 0, 1)]
    new = deployment.cdktf.outputs()["api-keys"]["keys"]["data-science-team/scheduler"]
    assert new["id"] != old["id"]
    assert new["prefix"] != old["prefix"]
    assert kh.api_keys.get(key_id=new["id"]).status == "active"


def test_destroy_removes_everything_it_made(deployment: Deployment, kh: Keyhouse) -> None:
    # GIVEN every stack deployed WHEN destroyed with cdktf
    result = deployment.cdktf.destroy(STACKS).check()
    deployment.destroyed = True
    # THEN each stack's resources are gone from the service
    assert sorted(result.destroyed()) == [5, 8, 9, 11]
    for name in ("alice", "bob", "carol", "dave", "erin"):
        with pytest.raises(NotFoundError):
            kh.users.get(user=name)
    for name in ("databricks-cluster", "data-science-team", "reporting"):
        with pytest.raises(NotFoundError):
            kh.roles.get(role=name)
    for name in ("featurestore", "data-science", "fraud-models", "analytics"):
        with pytest.raises(NotFoundError):
            kh.projects.get(project=name)
    for policy in ("databricks-cluster-read-api-key",):
        with pytest.raises(NotFoundError):
            kh.iam.get_policy(policy=policy)
    gone = {"admin/break-glass-token", "analytics/db-password", "analytics/deploy-key"}
    assert not [s.name for s in kh.secrets.iter() if s.name in gone]
    key_ids = [deployment.outputs["cluster-access"]["key_id"]]
    key_ids += [k["id"] for k in deployment.outputs["model-keys"]["keys"].values()]
    key_ids += [k["id"] for k in deployment.cdktf.outputs()["api-keys"]["keys"].values()]
    for key_id in key_ids:
        with pytest.raises(NotFoundError):
            kh.api_keys.get(key_id=key_id)


def test_cdktf_synth_writes_every_stack_without_the_admin_key(
    tmp_path: Path, sqlite_service: KeyhouseServer
) -> None:
    # GIVEN the app WHEN `cdktf synth` runs (no service needed)
    runner = Cdktf(
        url=sqlite_service.url,
        api_key=sqlite_service.admin_key,
        terraform_rc=tmp_path / "unused.rc",
        work=tmp_path,
    )
    runner.synth().check()
    # THEN every stack is in cdktf.out, and neither the admin key nor the URL is written
    manifest = json.loads((runner.output_dir / "manifest.json").read_text())
    assert sorted(manifest["stacks"]) == sorted(STACKS)
    for stack in STACKS:
        directory = runner.output_dir / "stacks" / stack
        text = (directory / "cdk.tf.json").read_text()
        assert sqlite_service.admin_key not in text
        assert sqlite_service.url not in text
        # AND each stack's dependency lock is seeded, so deploy never asks the public registry
        lock = (directory / ".terraform.lock.hcl").read_text()
        assert 'provider "registry.terraform.io/keyhouse/keyhouse"' in lock
        assert 'version     = "0.1.0"' in lock
