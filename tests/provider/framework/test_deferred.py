"""Modules deferred at start-up: not imported by a start, and whole when used."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from keyhouse_provider.framework.deferred import Deferred, deferring


def _run(script: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True, check=True
    )
    found: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return found


def test_a_start_imports_neither_asyncio_nor_what_only_tf_runner_needs() -> None:
    found = _run(
        """
        import json, sys
        from keyhouse_provider.errors import report
        from keyhouse_provider.framework.servicer import Servicer
        from keyhouse_provider.framework.tfcompat import serve
        from keyhouse_provider.provider import KeyhouseProvider
        loaded = [m for m in ("asyncio", "tf.runner", "tempfile", "zipfile") if m in sys.modules]
        import grpc
        aio = type(grpc.aio).__name__
        server = grpc.aio.server.__name__  # used after all: the real module, imported now
        import asyncio
        print(json.dumps({"loaded": loaded, "aio": aio, "server": server,
                          "asyncio": asyncio.run.__module__}))
        """
    )
    assert found == {
        "loaded": [],
        "aio": "Deferred",
        "server": "server",
        "asyncio": "asyncio.runners",
    }


def test_a_stand_in_imports_its_module_at_the_first_read() -> None:
    found = _run(
        """
        import json, sys
        from keyhouse_provider.framework.deferred import deferring
        with deferring("colorsys", "json") as stand_ins:  # json is imported already
            import colorsys
        before = "colorsys" in sys.modules
        value = colorsys.rgb_to_hsv(1.0, 0.0, 0.0)
        print(json.dumps({"stand_ins": sorted(stand_ins), "before": before, "value": value,
                          "after": sys.modules["colorsys"].rgb_to_hsv is colorsys.rgb_to_hsv}))
        """
    )
    assert found == {
        "stand_ins": ["colorsys"],
        "before": False,
        "value": [0.0, 1.0, 1.0],
        "after": True,
    }


def test_outside_the_block_a_name_imports_as_usual() -> None:
    with deferring("keyhouse_provider.framework.deferred") as stand_ins:
        assert stand_ins == {}  # imported already: nothing to defer
    assert not isinstance(sys.modules["keyhouse_provider.framework.deferred"], Deferred)
