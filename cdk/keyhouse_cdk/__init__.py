"""CDKTF constructs for Keyhouse.

``keyhouse_cdk.l1`` holds the L1 constructs, generated from the provider's schema
(one class per provider, resource and data source). This package adds the L2
patterns written by hand: ``Secret`` with ``grant_read`` / ``grant_write``,
``ApiKey`` with ``store_in`` and ``rotation``, and ``ClusterApiKey`` (seed 000 in one
construct).
"""

from keyhouse_cdk import _node  # noqa: F401 - imported for its effect, before cdktf
from keyhouse_cdk.api_keys import ApiKey, Rotation, StoreIn
from keyhouse_cdk.cluster import CLUSTER_SCOPES, ClusterApiKey, secret_name_for
from keyhouse_cdk.grants import SECRET_READ_ACTIONS, SECRET_WRITE_ACTIONS, Grant
from keyhouse_cdk.principals import Grantee, Principal
from keyhouse_cdk.props import BUILTIN_SCOPES, PropError
from keyhouse_cdk.secrets import Secret, StoredSecret

__all__ = [
    "BUILTIN_SCOPES",
    "CLUSTER_SCOPES",
    "SECRET_READ_ACTIONS",
    "SECRET_WRITE_ACTIONS",
    "ApiKey",
    "ClusterApiKey",
    "Grant",
    "Grantee",
    "Principal",
    "PropError",
    "Rotation",
    "Secret",
    "StoreIn",
    "StoredSecret",
    "secret_name_for",
]
