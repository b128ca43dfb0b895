"""The ephemeral resources (protocol 6.7), one module each: read or made for one run,
never in plan or state."""

from keyhouse_provider.base import KeyhouseEphemeralResource
from keyhouse_provider.ephemeral.api_key import EphemeralApiKey
from keyhouse_provider.ephemeral.secret import EphemeralSecret

EPHEMERAL_RESOURCES: tuple[type[KeyhouseEphemeralResource], ...] = (
    EphemeralApiKey,
    EphemeralSecret,
)
