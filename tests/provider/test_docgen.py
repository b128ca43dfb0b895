"""The docs are generated from the schema and the examples, and nothing else."""

from __future__ import annotations

import shutil
from pathlib import Path

from keyhouse_provider import docgen
from keyhouse_provider.provider import KeyhouseProvider

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_docs_are_what_the_generator_writes() -> None:
    stale = docgen.differences(ROOT)
    assert stale == [], (
        f"docs out of date: {stale}; run .venv/bin/python -m keyhouse_provider.docgen"
    )


def test_check_mode_finds_an_edited_page_and_a_leftover_one(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    assert docgen.main([str(tmp_path)]) == 0
    assert docgen.main([str(tmp_path), "--check"]) == 0
    page = tmp_path / "docs" / "resources" / "secret.md"
    page.write_text(page.read_text().replace("### Read-Only", "### Read only"))
    (tmp_path / "docs" / "resources" / "gone.md").write_text("old\n")
    assert docgen.differences(tmp_path) == ["docs/resources/secret.md", "docs/resources/gone.md"]


def test_every_page_has_its_sections() -> None:
    provider = KeyhouseProvider()
    for resource in provider.get_resources():
        text = (ROOT / "docs" / "resources" / f"{resource.name}.md").read_text()
        assert f"# {resource.type_name()} (Resource)" in text
        for section in ("## Example Usage", "## Schema", "### Read-Only", "## Import"):
            assert section in text, (resource.name, section)
        for attribute in resource.schema.attributes:
            assert f"- `{attribute.name}` (" in text, (resource.name, attribute.name)
    for source in provider.get_data_sources():
        text = (ROOT / "docs" / "data-sources" / f"{source.name}.md").read_text()
        assert f"# {source.type_name()} (Data Source)" in text
        assert "## Example Usage" in text
        assert "## Schema" in text
    for ephemeral in provider.get_ephemeral_resources():
        text = (ROOT / "docs" / "ephemeral-resources" / f"{ephemeral.name}.md").read_text()
        assert f"# {ephemeral.type_name()} (Ephemeral Resource)" in text
        assert f'ephemeral "{ephemeral.type_name()}"' in text  # the example
        assert "## Schema" in text
    secret = (ROOT / "docs" / "resources" / "secret.md").read_text()
    assert "- `value_wo` (String, Sensitive, Write-only)" in secret
    index = (ROOT / "docs" / "index.md").read_text()
    assert "keyhouse provider install" in index
    assert "### Optional" in index
    assert "- `api_key` (String, Sensitive)" in index
