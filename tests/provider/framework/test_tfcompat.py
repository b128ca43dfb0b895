"""The parts of ``tf`` the framework replaces: a change in ``tf`` fails here, not for a user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from keyhouse_provider.framework.parallelism import parallelism, parent_arguments
from keyhouse_provider.framework.tfcompat import certificate, serve


class _Built(Exception):
    pass


def test_serve_gives_tf_our_servicer_and_pool_size(monkeypatch: pytest.MonkeyPatch) -> None:
    import grpc  # type: ignore[import-untyped]
    import tf.provider  # type: ignore[import-untyped]
    import tf.runner  # type: ignore[import-untyped]

    built: dict[str, Any] = {}

    def server(*, thread_pool: Any, interceptors: Any) -> Any:
        built["workers"] = thread_pool._max_workers
        built["servicer"] = tf.provider.ProviderServicer
        built["certificate"] = tf.runner._self_signed_cert
        thread_pool.shutdown()
        raise _Built

    class Servicer:
        def __init__(self, app: object) -> None:
            built["app"] = app

    monkeypatch.setattr(grpc, "server", server)
    monkeypatch.setattr(tf.provider, "ProviderServicer", tf.provider.ProviderServicer)
    monkeypatch.setattr(tf.runner, "futures", tf.runner.futures)
    monkeypatch.setattr(tf.runner, "_self_signed_cert", tf.runner._self_signed_cert)
    provider = object()
    with pytest.raises(_Built):
        serve(provider, Servicer, ["provider"], workers=37)
    assert built == {
        "app": provider,
        "workers": 37,
        "servicer": Servicer,
        "certificate": certificate,
    }


@pytest.mark.parametrize(
    ("arguments", "environment", "expected"),
    [
        (["terraform", "plan"], {}, 10),
        (["terraform", "apply", "-parallelism=50"], {}, 50),
        (["terraform", "-chdir=x", "apply", "--parallelism=3"], {}, 3),
        (["terraform", "plan"], {"TF_CLI_ARGS_plan": "-parallelism=64"}, 64),
        (["terraform", "plan"], {"TF_CLI_ARGS_apply": "-parallelism=64"}, 10),
        (["terraform", "apply"], {"TF_CLI_ARGS": "-parallelism=20 -lock=false"}, 20),
    ],
)
def test_parallelism_comes_from_terraform_arguments_and_environment(
    arguments: list[str], environment: dict[str, str], expected: int
) -> None:
    assert parallelism(arguments, environment) == expected


def test_the_parent_command_line_is_read() -> None:
    import sys

    assert parent_arguments()  # pytest's parent: some command line
    assert parent_arguments(pid=__import__("os").getpid())[0].endswith(
        ("python", "python3", "python3.11", sys.executable.rsplit("/", 1)[-1])
    )


_START = """
import json, sys
from keyhouse_provider.framework.tfcompat import certificate
chain, credentials = certificate()
print(json.dumps({"chain": chain.hex(), "cryptography": "cryptography" in sys.modules}))
"""


def _start(home: Path) -> dict[str, Any]:
    import json
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", _START],
        env={**os.environ, "HOME": str(home)},
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def test_a_cached_certificate_is_loaded_without_cryptography(tmp_path: Path) -> None:
    first = _start(tmp_path)  # a cold cache: tf makes the certificate, its expiry is kept
    assert first["cryptography"] is True
    cache = tmp_path / ".cache" / "tf-python-provider"
    assert sorted(p.name for p in cache.iterdir()) == ["ssl_cert.json", "ssl_cert.json.expires"]
    second = _start(tmp_path)
    assert second == {"chain": first["chain"], "cryptography": False}

    # A certificate tf made anew (another tool sharing its cache): the expiry kept is not
    # its own, so tf checks it again.
    (cache / "ssl_cert.json").unlink()
    third = _start(tmp_path)
    assert third["chain"] != first["chain"]
    assert third["cryptography"] is True
    assert _start(tmp_path) == {"chain": third["chain"], "cryptography": False}
