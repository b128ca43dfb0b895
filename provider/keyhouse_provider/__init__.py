"""The Terraform provider ``keyhouse/keyhouse``, on the ``tf`` package (plugin protocol 6).

Run by Terraform through the launcher that ``keyhouse provider install`` writes
(``python -m keyhouse_provider``); ``keyhouse_provider.install`` writes it.
"""

VERSION = "0.1.0"
"""The provider's version, as Terraform resolves it (``version = "0.1.0"``)."""

SOURCE = "registry.terraform.io/keyhouse/keyhouse"
"""The provider's full source address."""
