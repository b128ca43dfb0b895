"""Registry-layout docs, generated from the provider's schema and the HCL examples.

``python -m keyhouse_provider.docgen [ROOT]`` writes ``ROOT/docs`` (``index.md``,
``resources/<name>.md``, ``data-sources/<name>.md``, ``ephemeral-resources/<name>.md``)
from the schema and ``ROOT/examples`` (``provider/provider.tf``,
``resources/<type>/resource.tf`` and ``import.sh``, ``data-sources/<type>/data-source.tf``,
``ephemeral-resources/<type>/ephemeral-resource.tf``), in the layout and with the
sections (Required, Optional, Read-Only, nested schemas, Import) the Terraform
Registry shows. ``--check`` compares instead of writing, and fails on any difference.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from keyhouse_provider import SOURCE
from keyhouse_provider.framework.base import DataSource, EphemeralResource, Resource
from keyhouse_provider.framework.schema import Attr, NestedBlock, Schema
from keyhouse_provider.framework.types import ListOf, ObjectOf, SetOf, Type
from keyhouse_provider.provider import SCHEMA, KeyhouseProvider

ROOT = Path(__file__).resolve().parents[2]


def _front_matter(title: str, description: str) -> str:
    indented = "\n".join(f"  {line}" if line else "" for line in description.splitlines())
    return f'---\npage_title: "{title}"\nsubcategory: ""\ndescription: |-\n{indented}\n---\n'


def _code(language: str, text: str) -> str:
    return f"```{language}\n{text.rstrip()}\n```\n"


def _object_type(kind: Type) -> ObjectOf | None:
    while isinstance(kind, ListOf | SetOf):
        kind = kind.element
    return kind if isinstance(kind, ObjectOf) else None


def _attribute_line(attribute: Attr, anchor_prefix: str) -> str:
    flags = [attribute.type.doc_name()]
    if attribute.sensitive:
        flags.append("Sensitive")
    if attribute.write_only:
        flags.append("Write-only")
    line = f"- `{attribute.name}` ({', '.join(flags)}) {attribute.description}"
    if _object_type(attribute.type) is not None:
        anchor = f"nestedatt--{anchor_prefix}{attribute.name}"
        line += f" (see [below for nested schema](#{anchor}))"
    return line


def _block_line(block: NestedBlock, anchor_prefix: str) -> str:
    kind = "Block, Optional" if block.mode == "single" else "Block List"
    if block.min_items:
        kind = kind.replace("Optional", "Required") if block.mode == "single" else kind
    if block.max_items:
        kind += f", Max: {block.max_items}"
    anchor = f"nestedblock--{anchor_prefix}{block.name}"
    return (
        f"- `{block.name}` ({kind}) {block.description} (see [below for nested schema](#{anchor}))"
    )


def _groups(
    attributes: Iterable[Attr], blocks: Iterable[NestedBlock], anchor_prefix: str
) -> list[tuple[str, list[str]]]:
    required, optional, read_only = [], [], []
    for attribute in sorted(attributes, key=lambda a: a.name):
        line = _attribute_line(attribute, anchor_prefix)
        if attribute.required:
            required.append(line)
        elif attribute.optional:
            optional.append(line)
        else:
            read_only.append(line)
    for block in sorted(blocks, key=lambda b: b.name):
        (required if block.min_items else optional).append(_block_line(block, anchor_prefix))
    groups = [("Required", required), ("Optional", optional), ("Read-Only", read_only)]
    return [(title, lines) for title, lines in groups if lines]


def _nested(attributes: Iterable[Attr], blocks: Iterable[NestedBlock], prefix: str) -> list[str]:
    """Nested schemas for blocks and object attributes, depth first."""
    out: list[str] = []
    for block in sorted(blocks, key=lambda b: b.name):
        path = f"{prefix}{block.name}"
        out.append(
            f'<a id="nestedblock--{path}"></a>\n### Nested Schema for `{path.replace("--", ".")}`\n'
        )
        for title, lines in _groups(block.attributes, block.blocks, f"{path}--"):
            out.append(f"{title}:\n\n" + "\n".join(lines) + "\n")
        out += _nested(block.attributes, block.blocks, f"{path}--")
    for attribute in sorted(attributes, key=lambda a: a.name):
        kind = _object_type(attribute.type)
        if kind is None:
            continue
        path = f"{prefix}{attribute.name}"
        out.append(
            f'<a id="nestedatt--{path}"></a>\n### Nested Schema for `{path.replace("--", ".")}`\n'
        )
        fields = [f"- `{name}` ({field.doc_name()})" for name, field in sorted(kind.fields.items())]
        out.append(
            ("Optional:" if attribute.optional else "Read-Only:")
            + "\n\n"
            + "\n".join(fields)
            + "\n"
        )
    return out


def schema_markdown(schema: Schema) -> str:
    """The "Schema" section: Required, Optional, Read-Only, then nested schemas."""
    parts = [
        "<!-- generated from the provider's schema by keyhouse_provider.docgen -->\n## Schema\n"
    ]
    for title, lines in _groups(schema.attributes, schema.blocks, ""):
        parts.append(f"### {title}\n\n" + "\n".join(lines) + "\n")
    parts += _nested(schema.attributes, schema.blocks, "")
    return "\n".join(parts)


def _example(path: Path, language: str) -> str:
    if not path.exists():
        raise FileNotFoundError(f"missing example {path}")
    return _code(language, path.read_text())


def _page_head(type_name: str, kind: str, schema: Schema, example: Path) -> list[str]:
    """A page's title, description, example and schema, for every kind of page."""
    return [
        _front_matter(f"{type_name} {kind} - keyhouse", schema.description),
        f"# {type_name} ({kind})\n",
        f"{schema.description}\n",
        "## Example Usage\n",
        _example(example, "terraform"),
        schema_markdown(schema),
    ]


def resource_page(klass: type[Resource[Any]], examples: Path) -> str:
    """``docs/resources/<name>.md``."""
    type_name = klass.type_name()
    directory = examples / "resources" / type_name
    page = [
        *_page_head(type_name, "Resource", klass.schema, directory / "resource.tf"),
        "## Import\n",
        "Import is supported using the following syntax:\n",
        _example(directory / "import.sh", "shell"),
        "Or with an `import` block (Terraform 1.5 and later), using the same ID:\n",
        _code("terraform", f'import {{\n  to = {type_name}.example\n  id = "..."\n}}'),
    ]
    return "\n".join(page)


def data_source_page(klass: type[DataSource[Any]], examples: Path) -> str:
    """``docs/data-sources/<name>.md``."""
    type_name = klass.type_name()
    example = examples / "data-sources" / type_name / "data-source.tf"
    return "\n".join(_page_head(type_name, "Data Source", klass.schema, example))


def ephemeral_page(klass: type[EphemeralResource[Any]], examples: Path) -> str:
    """``docs/ephemeral-resources/<name>.md``."""
    type_name = klass.type_name()
    example = examples / "ephemeral-resources" / type_name / "ephemeral-resource.tf"
    return "\n".join(_page_head(type_name, "Ephemeral Resource", klass.schema, example))


INSTALLATION = """## Installation

The provider is the Python package `keyhouse_provider`, installed with Keyhouse
(`pip install keyhouse[provider]`). Put it where Terraform finds it:

```shell
keyhouse provider install            # into ~/.terraform.d/plugins, the implied local mirror
keyhouse provider install --dir DIR  # into a filesystem mirror of your own
```

A plain `terraform init` then installs `keyhouse/keyhouse` offline and records it
in `.terraform.lock.hcl`, next to providers from the registry. With a mirror of
your own, list it in the CLI configuration (`TF_CLI_CONFIG_FILE`):

```terraform
provider_installation {
  filesystem_mirror {
    path    = "DIR"
    include = ["keyhouse/keyhouse"]
  }
  direct {
    exclude = ["keyhouse/keyhouse"]
  }
}
```

What the launcher runs is this environment's Python: reinstall after moving it.
"""

BEHAVIOUR = """## Behaviour worth knowing

- **Plan-time checks.** Plans ask the service whether scopes are in its catalog and
  whether key lifetimes are within the admin's maximum, and fail naming the
  attribute. Secret values over 9000 characters fail too, without the service.
- **Drift.** A refresh notices keys revoked, expired or deleted, secrets deleted or
  given another value (their `version` moved), memberships removed or changed, and
  plans to set them back.
- **Creates happen once.** Each create carries an `Idempotency-Key` derived from the
  resource type and its request, so an apply that died half way and is run again
  (within the service's idempotency window, 24 hours by default) gets back what the
  first run created instead of a second object. Two resources declaring exactly the
  same object share it, where they would otherwise fail on a name conflict.
- **Secrets in the state.** `keyhouse_secret.value`, `keyhouse_api_key.key` and the
  `keyhouse_secret` data source's `value` are in the state, marked sensitive; keep
  the state private. Three ways keep a value out of state and plan altogether:
  - `keyhouse_api_key` with `store_in_secret`: Keyhouse makes the key and whoever
    needs it reads it from the secret; the key never leaves the service.
  - write-only `keyhouse_secret.value_wo` with `value_wo_version` (Terraform 1.11
    and later): the value comes from outside (an ephemeral variable, an ephemeral
    resource); Terraform keeps only the version, and a new version writes again.
  - the ephemeral `keyhouse_secret` and `keyhouse_api_key` (Terraform 1.10 and
    later): a value needed for one run only, fed to a write-only argument or a
    provider configuration; an ephemeral key is revoked when the run closes it.

  Importing a `keyhouse_secret` reads its value into the state, as for `value`; with
  `value_wo`, the plan after the import writes the configured value (there is no
  version to compare) and the next apply leaves the state without it.
- **Keys roll instead of being replaced.** `keyhouse_api_key` with a `rotation` block
  rolls once it is `every_days` old ("Rotation due"); a new `expires_in_days`, or an
  expired key, rolls too: a new key in place (the same secret, its next version), the
  old one working for the overlap. A new owner or `project`, and `terraform apply
  -replace`, still replace a key and its secret outright.
"""


DESIGN_NOTES = """## Design notes

Where this provider differs from the first sketch of it (`ARCHITECTURE.md`), and why:

- `keyhouse_project_member` names a role principal `machine_role`: `role` is the
  project role (`owner`, `member`, `viewer`), as the sketch uses it.
- Users, roles, projects and policies are imported by name, not by the service's
  internal id: the service addresses them by name, and the name is what a
  configuration holds.
- `keyhouse_api_key.store_in_secret` writes the key into the secret from the
  provider: the service has no "create a key into a secret" call, so the provider
  takes the key from the creation's answer, writes it into the secret at once and
  keeps it nowhere. It is never in the state, the plan or a log; it does pass
  through the provider's memory.
- `keyhouse_api_key` exposes `stored_secret_arn`, so that a policy can grant the
  key's owner read access to exactly that secret (seed 000).
- `keyhouse_settings` cannot be deleted from the service: destroying it leaves the
  settings as they are.
- Pages are named after the type without the provider prefix
  (`docs/resources/api_key.md`), as the Registry expects.
"""


def index_page(examples: Path) -> str:
    """``docs/index.md``."""
    page = [
        _front_matter("Provider: Keyhouse", SCHEMA.description),
        "# Keyhouse Provider\n",
        f"{SCHEMA.description}\n",
        f"Source address: `{SOURCE.removeprefix('registry.terraform.io/')}`.\n",
        "## Example Usage\n",
        _example(examples / "provider" / "provider.tf", "terraform"),
        INSTALLATION,
        BEHAVIOUR,
        DESIGN_NOTES,
        schema_markdown(SCHEMA),
    ]
    return "\n".join(page)


def render(root: Path = ROOT) -> dict[Path, str]:
    """Every docs page, by path relative to ``root``."""
    provider = KeyhouseProvider()
    examples = root / "examples"
    pages = {Path("docs/index.md"): index_page(examples)}
    for resource in provider.get_resources():
        pages[Path(f"docs/resources/{resource.name}.md")] = resource_page(resource, examples)
    for source in provider.get_data_sources():
        pages[Path(f"docs/data-sources/{source.name}.md")] = data_source_page(source, examples)
    for ephemeral in provider.get_ephemeral_resources():
        pages[Path(f"docs/ephemeral-resources/{ephemeral.name}.md")] = ephemeral_page(
            ephemeral, examples
        )
    return {path: text.rstrip() + "\n" for path, text in pages.items()}


def differences(root: Path = ROOT) -> list[str]:
    """Pages that are missing, stale or left over."""
    pages = render(root)
    found = []
    for path, text in pages.items():
        target = root / path
        if not target.exists() or target.read_text() != text:
            found.append(str(path))
    written = {p.relative_to(root) for p in (root / "docs").rglob("*.md")}
    found += sorted(str(p) for p in written - set(pages))
    return found


def main(argv: list[str] | None = None) -> int:
    """Write the docs, or with ``--check`` report what differs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("root", nargs="?", type=Path, default=ROOT)
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    if args.check:
        stale = differences(args.root)
        for page in stale:
            print(f"out of date: {page}", file=sys.stderr)
        return 1 if stale else 0
    for path, text in render(args.root).items():
        target = args.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
