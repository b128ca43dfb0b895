"""The Terraform provider ``keyhouse/keyhouse``, on the ``tf`` package (plugin protocol 6.8).

Run by Terraform through the launcher that ``keyhouse provider install`` writes
(``python -m keyhouse_provider``); ``keyhouse_provider.install`` writes it.

``tf`` ships protocol 6.5 stubs; importing this package points their module names
at the 6.8 stubs of ``keyhouse_provider.protocol`` (before any ``tf`` module loads
them), which is what write-only attributes and ephemeral resources need.
"""

from keyhouse_provider import protocol as _protocol

_protocol.install()

VERSION = "0.1.0"
"""The provider's version, as Terraform resolves it (``version = "0.1.0"``)."""

SOURCE = "registry.terraform.io/keyhouse/keyhouse"
"""The provider's full source address."""
