"""The committed stubs are what the pinned generator writes from the definition."""

from __future__ import annotations

from pathlib import Path

from keyhouse_provider.protocol import generate


def test_the_committed_stubs_are_what_the_generator_writes() -> None:
    stale = generate.differences()
    assert stale == [], (
        f"stubs out of date: {stale}; run .venv/bin/python -m keyhouse_provider.protocol.generate"
    )


def test_check_mode_finds_an_edited_stub(tmp_path: Path) -> None:
    for name, content in generate.generate().items():
        (tmp_path / name).write_bytes(content)
    assert generate.differences(tmp_path) == []
    edited = tmp_path / "tfplugin6_pb2_grpc.py"
    edited.write_bytes(edited.read_bytes().replace(b"OpenEphemeralResource", b"OpenEphemeral", 1))
    (tmp_path / "tfplugin6_pb2.py").unlink()
    assert generate.differences(tmp_path) == list(generate.OUTPUTS)
