"""``examples/gitops``: the pipeline script, run from a scratch clone as CI runs it.

The example repository is committed to a git repository of its own and cloned to
another path, as a CI runner checks it out; the pipeline there installs the
provider from a Keyhouse pip-installed elsewhere (the committed lock file must
verify against it), keeps the state in PostgreSQL, and talks to a live service.
Main branch: apply with the deploy key. Pull request: plan with the planner's key,
exit 0 when nothing changed, 2 when something did (a key revoked, a secret edited
out of band), which the next apply restores. The planner's key changes nothing.
The CDKTF flavour (``pipeline ... cdktf``) runs the cheaper part: the synth, its
seeded lock file verified read-only, the first apply, an empty plan with the
planner's key, and that key held to reads by the policy the app attached.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from keyhouse_client import Keyhouse, PermissionDeniedError
from tests.support.keyhouse_server import KeyhouseServer, sqlite_service
from tests.support.postgres import PostgresServer
from tests.support.user_install import CDKTF, ROOT, UserInstall, user_environment

EXAMPLE = ROOT / "examples" / "gitops"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyhouseServer]:
    """A key service of this module's own."""
    with sqlite_service(tmp_path_factory.mktemp("gitops-service")) as server:
        yield server


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


@dataclass(frozen=True)
class Runner:
    """A CI runner's job environment for the scratch clone, against one service."""

    clone: Path
    service: KeyhouseServer
    env: dict[str, str]
    password: str

    def pipeline(self, command: str, flavour: str, **keys: str) -> subprocess.CompletedProcess[str]:
        """``pipeline COMMAND FLAVOUR`` in the clone, with the given keys in its environment."""
        return subprocess.run(
            [str(self.clone / "pipeline"), command, flavour],
            cwd=self.clone,
            env={**self.env, **keys},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def check(self, result: subprocess.CompletedProcess[str], code: int) -> str:
        """The run's output, once it exited with ``code`` and showed no key and no password."""
        output = result.stdout + result.stderr
        assert result.returncode == code, output[-5000:]
        assert self.service.admin_key not in output
        assert self.password not in output
        return output


def runner(
    tmp_path: Path,
    user_install: UserInstall,
    service: KeyhouseServer,
    postgres: PostgresServer,
    **extra: str,
) -> Runner:
    """A scratch clone of the example, a state database of its own, and the job's variables."""
    clone = scratch_clone(tmp_path)
    state = postgres.create_database(f"state_{secrets.token_hex(4)}")
    password = secrets.token_urlsafe(16)
    env = user_environment(
        tmp_path / "home",
        KEYHOUSE_URL=service.url,
        KEYHOUSE_BIN=str(user_install.keyhouse),
        PG_CONN_STR=state.replace("postgresql+psycopg://", "postgres://") + "?sslmode=disable",
        TF_VAR_db_password=password,
        **extra,
    )
    return Runner(clone, service, env, password)


def planner_key(kh: Keyhouse) -> str:
    """The deploy principal's second key, without the admin scope (hcl/planner.tf)."""
    return kh.api_keys.create(
        name="gitops-plan", scopes=["keys", "secrets", "project", "iam"]
    ).key.get_secret_value()


def test_the_pipeline_applies_plans_detects_drift_and_restores(
    tmp_path: Path,
    user_install: UserInstall,
    service: KeyhouseServer,
    postgres: PostgresServer,
) -> None:
    job = runner(tmp_path, user_install, service, postgres)
    assert (job.clone / "hcl" / ".terraform.lock.hcl").exists(), "the lock file is committed"
    pipeline, check, password = job.pipeline, job.check, job.password

    # GIVEN the main branch WHEN the pipeline applies with the deploy key THEN all is made
    check(pipeline("apply", "hcl", KEYHOUSE_DEPLOY_KEY=service.admin_key), 0)
    with Keyhouse(base_url=service.url, api_key=service.admin_key) as kh:
        planner = planner_key(kh)
        plan: Callable[[], subprocess.CompletedProcess[str]] = lambda: pipeline(  # noqa: E731
            "plan", "hcl", KEYHOUSE_PLANNER_KEY=planner
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
        check(pipeline("apply", "hcl", KEYHOUSE_DEPLOY_KEY=service.admin_key), 0)
        assert kh.secrets.get_value(secret_id=db.id).value.get_secret_value() == password
        stored = kh.secrets.get_by_name(name="platform/ci/api-key", project="platform")
        assert kh.keys.verify(key=kh.secrets.get_value(secret_id=stored.id).value).valid
        check(plan(), 0)
        # AND an apply with the planner's key, with drift to undo, is refused by the service
        kh.secrets.put_value(secret_id=db.id, value="edited-again")
        refused = check(pipeline("apply", "hcl", KEYHOUSE_DEPLOY_KEY=planner), 1)
        assert "secrets:PutSecretValue" in refused or "403" in refused, refused[-3000:]
        assert kh.secrets.get_value(secret_id=db.id).value.get_secret_value() == "edited-again"
    with Keyhouse(base_url=service.url, api_key=planner) as as_planner:
        writes: list[Callable[[], object]] = [
            lambda: as_planner.secrets.put_value(secret_id=db.id, value="x"),
            lambda: as_planner.secrets.create(name="planner/own", value="x"),
            lambda: as_planner.api_keys.create(name="more", scopes=["keys"]),
            lambda: as_planner.users.create(name="mallory"),
            lambda: as_planner.iam.detach_policy(
                policy="gitops-read-only", principal_kind="user", principal_name="admin"
            ),
            lambda: as_planner.projects.create(name="elsewhere"),
            lambda: as_planner.api_keys.revoke(key_id=as_planner.keys.whoami().key.id),
        ]
        for write in writes:
            with pytest.raises(PermissionDeniedError):
                write()
        assert (
            as_planner.secrets.get_value(secret_id=db.id).value.get_secret_value() == "edited-again"
        )  # reads work


def test_the_pipeline_deploys_the_cdktf_app_and_plans_no_change_with_a_read_only_planner(
    tmp_path: Path,
    user_install: UserInstall,
    postgres: PostgresServer,
) -> None:
    # The same objects as the HCL flavour, so a service of its own; the runner has the
    # cdktf CLI (a job's `npm install cdktf-cli`) and keyhouse[cdk,provider].
    with sqlite_service(tmp_path / "service") as service:
        job = runner(tmp_path, user_install, service, postgres, CDKTF_BIN=str(CDKTF))
        # GIVEN the main branch WHEN the pipeline synthesizes the app and applies it
        applied = job.check(
            job.pipeline("apply", "cdktf", KEYHOUSE_DEPLOY_KEY=service.admin_key), 0
        )
        assert "cdktf synth" in applied
        assert "platform: terraform apply" in applied
        with Keyhouse(base_url=service.url, api_key=service.admin_key) as kh:
            # THEN what the app declares exists
            stored = kh.secrets.get_by_name(name="platform/ci/api-key", project="platform")
            key = kh.keys.verify(key=kh.secrets.get_value(secret_id=stored.id).value)
            assert key.valid
            assert key.principal is not None
            assert key.principal.name == "ci-runner"
            db = kh.secrets.get_by_name(name="platform/db-password", project="platform")
            assert kh.secrets.get_value(secret_id=db.id).value.get_secret_value() == job.password
            # WHEN a pull request changes nothing THEN the planner's plan is empty: exit 0
            planner = planner_key(kh)
            planned = job.check(job.pipeline("plan", "cdktf", KEYHOUSE_PLANNER_KEY=planner), 0)
            assert "platform: no changes" in planned
        # AND the policy the app attached holds the planner's key to reads (the pipeline's
        # refused apply is the HCL test's; one more synth and init would add half a minute)
        with Keyhouse(base_url=service.url, api_key=planner) as as_planner:
            assert (
                as_planner.secrets.get_value(secret_id=db.id).value.get_secret_value()
                == job.password
            )
            with pytest.raises(PermissionDeniedError) as denied:
                as_planner.secrets.put_value(secret_id=db.id, value="edited-by-the-planner")
            assert "secrets:PutSecretValue" in str(denied.value)
            with pytest.raises(PermissionDeniedError):
                as_planner.api_keys.revoke(key_id=key.key_id or "")
        with Keyhouse(base_url=service.url, api_key=service.admin_key) as kh:
            assert kh.secrets.get_value(secret_id=db.id).value.get_secret_value() == job.password
            assert kh.keys.verify(key=kh.secrets.get_value(secret_id=stored.id).value).valid
