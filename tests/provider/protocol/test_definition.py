"""The 6.8 definition stands in for tf's stubs: a change in tf fails here, not for a user."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pb2  # type: ignore[import-untyped]

from keyhouse_provider import protocol
from keyhouse_provider.protocol import tfplugin6_pb2

ROOT = Path(__file__).resolve().parents[3]


def _tf_root() -> Path:
    """The installed ``tf`` package's folder, found without importing its modules."""
    spec = find_spec("tf")
    assert spec is not None
    assert spec.origin is not None
    return Path(spec.origin).parent


def _tf_descriptor() -> descriptor_pb2.FileDescriptorProto:
    """``tf``'s own protocol, read from the serialized descriptor its stub module holds
    (importing it would clash with ours)."""
    tree = ast.parse((_tf_root() / "gen" / "tfplugin_pb2.py").read_text())
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "AddSerializedFile"
        ):
            argument = node.args[0]
            assert isinstance(argument, ast.Constant)
            assert isinstance(argument.value, bytes)
            return descriptor_pb2.FileDescriptorProto.FromString(argument.value)
    raise AssertionError("tf.gen.tfplugin_pb2 holds no serialized descriptor")


def _ours() -> descriptor_pb2.FileDescriptorProto:
    proto = descriptor_pb2.FileDescriptorProto()
    tfplugin6_pb2.DESCRIPTOR.CopyToProto(proto)
    return proto


def _elements(proto: descriptor_pb2.FileDescriptorProto) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every message field, oneof, enum value and RPC, keyed by where it is, with what
    the wire and the Python API depend on."""

    def message(m: descriptor_pb2.DescriptorProto, where: tuple[str, ...]) -> Iterator[Any]:
        here = (*where, m.name)
        for f in m.field:
            oneof = m.oneof_decl[f.oneof_index].name if f.HasField("oneof_index") else None
            yield (*here, f.name), (f.number, f.type, f.label, f.type_name, oneof)
        for e in m.enum_type:
            yield from enum(e, here)
        for nested in m.nested_type:
            yield from message(nested, here)

    def enum(e: descriptor_pb2.EnumDescriptorProto, where: tuple[str, ...]) -> Iterator[Any]:
        for value in e.value:
            yield (*where, e.name, value.name), value.number

    assert proto.package == "tfplugin6"
    for m in proto.message_type:
        yield from message(m, ())
    for e in proto.enum_type:
        yield from enum(e, ())
    for service in proto.service:
        for method in service.method:
            yield (service.name, method.name), (method.input_type, method.output_type)


def test_tf_protocol_is_a_subset_of_ours() -> None:
    theirs = dict(_elements(_tf_descriptor()))
    ours = dict(_elements(_ours()))
    assert len(theirs) > 150  # the whole of tf's protocol was read
    missing = sorted(set(theirs) - set(ours))
    different = {k: (v, ours[k]) for k, v in theirs.items() if k in ours and ours[k] != v}
    assert missing == []
    assert different == {}


def test_ours_has_what_6_7_and_6_8_add() -> None:
    ours = dict(_elements(_ours()))
    assert ours[("Schema", "Attribute", "write_only")][0] == 11
    assert ours[("ClientCapabilities", "write_only_attributes_allowed")][0] == 2
    assert ours[("GetProviderSchema", "Response", "ephemeral_resource_schemas")][0] == 8
    for rpc in ("Validate", "Open", "Renew", "Close"):
        assert (
            "Provider",
            f"{rpc}EphemeralResource{'Config' if rpc == 'Validate' else ''}",
        ) in ours


def test_every_tf_import_of_its_stubs_gets_ours() -> None:
    """tf imports its stubs as ``from tf.gen import <name>``: each such name is replaced."""
    tf_root = _tf_root()
    imported: set[str] = set()
    for path in tf_root.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "tf.gen":
                imported |= {f"tf.gen.{alias.name}" for alias in node.names}
    stubs = {name for name in imported if "tfplugin" in name}
    assert stubs == set(protocol.REPLACED)

    import tf.provider  # type: ignore[import-untyped]
    import tf.utils  # type: ignore[import-untyped]

    assert tf.provider.pb is tfplugin6_pb2
    assert tf.utils.pb is tfplugin6_pb2
    assert tf.provider.rpc is sys.modules[protocol.SERVICES]


def test_tf_stubs_loaded_first_are_refused_with_a_clear_error() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import tf.gen.tfplugin_pb2\nimport keyhouse_provider"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode != 0
    assert "imported before keyhouse_provider.protocol was installed" in result.stderr
