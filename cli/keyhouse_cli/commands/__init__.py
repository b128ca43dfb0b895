"""The command groups of ``keyhouse``, one module per group."""
