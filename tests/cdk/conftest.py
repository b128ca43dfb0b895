"""Fixtures for the constructs' and stacks' tests.

``keyhouse_cdk`` is imported before anything imports cdktf: it quiets jsii's
Node version banner before cdktf starts its Node process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

import keyhouse_cdk  # noqa: F401 - before cdktf, for its effect on jsii's environment
from tests.cdk.synth import new_stack

if TYPE_CHECKING:
    import cdktf


@pytest.fixture
def stack() -> cdktf.TerraformStack:
    """An empty stack with the Keyhouse provider configured."""
    return new_stack()
