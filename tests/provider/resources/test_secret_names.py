"""The provider's secret name rules agree with the service's, and fail plans early."""

from __future__ import annotations

import pytest

from keyhouse_client import Keyhouse, ValidationError
from keyhouse_provider.resources._secret_names import name_problem
from tests.provider.harness.inprocess import Harness
from tests.support.actors import unique

# {u} is a fresh part, so that the names this service takes are new ones.
NAMES = [
    "plain-{u}",
    "hopsworks/role/{u}/type/api-key",
    "a.b_c-d/{u}",
    "bad name//{u}",
    "/leading/{u}",
    "{u}/trailing/",
    "{u}//b",
    "{u}/../b",
    "{u}/./b",
    "{u}..b",
    "{u}/b c",
    "{u}/é",
    "{u}" + "x" * 257,
    "",
]


@pytest.mark.parametrize("template", NAMES, ids=range(len(NAMES)))
def test_the_provider_refuses_exactly_what_the_service_refuses(kh: Keyhouse, template: str) -> None:
    name = template.format(u=unique("n"))
    problem = name_problem(name)
    try:
        created = kh.secrets.create(name=name, value="v")
    except ValidationError as refused:
        (entry,) = refused.errors
        assert problem is not None, f"the service refuses {name!r}: {entry}"
        if len(name) <= 256 and name:
            assert problem in entry["detail"], (problem, entry)
    else:
        kh.secrets.delete(secret_id=created.id)
        assert problem is None, f"the service takes {name!r}, the provider says {problem}"


def test_a_bad_name_fails_validation_and_the_plan(harness: Harness) -> None:
    (found,) = harness.validate("keyhouse_secret", {"name": "bad name//x", "value": "v"})
    assert (found.summary, found.path) == ("Invalid secret name", ("name",))
    assert "'bad name//x' path segments may hold only letters" in found.detail
    plan = harness.plan("keyhouse_secret", None, {"name": "a//b", "value": "v"})
    (error,) = plan.errors
    assert "must not contain an empty path segment" in error.detail


def test_a_bad_stored_secret_name_fails_the_plan(harness: Harness) -> None:
    config = {"name": "k", "scopes": ["job"], "store_in_secret": {"name": "keys/"}}
    (found,) = harness.validate("keyhouse_api_key", config)
    assert (found.summary, found.path) == ("Invalid secret name", ("store_in_secret", "name"))
    (error,) = harness.plan("keyhouse_api_key", None, config).errors
    assert "must not end with '/'" in error.detail
