"""``terraform validate`` on every example, as the docs show them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.provider.harness.terraform import REQUIRED_PROVIDERS, Toolchain, Workspace

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _example_dirs() -> list[Path]:
    # examples/gitops is a repository of its own, tested end to end (tests/e2e/test_gitops.py).
    return sorted({path.parent for path in EXAMPLES.rglob("*.tf") if "gitops" not in path.parts})


def test_there_is_an_example_for_every_type() -> None:
    from keyhouse_provider.provider import KeyhouseProvider

    provider = KeyhouseProvider()
    names = {p.relative_to(EXAMPLES).as_posix() for p in _example_dirs()}
    assert names == {
        "provider",
        *(f"resources/{r.type_name()}" for r in provider.get_resources()),
        *(f"data-sources/{d.type_name()}" for d in provider.get_data_sources()),
        *(f"ephemeral-resources/{e.type_name()}" for e in provider.get_ephemeral_resources()),
    }


def test_every_example_validates(toolchain: Toolchain, tmp_path: Path) -> None:
    def validate(example: Path) -> tuple[Path, int, str]:
        workspace = Workspace(
            toolchain, tmp_path / example.relative_to(EXAMPLES), "http://unused", "unused"
        )
        for source in example.glob("*.tf"):
            (workspace.directory / source.name).write_text(source.read_text())
        if "required_providers" not in "".join(p.read_text() for p in example.glob("*.tf")):
            (workspace.directory / "versions.tf").write_text(REQUIRED_PROVIDERS)
        result = workspace.run("validate", "-no-color")
        return example, result.returncode, result.output

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(validate, _example_dirs()))
    failed = [(str(example), output) for example, code, output in results if code != 0]
    assert failed == []
    assert all("Success! The configuration is valid." in output for _, _, output in results)


def test_the_examples_are_formatted(workspace: Workspace) -> None:
    result = workspace.run("fmt", "-check", "-recursive", "-diff", str(EXAMPLES))
    assert result.returncode == 0, result.output
