"""The README's code blocks, which the end-to-end tests run as a user would copy them."""

from __future__ import annotations

import re

from tests.support.user_install import ROOT

OWN_REPOSITORY = "## Use Keyhouse in your own repository"


def readme_block(language: str, after: str, section: str = OWN_REPOSITORY) -> str:
    """The first ``language`` code block of the README's ``section``, after the text ``after``."""
    text = (ROOT / "README.md").read_text()
    part = text[text.index(section) :]
    part = part[part.index(after) :]
    found = re.search(rf"```{language}\n(.*?)```", part, re.DOTALL)
    assert found, f"no {language} block after {after!r} in the README's {section!r}"
    return found.group(1)
