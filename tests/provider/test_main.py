"""What the provider process does before it serves: nothing it does not need."""

from __future__ import annotations

import json
import subprocess
import sys

_PROCESS = """
import json, sys
from keyhouse_provider.main import _WithoutHttpxCommandLine
sys.meta_path.insert(0, _WithoutHttpxCommandLine())
import httpx
import keyhouse_client
print(json.dumps({
    "loaded": sorted({"rich", "click", "pygments"} & set(sys.modules)),
    "client": httpx.Client().headers["user-agent"].startswith("python-httpx"),
}))
"""


def test_the_provider_imports_the_client_without_httpx_s_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROCESS], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == {"loaded": [], "client": True}
    # The control: in another process, httpx does bring its command line (rich is installed).
    other = subprocess.run(
        [sys.executable, "-c", "import sys, httpx; print('rich' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert other.stdout.strip() == "True"
