"""``framework/`` knows nothing of the provider built on it."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import keyhouse_provider.framework

FRAMEWORK = Path(keyhouse_provider.framework.__file__).parent
# cryptography: tf's own dependency, for its certificate.
ALLOWED = {"tf", "grpc", "google", "cryptography"} | set(sys.stdlib_module_names)


def test_the_framework_imports_only_itself_the_standard_library_and_tf() -> None:
    outside = []
    for path in sorted(FRAMEWORK.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            outside += [f"{path.name}: {n}" for n in names if n.split(".")[0] not in ALLOWED]
    assert outside == []
    assert "keyhouse" not in "".join(p.read_text().lower() for p in FRAMEWORK.glob("*.py"))
