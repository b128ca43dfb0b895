"""The main job's walk-through: seed 000 by hand, through the key service's API.

Waits for the service, then as the bootstrap admin creates a project, a role
for a compute cluster, an API key for that role, and stores the key in a
project secret named ``hopsworks/role/<role>/type/api-key`` that the role can
read. Prints what it did, never the key itself.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx

PROJECT = "featurestore"
ROLE = "databricks-cluster"
SECRET = f"hopsworks/role/{ROLE}/type/api-key"


def wait_for(url: str, seconds: float = 60) -> None:
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


def ensure(http: httpx.Client, path: str, body: dict[str, Any], lookup: str) -> dict[str, Any]:
    """Create unless it exists (the job can run again on the same database)."""
    created = http.post(path, json=body)
    if created.status_code == 409:
        found: dict[str, Any] = http.get(lookup).raise_for_status().json()
        return found
    if created.is_error:
        sys.exit(f"error: POST {path}: {created.json().get('detail')}")
    result: dict[str, Any] = created.json()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, default=Path(".keyhouse"))
    args = parser.parse_args()
    url = os.environ.get("KEYHOUSE_URL", "http://127.0.0.1:8787")
    wait_for(url)
    key_file = args.home / "admin.key"
    if not key_file.exists():
        sys.exit(
            f"error: {key_file} is missing. The admin key is only made on an empty database; "
            f"remove {args.home} to start afresh."
        )
    admin_key = key_file.read_text().strip()
    with httpx.Client(base_url=url, headers={"x-api-key": admin_key}, timeout=30) as admin:
        me = admin.get("/api/v1/whoami").raise_for_status().json()
        print(f"==> signed in as {me['principal']['kind']}/{me['principal']['name']}")
        ensure(admin, "/api/v1/projects", {"name": PROJECT}, f"/api/v1/projects/{PROJECT}")
        ensure(admin, "/api/v1/roles", {"name": ROLE}, f"/api/v1/roles/{ROLE}")
        members = admin.get(f"/api/v1/projects/{PROJECT}/members").json()["data"]
        if not any(m["principal_name"] == ROLE for m in members):
            admin.post(
                f"/api/v1/projects/{PROJECT}/members",
                json={"principal_kind": "role", "principal_name": ROLE, "role": "viewer"},
            ).raise_for_status()
        print(f"==> project {PROJECT}, role {ROLE} (a viewer of the project)")
        existing = admin.get("/api/v1/secrets/by-name", params={"name": SECRET, "project": PROJECT})
        if existing.status_code == 200:
            print(f"==> secret {SECRET} already holds a key (version {existing.json()['version']})")
            return
        key = (
            admin.post(
                "/api/v1/api-keys",
                json={
                    "name": "databricks",
                    "owner_role": ROLE,
                    "project": PROJECT,
                    "scopes": ["featurestore", "project", "job", "kafka", "secrets"],
                    "expires_in_days": 90,
                },
            )
            .raise_for_status()
            .json()
        )
        print(
            f"==> API key {key['id']} ({key['prefix']}...) for role/{ROLE}, "
            f"expires {key['expires_at']}"
        )
        secret = (
            admin.post(
                "/api/v1/secrets",
                json={
                    "name": SECRET,
                    "value": key["key"],
                    "visibility": "project",
                    "project": PROJECT,
                },
            )
            .raise_for_status()
            .json()
        )
        print(
            f"==> stored it in secret {secret['name']} "
            f"(project {PROJECT}, version {secret['version']})"
        )
        # The cluster's own key reads the secret back: the workflow works end to end.
        with httpx.Client(base_url=url, headers={"x-api-key": key["key"]}, timeout=30) as cluster:
            value = cluster.get(f"/api/v1/secrets/{secret['id']}/value").raise_for_status().json()
        assert value["value"] == key["key"]
        print(f"==> role/{ROLE} read its key back from the secret with that key")


if __name__ == "__main__":
    main()
