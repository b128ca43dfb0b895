"""The provider construct seeds its stack's dependency lock file when the app synthesizes."""

from __future__ import annotations

from pathlib import Path

import cdktf

from keyhouse_cdk.l1 import KeyhouseProvider, Project, _support

ENTRY = 'provider "registry.terraform.io/keyhouse/keyhouse" {'


def synthesize(outdir: Path, *stacks: str, aliases: int = 1) -> None:
    app = cdktf.App(outdir=str(outdir))
    for name in stacks:
        stack = cdktf.TerraformStack(app, name)
        for index in range(aliases):
            KeyhouseProvider(stack, f"keyhouse{index}", alias=f"k{index}" if index else None)
        Project(stack, "P", name="p")
    app.synth()


def lock(outdir: Path, stack: str) -> str:
    return (outdir / "stacks" / stack / ".terraform.lock.hcl").read_text()


def test_every_stack_with_the_provider_gets_a_lock_entry(tmp_path: Path) -> None:
    # GIVEN a plain app with two stacks, one with two configurations of the provider
    # WHEN it synthesizes
    synthesize(tmp_path, "one", "two", aliases=2)
    # THEN each stack's working directory has one entry: the version and the package's hash
    for stack in ("one", "two"):
        text = lock(tmp_path, stack)
        assert text.count(ENTRY) == 1
        assert f'version     = "{_support.METADATA.provider_version}"' in text
        assert _support.LOCK_HASHES
        assert all(f'"{h}"' in text for h in _support.LOCK_HASHES)


def test_an_entry_terraform_maintains_is_kept(tmp_path: Path) -> None:
    # GIVEN a lock file terraform init wrote for this version
    directory = tmp_path / "stacks" / "one"
    directory.mkdir(parents=True)
    written = (
        f'{ENTRY}\n  version     = "{_support.METADATA.provider_version}"\n  hashes = []\n}}\n'
    )
    (directory / ".terraform.lock.hcl").write_text(written)
    # WHEN the app synthesizes again THEN the file is left as it was
    synthesize(tmp_path, "one")
    assert lock(tmp_path, "one") == written


def test_another_version_is_replaced_and_other_providers_are_kept(tmp_path: Path) -> None:
    # GIVEN a lock with an older keyhouse entry between two other providers' entries
    directory = tmp_path / "stacks" / "one"
    directory.mkdir(parents=True)
    other = 'provider "registry.terraform.io/hashicorp/random" {\n  version = "3.6.0"\n}\n'
    old = f'{ENTRY}\n  version     = "0.0.1"\n  constraints = "0.0.1"\n}}\n'
    (directory / ".terraform.lock.hcl").write_text(other + "\n" + old + "\n" + other)
    # WHEN the app synthesizes THEN only the keyhouse entry changes, to this version
    synthesize(tmp_path, "one")
    text = lock(tmp_path, "one")
    assert text.count(other) == 2
    assert '"0.0.1"' not in text
    assert text.count(ENTRY) == 1
    assert f'constraints = "{_support.METADATA.provider_version}"' in text


def test_a_lock_without_keyhouse_gets_the_entry_added(tmp_path: Path) -> None:
    directory = tmp_path / "stacks" / "one"
    directory.mkdir(parents=True)
    other = 'provider "registry.terraform.io/hashicorp/random" {\n  version = "3.6.0"\n}\n'
    (directory / ".terraform.lock.hcl").write_text(other)
    synthesize(tmp_path, "one")
    text = lock(tmp_path, "one")
    assert text.startswith(other)
    assert text.count(ENTRY) == 1
