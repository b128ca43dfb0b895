"""The promise of rotation, through ``cdktf deploy``: a new CDKTF app, in a folder of its own,
declares a cluster's key with ``Rotation``; when the rotation is due, the deploy rolls the key
while a consumer reading it from the secret every 100 ms makes no failed call, and the old
key is ``401 expired`` once the overlap ends."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from keyhouse_client import Keyhouse
from scripts.cdktf_cli import Cdktf, install_provider
from tests.support.actors import unique
from tests.support.consumer import SecretConsumer, assert_rolled_then_expired
from tests.support.database import set_key_created_at
from tests.support.keyhouse_server import KeyhouseServer

OVERLAP_HOURS = 0.005  # 18 seconds

# The user's app: what the README shows (KeyhouseProvider seeds the lock file that keeps
# cdktf offline).
APP = """
import json
from pathlib import Path

from cdktf import App, LocalBackend, TerraformOutput, TerraformStack

from keyhouse_cdk import ClusterApiKey, Rotation
from keyhouse_cdk.l1 import KeyhouseProvider, Project

settings = json.loads((Path(__file__).parent / "settings.json").read_text())
app = App()
stack = TerraformStack(app, "rotation")
LocalBackend(stack, path=settings["state_file"])
KeyhouseProvider(stack, "keyhouse")
project = Project(stack, "Fs", name=settings["project"])
cluster = ClusterApiKey(
    stack,
    "Dbx",
    role=settings["role"],
    project=project,
    expires_in_days=90,
    rotation=Rotation(every_days=30, overlap_hours={overlap}),
)
TerraformOutput(stack, "key_id", value=cluster.key_id)
TerraformOutput(stack, "secret_arn", value=cluster.secret_arn)
app.synth()
"""


@pytest.fixture
def kh(sqlite_service: KeyhouseServer) -> Iterator[Keyhouse]:
    """The admin's client."""
    with Keyhouse(base_url=sqlite_service.url, api_key=sqlite_service.admin_key) as client:
        yield client


@pytest.fixture
def app(tmp_path: Path, sqlite_service: KeyhouseServer) -> Cdktf:
    """The app in a folder of its own, and the CLI that deploys it.

    Its objects have names of their own in the session's service: no destroy (a
    cdktf run costs half a minute here).
    """
    directory = tmp_path / "app"
    directory.mkdir()
    (directory / "main.py").write_text(APP.format(overlap=OVERLAP_HOURS))
    (directory / "cdktf.json").write_text(
        f'{{"language": "python", "app": "{sys.executable} main.py", "sendCrashReports": "false"}}'
    )
    s = unique("rot")
    settings = {"project": f"fs-{s}", "role": s, "state_file": str(tmp_path / "rotation.tfstate")}
    (directory / "settings.json").write_text(json.dumps(settings))
    runner = Cdktf(
        url=sqlite_service.url,
        api_key=sqlite_service.admin_key,
        terraform_rc=install_provider(tmp_path / "terraform"),
        work=tmp_path / "work",
        variables={},
        app_dir=directory,
    )
    return runner


def test_a_due_rotation_rolls_the_key_under_a_working_consumer(
    app: Cdktf, sqlite_service: KeyhouseServer, kh: Keyhouse
) -> None:
    app.deploy(["rotation"]).check()
    first = app.outputs()["rotation"]
    secret_id = _secret_id(kh, first["secret_arn"])
    key = kh.secrets.get_value(secret_id=secret_id).value.get_secret_value()

    # GIVEN the key is 31 days old (moved back in the database, as time would)
    engine = create_engine(sqlite_service.database_url)
    set_key_created_at(engine, first["key_id"], datetime.now(UTC) - timedelta(days=31))
    engine.dispose()

    with SecretConsumer(sqlite_service.url, secret_id, key) as consumer:
        assert consumer.wait_for(first["key_id"], timeout=10)
        # WHEN deployed again THEN the deploy rolls the key in place
        deployed = app.deploy(["rotation"]).check()
        assert "Rotation due" in deployed.output
        assert deployed.applied() == [(0, 1, 0)]  # the key alone: its secret and policy stay
        second = app.outputs()["rotation"]
        assert second["key_id"] != first["key_id"]
        assert consumer.wait_for(second["key_id"], timeout=10)
        time.sleep(1)
    consumer.report.assert_unbroken(first["key_id"], second["key_id"])
    assert second["secret_arn"] == first["secret_arn"]

    # WHEN the overlap is over THEN the old key is refused as expired.
    assert_rolled_then_expired(kh, sqlite_service.url, key, first["key_id"], second["key_id"])


def _secret_id(kh: Keyhouse, arn: str) -> str:
    project, _, name = arn.removeprefix("khrn:secret:project/").partition("/")
    return kh.secrets.get_by_name(name=name, project=project).id
