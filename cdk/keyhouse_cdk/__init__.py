"""CDKTF constructs for Keyhouse.

``keyhouse_cdk.l1`` holds the L1 constructs, generated from the provider's schema
(one class per provider, resource and data source). This package adds the L2
patterns written by hand: ``Secret`` with ``grant_read`` / ``grant_write``,
``ApiKey`` with ``store_in``, and ``ClusterApiKey`` (seed 000 in one construct).
"""

from keyhouse_cdk import _node  # noqa: F401 - imported for its effect, before cdktf

__all__: list[str] = []
