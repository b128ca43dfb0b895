"""Generate the protocol's Python stubs from ``tfplugin6.proto``, with the pinned grpcio-tools.

``python -m keyhouse_provider.protocol.generate`` writes ``tfplugin6_pb2.py`` and
``tfplugin6_pb2_grpc.py`` beside the definition; ``--check`` compares instead and
fails on any difference. The stubs are committed, so that an installed provider
needs protobuf and grpcio only; the generator's version is pinned in
``pyproject.toml`` because its protobuf target must be one ``tf`` accepts
(grpcio-tools 1.68 writes code for protobuf 5.28; newer ones need protobuf 6+,
which ``tf`` refuses).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from importlib import resources
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE_ROOT = HERE.parents[1]
"""The folder that holds the ``keyhouse_provider`` package: protoc's include root, so
that the generated modules import each other as ``keyhouse_provider.protocol...``."""

DEFINITION = HERE / "tfplugin6.proto"
OUTPUTS = ("tfplugin6_pb2.py", "tfplugin6_pb2_grpc.py")
GRPC_TOOLS = "1.68.1"
"""The grpcio-tools the committed stubs were generated with (pinned in pyproject.toml)."""


def generate() -> dict[str, bytes]:
    """The stubs, by file name, as the pinned protoc writes them."""
    import grpc_tools  # type: ignore[import-untyped]
    from grpc_tools import protoc

    version = _installed_version()
    if version != GRPC_TOOLS:
        raise RuntimeError(
            f"grpcio-tools {version} is installed; the stubs are generated with {GRPC_TOOLS} "
            "(run scripts/setup)"
        )
    includes = resources.files(grpc_tools) / "_proto"
    with tempfile.TemporaryDirectory() as scratch:
        status = protoc.main(
            [
                "grpc_tools.protoc",
                f"-I{SOURCE_ROOT}",
                f"-I{includes}",
                f"--python_out={scratch}",
                f"--grpc_python_out={scratch}",
                str(DEFINITION.relative_to(SOURCE_ROOT)),
            ]
        )
        if status != 0:
            raise RuntimeError(f"protoc failed ({status}) on {DEFINITION}")
        written = Path(scratch) / DEFINITION.parent.relative_to(SOURCE_ROOT)
        return {name: (written / name).read_bytes() for name in OUTPUTS}


def _installed_version() -> str:
    from importlib.metadata import version

    return version("grpcio-tools")


def differences(directory: Path = HERE) -> list[str]:
    """Stub files that are missing or differ from what the generator writes."""
    return [
        name
        for name, content in generate().items()
        if not (directory / name).exists() or (directory / name).read_bytes() != content
    ]


def main(argv: list[str] | None = None) -> int:
    """Write the stubs, or with ``--check`` report what differs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    if args.check:
        stale = differences()
        for name in stale:
            print(f"out of date: {HERE / name}", file=sys.stderr)
        return 1 if stale else 0
    for name, content in generate().items():
        (HERE / name).write_bytes(content)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
