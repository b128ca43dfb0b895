"""Terraform values in Python: numbers in each form Terraform sends them."""

from __future__ import annotations

from typing import Any

import pytest

from keyhouse_provider.framework.tfcompat import Unknown
from keyhouse_provider.framework.types import NUMBER, number


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        (24, 24),
        (1.5, 1.5),
        ("0.005", 0.005),  # no float64 holds it: Terraform sends its decimal string
        ("0.1", 0.1),
        ("123456789012345678901234567890", 123456789012345678901234567890),
        ("90", 90),
        ("-2.50", -2.5),
    ],
)
def test_number_reads_every_form_terraform_sends(sent: Any, read: float) -> None:
    assert number(sent) == read
    assert type(number(sent)) is type(read)


@pytest.mark.parametrize("sent", [None, Unknown, True, "ninety", "", [1]])
def test_number_is_none_for_what_is_no_number(sent: Any) -> None:
    assert number(sent) is None


def test_numbers_are_equal_whatever_their_form() -> None:
    assert NUMBER.equal("0.1", 0.1)
    assert NUMBER.equal("90", 90)
    assert NUMBER.equal(90, 90.0)
    assert NUMBER.equal("0.0050", "0.005")
    assert not NUMBER.equal("0.1", "0.2")
    assert not NUMBER.equal("0.1", Unknown)
    assert not NUMBER.equal(Unknown, Unknown)
