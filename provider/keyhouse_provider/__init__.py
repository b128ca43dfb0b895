"""The Terraform provider ``keyhouse/keyhouse``, on the ``tf`` package (plugin protocol 6)."""
