"""The main job: seed 000 as code, deployed with ``cdktf deploy`` against the local service.

Waits for the service, installs the Terraform provider into ``<home>/terraform``,
deploys the ``cluster-access`` stack (a project, a cluster role, the role's API
key kept in the project secret ``hopsworks/role/<role>/type/api-key``, and a
policy letting the role read that secret), prints what exists, then checks
through the generated client that the cluster's key reads its own secret and
nothing else. Never prints a key.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from keyhouse_client import Keyhouse, KeyhouseError, PermissionDeniedError, models
from scripts.cdktf_cli import Cdktf, install_provider

STACK = "cluster-access"


def wait_for(url: str, seconds: float = 60) -> None:
    """Until the service answers ``/healthz``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"error: the key service did not answer at {url} within {seconds:.0f} s")
        time.sleep(0.2)


def deploy(cdktf: Cdktf, log: Path) -> dict[str, Any]:
    """``cdktf deploy cluster-access``; its outputs. The full log goes to ``log``."""
    print(f"==> cdktf deploy {STACK} (log: {log})")
    result = cdktf.deploy([STACK])
    log.write_text(result.output)
    if result.returncode != 0:
        sys.exit(f"error: cdktf deploy failed; the end of {log}:\n{result.output[-3000:]}")
    if result.unchanged():
        print("==> no changes: the stack was already in place")
    for added, changed, destroyed in result.applied():
        if added or changed or destroyed:
            print(f"==> applied: {added} added, {changed} changed, {destroyed} destroyed")
    return cdktf.outputs()[STACK]


def check_access(kh: Keyhouse, url: str, out: dict[str, Any]) -> None:
    """The cluster's key, taken from its secret, reads that secret and nothing else."""
    role = out["role"]
    secret = kh.secrets.get_by_name(name=out["secret_name"], project=out["project"])
    key = kh.secrets.read(out["secret_name"], project=out["project"])
    with Keyhouse(base_url=url, api_key=key) as cluster:
        me = cluster.keys.whoami()
        if me.key is None or me.key.id != out["key_id"]:
            sys.exit("error: the secret does not hold the key the stack made")
        print(
            f"==> the key in the secret authenticates as {me.principal.kind}/{me.principal.name} "
            f"(key {me.key.id}, scopes {', '.join(me.key.scopes)})"
        )
        if cluster.secrets.read(out["secret_name"], project=out["project"]) != key:
            sys.exit("error: the cluster read back something else than its key")
        print(f"==> check: role/{role} read its key back from the secret by name, with that key")
        refused = []
        for what, attempt in (
            ("write its secret", lambda: cluster.secrets.put_value(secret_id=secret.id, value="x")),
            ("list secrets", lambda: cluster.secrets.list()),
            ("create a key", lambda: cluster.api_keys.create(name="more", scopes=["job"])),
        ):
            try:
                attempt()
            except PermissionDeniedError:
                refused.append(what)
            else:
                sys.exit(f"error: the cluster's key could {what}")
        print(f"==> check: it may not {', '.join(refused)} (403 each)")
    principal = models.PrincipalRef(kind="role", name=role)
    neighbour = f"khrn:secret:project/{out['project']}/hopsworks/role/another-cluster/type/api-key"
    decisions = {
        arn: kh.iam.simulate(principal=principal, action="secrets:GetSecretValue", resource=arn)
        for arn in (out["secret_arn"], neighbour)
    }
    if decisions[out["secret_arn"]].decision != "allowed" or decisions[neighbour].decision == (
        "allowed"
    ):
        sys.exit("error: the policy engine does not limit the role to its own secret")
    members = {m.principal_name for m in kh.projects.iter_members(project=out["project"])}
    if role in members:
        sys.exit(f"error: role/{role} is a member of {out['project']}")
    print(
        f"==> check: the policy engine allows role/{role} its own secret and no other "
        f"({decisions[neighbour].decision} for the rest of {out['project']}); "
        "the role is not a project member"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, default=Path(".keyhouse"))
    args = parser.parse_args()
    home: Path = args.home.resolve()
    url = os.environ.get("KEYHOUSE_URL", "http://127.0.0.1:8787")
    wait_for(url)
    key_file = home / "admin.key"
    if not key_file.exists():
        sys.exit(
            f"error: {key_file} is missing. The admin key is only made on an empty database; "
            f"remove {home} to start afresh."
        )
    admin_key = key_file.read_text().strip()
    with Keyhouse(base_url=url, api_key=admin_key) as kh:
        me = kh.keys.whoami()
        print(f"==> signed in as {me.principal.kind}/{me.principal.name} at {url}")
        terraform = home / "terraform"
        terraform.mkdir(exist_ok=True)
        rc = install_provider(terraform)
        print(f"==> provider keyhouse/keyhouse installed in {terraform / 'plugins'}")
        cdktf = Cdktf(url=url, api_key=admin_key, terraform_rc=rc, work=home / "cdktf")
        out = deploy(cdktf, home / "cdktf-deploy.log")
        key = kh.api_keys.get(key_id=out["key_id"])
        secret = kh.secrets.get_by_name(name=out["secret_name"], project=out["project"])
        print(f"==> project {out['project']}; role {out['role']} (not a member of the project)")
        print(
            f"==> API key {key.id} ({key.prefix}...) named {key.name!r} for role/{out['role']}, "
            f"scopes {', '.join(key.scopes)}, restricted to {key.project}, "
            f"expires {key.expires_at:%Y-%m-%d}"
        )
        print(
            f"==> stored it in secret {secret.name} (visibility {secret.visibility}, "
            f"project {out['project']}, version {secret.version})"
        )
        print(f"==> policy {out['policy_arn']} lets role/{out['role']} read {out['secret_arn']}")
        try:
            check_access(kh, url, out)
        except KeyhouseError as error:
            sys.exit(f"error: {type(error).__name__}: {error}")


if __name__ == "__main__":
    main()
