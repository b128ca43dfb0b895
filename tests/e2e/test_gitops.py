"""``examples/gitops``: the pipeline script, run from a scratch clone as CI runs it.

The example repository is committed to a git repository of its own and cloned to
another path, as a CI runner checks it out; the pipeline there installs the
provider from a Keyhouse pip-installed elsewhere (the committed lock file must
verify against it), keeps the state in PostgreSQL, and talks to a live service.
Main branch: apply with the deploy key. Pull request: plan with the planner's key,
exit 0 when nothing changed, 2 when something did (a key revoked, a secret edited
out of band), which the next apply restores. The planner's key changes nothing.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from keyhouse_client import Keyhouse, PermissionDeniedError
from tests.support.keyhouse_server import KeyhouseServer, start_server
from tests.support.postgres import PostgresServer
from tests.support.user_install import ROOT, UserInstall, user_environment

EXAMPLE = ROOT / "examples" / "gitops"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyhouseServer]:
    """A key service of this module's own."""
    directory = tmp_path_factory.mktemp("gitops-service")
    server = start_server("sqlite", f"sqlite:///{directory / 'keyhouse.db'}", directory)
    yield server
    server.stop()


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def scratch_clone(tmp_path: Path) -> Path:
    """The example as a repository of its own, cloned elsewhere (as a CI runner does)."""
    origin = tmp_path / "origin"
    shutil.copytree(EXAMPLE, origin, ignore=shutil.ignore_patterns(".terraform", "cdktf.out"))
    git(origin, "init", "-q", "-b", "main")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "Keyhouse objects")
    clone = tmp_path / "runner" / "builds" / "platform-iac"
    clone.parent.mkdir(parents=True)
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    return clone


def test_the_pipeline_applies_plans_detects_drift_and_restores(
    tmp_path: Path,
    user_install: UserInstall,
    service: KeyhouseServer,
    postgres: PostgresServer,
) -> None:
    clone = scratch_clone(tmp_path)
    assert (clone / "hcl" / ".terraform.lock.hcl").exists(), "the lock file is committed"
    state = postgres.create_database(f"state_{secrets.token_hex(4)}")
    password = secrets.token_urlsafe(16)
    env = user_environment(
        tmp_path / "home",
        KEYHOUSE_URL=service.url,
        KEYHOUSE_BIN=str(user_install.keyhouse),
        PG_CONN_STR=state.replace("postgresql+psycopg://", "postgres://") + "?sslmode=disable",
        TF_VAR_db_password=password,
    )

    def pipeline(command: str, **keys: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(clone / "pipeline"), command, "hcl"],
            cwd=clone,
            env={**env, **keys},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def check(result: subprocess.CompletedProcess[str], code: int) -> str:
        output = result.stdout + result.stderr
        assert result.returncode == code, output[-5000:]
        assert service.admin_key not in output
        assert password not in output
        return output

    # GIVEN the main branch WHEN the pipeline applies with the deploy key THEN all is made
    check(pipeline("apply", KEYHOUSE_DEPLOY_KEY=service.admin_key), 0)
    with Keyhouse(base_url=service.url, api_key=service.admin_key) as kh:
        # The deploy principal's second key, without the admin scope (hcl/planner.tf).
        planner_key = kh.api_keys.create(
            name="gitops-plan", scopes=["keys", "secrets", "project", "iam"]
        ).key.get_secret_value()
        plan: Callable[[], subprocess.CompletedProcess[str]] = lambda: pipeline(  # noqa: E731
            "plan", KEYHOUSE_PLANNER_KEY=planner_key
        )
        # WHEN a pull request changes nothing THEN the plan is empty: exit 0
        assert "hcl: no changes" in check(plan(), 0)
        # WHEN the CI key is revoked and the password edited behind Terraform's back
        stored = kh.secrets.get_by_name(name="platform/ci/api-key", project="platform")
        old_key = kh.keys.verify(key=kh.secrets.get_value(secret_id=stored.id).value)
        assert old_key.key_id is not None
        kh.api_keys.revoke(key_id=old_key.key_id)
        db = kh.secrets.get_by_name(name="platform/db-password", project="platform")
        kh.secrets.put_value(secret_id=db.id, value="edited-out-of-band")
        # THEN the planner's plan reports the drift: exit 2
        drift = check(plan(), 2)
        assert "changes planned" in drift
        assert "keyhouse_api_key.ci" in drift
        assert "keyhouse_secret.db_password" in drift
        # AND the next apply restores both, after which the plan is empty again
        check(pipeline("apply", KEYHOUSE_DEPLOY_KEY=service.admin_key), 0)
        assert kh.secrets.get_value(secret_id=db.id).value.get_secret_value() == password
        stored = kh.secrets.get_by_name(name="platform/ci/api-key", project="platform")
        assert kh.keys.verify(key=kh.secrets.get_value(secret_id=stored.id).value).valid
        check(plan(), 0)
        # AND an apply with the planner's key, with drift to undo, is refused by the service
        kh.secrets.put_value(secret_id=db.id, value="edited-again")
        refused = check(pipeline("apply", KEYHOUSE_DEPLOY_KEY=planner_key), 1)
        assert "secrets:PutSecretValue" in refused or "403" in refused, refused[-3000:]
        assert kh.secrets.get_value(secret_id=db.id).value.get_secret_value() == "edited-again"
    with Keyhouse(base_url=service.url, api_key=planner_key) as planner:
        writes: list[Callable[[], object]] = [
            lambda: planner.secrets.put_value(secret_id=db.id, value="x"),
            lambda: planner.secrets.create(name="planner/own", value="x"),
            lambda: planner.api_keys.create(name="more", scopes=["keys"]),
            lambda: planner.users.create(name="mallory"),
            lambda: planner.iam.detach_policy(
                policy="gitops-read-only", principal_kind="user", principal_name="admin"
            ),
            lambda: planner.projects.create(name="elsewhere"),
            lambda: planner.api_keys.revoke(key_id=planner.keys.whoami().key.id),
        ]
        for write in writes:
            with pytest.raises(PermissionDeniedError):
                write()
        assert (
            planner.secrets.get_value(secret_id=db.id).value.get_secret_value() == "edited-again"
        )  # reads work
