"""The parts of ``tf`` the framework replaces: a change in ``tf`` fails here, not for a user."""

from __future__ import annotations

from typing import Any

import pytest

from keyhouse_provider.framework.parallelism import parallelism, parent_arguments
from keyhouse_provider.framework.tfcompat import serve


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
        thread_pool.shutdown()
        raise _Built

    class Servicer:
        def __init__(self, app: object) -> None:
            built["app"] = app

    monkeypatch.setattr(grpc, "server", server)
    monkeypatch.setattr(tf.provider, "ProviderServicer", tf.provider.ProviderServicer)
    monkeypatch.setattr(tf.runner, "futures", tf.runner.futures)
    provider = object()
    with pytest.raises(_Built):
        serve(provider, Servicer, ["provider"], workers=37)
    assert built == {"app": provider, "workers": 37, "servicer": Servicer}


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
