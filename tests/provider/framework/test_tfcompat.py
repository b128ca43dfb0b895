"""The parts of ``tf`` the framework replaces: a change in ``tf`` fails here, not for a user."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from keyhouse_provider.framework.parallelism import parallelism, parent_arguments
from keyhouse_provider.framework.tfcompat import certificate, serve


class _Built(Exception):
    pass


@pytest.fixture(autouse=True)
def _sigint_restored() -> Iterator[None]:
    """``serve`` ignores SIGINT, as a provider process must; in the test's own process
    that would outlive the test, and every process it starts would inherit it (Ctrl-C
    tests of the command line then see their SIGINT ignored)."""
    import signal

    before = signal.getsignal(signal.SIGINT)
    yield
    signal.signal(signal.SIGINT, before)


def test_serve_builds_a_server_of_workers_threads_without_interceptors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import grpc  # type: ignore[import-untyped]

    built: dict[str, Any] = {}

    def server(*, thread_pool: Any, **options: Any) -> Any:
        built["workers"] = thread_pool._max_workers
        built["options"] = options
        thread_pool.shutdown()
        raise _Built

    class Servicer:
        def __init__(self, app: object) -> None:
            built["app"] = app

    monkeypatch.setattr(grpc, "server", server)
    provider = object()
    with pytest.raises(_Built):
        serve(provider, Servicer, ["provider"], workers=37)
    # No interceptor: tf's two cost a good share of every call.
    assert built == {"app": provider, "workers": 37, "options": {}}


def test_dev_mode_gives_tf_our_servicer_pool_size_and_certificate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import grpc
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
        serve(provider, Servicer, ["provider", "--dev"], workers=37)
    assert built == {
        "app": provider,
        "workers": 37,
        "servicer": Servicer,
        "certificate": certificate,
    }


def test_interrupted_the_provider_serves_on_and_leaves_after_answering_shutdown(
    tmp_path: Path,
) -> None:
    """Interrupted (Ctrl-C reaches the provider's process too), Terraform sends
    StopProvider and still waits for the calls under way; it ends each provider process
    with GRPCController.Shutdown and waits for it to be gone: the call is answered, then
    the process exits by itself."""
    import base64
    import os
    import signal
    import ssl
    import subprocess
    import sys

    import grpc
    from tf.gen import grpc_controller_pb2 as controller_pb  # type: ignore[import-untyped]
    from tf.gen import grpc_controller_pb2_grpc as controller_rpc
    from tf.gen import tfplugin_pb2_grpc as rpc

    from keyhouse_provider.framework.tfcompat import pb

    process = subprocess.Popen(
        [sys.executable, "-m", "keyhouse_provider"],
        stdout=subprocess.PIPE,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    try:
        assert process.stdout is not None
        handshake = process.stdout.readline().decode().strip().split("|")
        assert handshake[:3] == ["1", "6", "unix"], handshake
        assert handshake[4] == "grpc", handshake
        chain = base64.b64decode(handshake[5] + "=" * (-len(handshake[5]) % 4))
        credentials = grpc.ssl_channel_credentials(
            root_certificates=ssl.DER_cert_to_PEM_cert(chain).encode()
        )
        with grpc.secure_channel(
            f"unix://{handshake[3]}",
            credentials,
            options=[("grpc.ssl_target_name_override", "localhost")],
        ) as channel:
            provider = rpc.ProviderStub(channel)
            process.send_signal(signal.SIGINT)
            provider.StopProvider(pb.StopProvider.Request(), timeout=30)
            schema = provider.GetProviderSchema(pb.GetProviderSchema.Request(), timeout=30)
            assert "keyhouse_secret" in schema.resource_schemas
            assert process.poll() is None
            answer = controller_rpc.GRPCControllerStub(channel).Shutdown(
                controller_pb.Empty(), timeout=30
            )
            assert isinstance(answer, controller_pb.Empty)
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        process.wait()


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


def test_the_certificate_cache_is_where_tf_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tf.runner

    from keyhouse_provider.framework.tfcompat import _certificate_cache

    monkeypatch.setenv("HOME", str(tmp_path))
    assert _certificate_cache() == tf.runner._get_cert_cache_path()
