"""One configuration applied and destroyed again and again, as CI pipelines with a
short-lived environment do: every apply creates afresh.

The provider derives each create's ``Idempotency-Key`` from the resource and its
request, so every cycle sends the same keys. The service replayed the first answers,
about objects destroyed since, and the provider stepped along a chain of keys, one
more per cycle: creates slowed down with every cycle and failed after
``MAX_GENERATIONS`` cycles within the service's idempotency window.
"""

from __future__ import annotations

from keyhouse_client import Keyhouse
from keyhouse_provider.connection import MAX_GENERATIONS
from tests.provider.harness.terraform import Workspace
from tests.support.actors import unique

CONFIG = """
resource "keyhouse_role" "ci" {{
  name = "{s}"
}}
resource "keyhouse_secret" "token" {{
  name  = "ci/{s}/token"
  value = "same value every cycle"
}}
resource "keyhouse_api_key" "ci" {{
  name       = "ci"
  owner_role = keyhouse_role.ci.name
  scopes     = ["job"]
}}
output "secret_id" {{
  value = keyhouse_secret.token.id
}}
"""


def test_a_configuration_applied_and_destroyed_again_and_again(
    workspace: Workspace, kh: Keyhouse
) -> None:
    s = unique("cycle")
    workspace.write(CONFIG.format(s=s))
    ids = []
    for _ in range(MAX_GENERATIONS + 1):
        workspace.apply()
        secret_id = workspace.run("output", "-raw", "secret_id").check().stdout
        assert kh.secrets.get(secret_id=secret_id).name == f"ci/{s}/token"
        ids.append(secret_id)
        workspace.destroy()
    assert len(set(ids)) == len(ids)  # a new secret each time, never a replayed answer
