"""CDKTF (and CDK Terrain) constructs for Keyhouse.

``keyhouse_cdk.l1`` holds the L1 constructs, generated from the provider's schema
(one class per provider, resource and data source). This package adds the L2
patterns written by hand, each holding its L1 resource as a child: ``Secret``
with ``grant_read`` / ``grant_write`` (and ``Secret.from_name`` for a secret made
elsewhere), ``ApiKey`` with ``store_in`` and ``rotation``, and ``ClusterApiKey``
(seed 000 in one construct). ``Secret(value_wo=...)`` keeps a value out of the state;
``EphemeralSecretValue`` and ``EphemeralApiKey`` (CDK Terrain) give values for one run.
Wherever a project, role or user is taken, give its construct or its name. ``LIBRARY``
says which CDK library is in use (``cdktf`` or ``cdktn``) and ``cdk`` is that module, for
code that runs on either.
"""

from keyhouse_cdk import _node  # noqa: F401 - imported for its effect, before cdktf
from keyhouse_cdk.api_keys import ApiKey, Rotation, StoreIn
from keyhouse_cdk.cluster import CLUSTER_SCOPES, ClusterApiKey, secret_name_for
from keyhouse_cdk.ephemeral import EphemeralApiKey, EphemeralSecretValue, LibraryError
from keyhouse_cdk.grants import SECRET_READ_ACTIONS, SECRET_WRITE_ACTIONS, Grant
from keyhouse_cdk.l1._support import ADMIN_ONLY_SCOPES, BUILTIN_SCOPES, LIBRARY
from keyhouse_cdk.l1._support import cdktf as cdk
from keyhouse_cdk.principals import Grantee, Principal
from keyhouse_cdk.props import CUSTOM_SCOPES_CONTEXT, PropError
from keyhouse_cdk.refs import ProjectRef, RoleRef, UserRef
from keyhouse_cdk.secrets import ImportedSecret, Secret, SecretBase, SecretValue, StoredSecret

__all__ = [
    "ADMIN_ONLY_SCOPES",
    "BUILTIN_SCOPES",
    "CLUSTER_SCOPES",
    "CUSTOM_SCOPES_CONTEXT",
    "LIBRARY",
    "SECRET_READ_ACTIONS",
    "SECRET_WRITE_ACTIONS",
    "ApiKey",
    "ClusterApiKey",
    "EphemeralApiKey",
    "EphemeralSecretValue",
    "Grant",
    "Grantee",
    "ImportedSecret",
    "LibraryError",
    "Principal",
    "ProjectRef",
    "PropError",
    "RoleRef",
    "Rotation",
    "Secret",
    "SecretBase",
    "SecretValue",
    "StoreIn",
    "StoredSecret",
    "UserRef",
    "cdk",
    "secret_name_for",
]
